//! Desktop notifications when a host goes down or comes back: remote hosts by default, this
//! computer only when asked for in Preferences.

use std::rc::Rc;

use gtk::gio;
use gtk::prelude::*;

use super::Controller;
use crate::ui::host_pane::HostPane;

impl Controller {
    /// Has `pane` notify when it goes down or comes back (as the settings allow at the time).
    pub(super) fn watch_up_down(self: &Rc<Self>, pane: &Rc<HostPane>) {
        let (weak, which) = (Rc::downgrade(self), Rc::downgrade(pane));
        pane.set_on_up_down(move |up| {
            if let (Some(this), Some(pane)) = (weak.upgrade(), which.upgrade()) {
                this.notify_up_down(&pane, up);
            }
        });
    }

    fn notify_up_down(&self, pane: &HostPane, up: bool) {
        let allowed = self.settings.borrow().notify;
        let remote = pane.is_remote();
        if !(if remote {
            allowed.remote
        } else {
            allowed.this_computer
        }) {
            return;
        }
        let name = match pane.url() {
            Some(url) if pane.host_name() != url => format!("{} ({url})", pane.host_name()),
            Some(url) => url,
            None => format!("This computer ({})", pane.host_name()),
        };
        let (title, body) = if up {
            (
                format!("{name} is back"),
                "Receiving data again.".to_owned(),
            )
        } else {
            let why = pane.banner_text().unwrap_or_default();
            (format!("{name} is down"), why)
        };
        tracing::info!("notification: {title}");
        let n = gio::Notification::new(&title);
        n.set_body(Some(&body));
        n.set_priority(if up {
            gio::NotificationPriority::Normal
        } else {
            gio::NotificationPriority::High
        });
        // One notification per host: "back" replaces "down".
        let id = format!("host-{}", pane.url().unwrap_or_else(|| "local".into()));
        self.app.send_notification(Some(&id), &n);
        self.sent.borrow_mut().push(title);
    }

    /// The titles of the notifications sent so far, oldest first.
    pub fn notifications(&self) -> Vec<String> {
        self.sent.borrow().clone()
    }
}
