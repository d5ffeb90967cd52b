//! The controller's preferences: applying units, hidden resources and the interval to every
//! host, and remembering the window size.

use std::rc::Rc;

use super::Controller;
use crate::settings_store::Settings;
use crate::ui::host_pane::HostPane;
use crate::ui::preferences::{self, Preferences, PreferencesDialog};

impl Controller {
    /// Opens the Preferences dialog on the current preferences.
    pub fn open_preferences(self: &Rc<Self>) -> PreferencesDialog {
        let s = self.settings();
        let current = Preferences {
            interval_ms: s.interval_ms,
            units: s.units,
            hidden: s.hidden,
            notify: s.notify,
        };
        let weak = Rc::downgrade(self);
        preferences::open(&self.window.window, &current, move |p| {
            weak.upgrade()
                .map_or(Ok(()), |this| this.apply_preferences(p))
        })
    }

    /// Applies `p` to every host (a new interval restarts the embedded server) and saves it.
    pub fn apply_preferences(self: &Rc<Self>, p: Preferences) -> Result<(), String> {
        let new = Settings {
            interval_ms: p.interval_ms,
            units: p.units,
            hidden: p.hidden,
            notify: p.notify,
            ..self.settings()
        };
        self.apply_settings(new)?;
        self.apply_preferences_to(&self.main);
        for pane in self.remotes.borrow().iter() {
            self.apply_preferences_to(pane);
        }
        Ok(())
    }

    /// Saves the main window's size for the next launch.
    pub fn remember_window_size(&self, width: i32, height: i32) {
        let mut s = self.settings.borrow_mut();
        if s.window_size != (width, height) && width > 0 && height > 0 {
            s.window_size = (width, height);
            if let Err(e) = s.save(&self.options.data_dir) {
                tracing::warn!("cannot save the window size: {e}");
            }
        }
    }

    /// Applies the units and hidden resources of the settings to `pane`.
    pub(super) fn apply_preferences_to(&self, pane: &HostPane) {
        let s = self.settings.borrow();
        let model = pane.model.borrow();
        pane.view
            .borrow_mut()
            .set_preferences(&s.hidden, s.units, &model);
    }
}
