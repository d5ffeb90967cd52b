//! The Processes page of this computer: every process from /proc, search by name, sort by each
//! column (remembered in the settings), and the signal menu on a child process the test starts.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::time::Duration;

use psmonitor_gtk::gtk::{self, prelude::*};
use psmonitor_gtk::process_list::{ProcRow, Sort, SortKey};
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::processes::ProcessPage;

use crate::harness::{World, find, pump, render, screenshots, text, wait_until};

fn page(w: &World) -> ProcessPage {
    w.controller.main.view.borrow().processes.clone()
}

fn sleeper() -> Result<Child, String> {
    Command::new("sleep")
        .arg("600")
        .spawn()
        .map_err(|e| format!("cannot start sleep: {e}"))
}

fn shown(page: &ProcessPage, pid: u32) -> bool {
    page.displayed().iter().any(|r| r.pid == pid)
}

fn sorted(rows: &[ProcRow], key: SortKey, descending: bool) -> bool {
    rows.windows(2).all(|w| {
        let (a, b) = if descending {
            (&w[1], &w[0])
        } else {
            (&w[0], &w[1])
        };
        match key {
            SortKey::Cpu => a.cpu.unwrap_or(-1.0) <= b.cpu.unwrap_or(-1.0),
            SortKey::Memory => a.mem_mib <= b.mem_mib,
            SortKey::Pid => a.pid <= b.pid,
            SortKey::User => a.user <= b.user,
            SortKey::Name => a.name.to_lowercase() <= b.name.to_lowercase(),
        }
    })
}

pub fn processes_search_and_sort_by_each_column(w: &World) -> Result<(), String> {
    let mut child = sleeper()?;
    let result = (|| {
        let main = &w.controller.main;
        main.view.borrow().show_page("processes");
        let page = page(w);
        let pid = child.id();
        wait_until("the child in the list", Duration::from_secs(10), || {
            shown(&page, pid)
        })?;
        let all = page.displayed().len();
        if all < 5 || !text(&main.window, "process-count").contains(&all.to_string()) {
            return Err(format!(
                "{all} rows, count label {:?}",
                text(&main.window, "process-count")
            ));
        }
        page.search().set_text("SLEE");
        wait_until("the search to apply", Duration::from_secs(5), || {
            page.displayed().len() < all
        })?;
        let rows = page.displayed();
        if !rows.iter().all(|r| r.name.to_lowercase().contains("slee")) || !shown(&page, pid) {
            return Err(format!("search shows {rows:?}"));
        }
        page.search().set_text("");
        wait_until("the search to clear", Duration::from_secs(5), || {
            page.displayed().len() > rows.len()
        })?;
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                page.set_sort(sort);
                let rows = page.displayed();
                if !sorted(&rows, key, descending) {
                    let head: Vec<_> = rows.iter().take(8).collect();
                    return Err(format!("not sorted by {sort:?}: {head:?}"));
                }
                // The header's arrow and the direction button's icon follow.
                if page.header_sort() != Some(sort) {
                    return Err(format!(
                        "header shows {:?} for {sort:?}",
                        page.header_sort()
                    ));
                }
                let icon = page.direction_icon();
                let want = if descending {
                    "descending"
                } else {
                    "ascending"
                };
                if !icon.contains(want) {
                    return Err(format!("the direction button shows {icon} for {sort:?}"));
                }
            }
        }
        // Re-sorted, every row's labels catch up (the rows on screen at once, the others
        // between frames).
        wait_until("the labels to catch up", Duration::from_secs(10), || {
            page.caught_up()
        })?;
        let cells = page.bound_cells();
        let wrong: Vec<_> = cells.iter().filter(|(_, has, want)| has != want).collect();
        if cells.len() < 7 * 5 || !wrong.is_empty() {
            return Err(format!(
                "{} labels bound, showing an earlier row: {:?}",
                cells.len(),
                wrong.iter().take(5).collect::<Vec<_>>()
            ));
        }
        // Clicking a column header sorts by it (what a click does: the view's sorter takes
        // that column), and clicking again turns the direction around.
        let table = page.table();
        let columns = table.columns();
        let pid_column = (0..columns.n_items())
            .filter_map(|i| columns.item(i))
            .filter_map(|c| c.downcast::<gtk::ColumnViewColumn>().ok())
            .find(|c| c.title().as_deref() == Some("PID"))
            .ok_or("no PID column")?;
        for order in [gtk::SortType::Ascending, gtk::SortType::Descending] {
            table.sort_by_column(Some(&pid_column), order);
            let descending = order == gtk::SortType::Descending;
            let want = Sort {
                key: SortKey::Pid,
                descending,
            };
            if page.sort() != want || !sorted(&page.displayed(), SortKey::Pid, descending) {
                return Err(format!("the PID header gave {:?}", page.sort()));
            }
        }
        // The order is remembered in the settings file.
        let want = Sort {
            key: SortKey::Memory,
            descending: true,
        };
        page.set_sort(want);
        let saved = Settings::load(&w.controller.options.data_dir).process_sort;
        if saved != want {
            return Err(format!("saved sort {saved:?}, expected {want:?}"));
        }
        pump(Duration::from_millis(300));
        render(&main.window)?
            .save_to_png(screenshots().join("page-processes.png"))
            .map_err(|e| e.to_string())?;
        page.search().set_text("");
        main.view.borrow().show_page("resources");
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

pub fn signal_menu_terminates_a_child_process(w: &World) -> Result<(), String> {
    let mut child = sleeper()?;
    let result = (|| {
        let main = &w.controller.main;
        main.view.borrow().show_page("processes");
        let page = page(w);
        if !page.has_signal_menu() {
            return Err("no signal menu for this computer".into());
        }
        let pid = child.id();
        wait_until("the child in the list", Duration::from_secs(10), || {
            shown(&page, pid)
        })?;
        // A right-click on the child's row selects it and opens the menu there.
        page.search().set_text("sleep");
        wait_until("only sleepers shown", Duration::from_secs(5), || {
            page.displayed().iter().all(|r| r.name.contains("sleep")) && shown(&page, pid)
        })?;
        let table = page.table();
        let label = wait_for_cell(&table, pid)?;
        let (x, y) = label
            .translate_coordinates(&table, 2.0, 2.0)
            .ok_or("the cell is not in the table")?;
        if page.menu_at(x, y) != Some(pid) || !page.menu_open() {
            return Err(format!(
                "a right-click at ({x}, {y}) did not open the menu on {pid}"
            ));
        }
        if page.selected().map(|r| r.pid) != Some(pid) {
            return Err("the right-click did not select the child".into());
        }
        // What the menu's "Terminate" item does.
        page.root()
            .activate_action("proc.signal", Some(&"TERM".to_variant()))
            .map_err(|e| e.to_string())?;
        let dialog = gtk::Window::list_toplevels()
            .into_iter()
            .filter_map(|t| t.downcast::<gtk::Window>().ok())
            .find(|t| t.is_visible() && find(t, "signal-confirm").is_some())
            .ok_or("no confirmation")?;
        let question = text(&dialog, "signal-text");
        if !question.contains(&pid.to_string()) || !question.contains("SIGTERM") {
            return Err(format!("confirmation says {question:?}"));
        }
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Err("the child ended before the confirmation".into());
        }
        find(&dialog, "signal-confirm")
            .and_then(|b| b.downcast::<gtk::Button>().ok())
            .ok_or("no Send button")?
            .emit_clicked();
        let mut status = None;
        wait_until("the child to end", Duration::from_secs(10), || {
            status = child.try_wait().ok().flatten();
            status.is_some()
        })?;
        let signal = status.and_then(|s| s.signal());
        if signal != Some(15) {
            return Err(format!("the child ended with {status:?}, not SIGTERM"));
        }
        // A toast says what was sent.
        let want = format!("Terminate sent to process {pid}");
        wait_until("the toast", Duration::from_secs(15), || {
            psmonitor_gtk::ui::main_window::toasts_shown(&w.controller.window.window)
                .iter()
                .any(|t| t == &want)
        })?;
        if page.displayed().is_empty() {
            return Err("the list emptied".into());
        }
        page.search().set_text("");
        main.view.borrow().show_page("resources");
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The label of `pid`'s row in `table`, once drawn.
fn wait_for_cell(table: &gtk::ColumnView, pid: u32) -> Result<gtk::Widget, String> {
    let name = format!("pid-{pid}");
    let mut found = None;
    wait_until("the child's row on screen", Duration::from_secs(10), || {
        found = find(table, &name).filter(|w| w.is_mapped() && w.width() > 0);
        found.is_some()
    })?;
    found.ok_or_else(|| "no cell".into())
}

/// The confirmation window asking to send a signal, once shown.
fn confirmation() -> Option<gtk::Window> {
    gtk::Window::list_toplevels()
        .into_iter()
        .filter_map(|t| t.downcast::<gtk::Window>().ok())
        .find(|t| t.is_visible() && find(t, "signal-confirm").is_some())
}

pub fn delete_key_terminates_after_confirmation(w: &World) -> Result<(), String> {
    let mut child = Command::new("sleep")
        .arg("601")
        .spawn()
        .map_err(|e| format!("cannot start sleep: {e}"))?;
    let mut other = Command::new("sleep")
        .arg("602")
        .spawn()
        .map_err(|e| format!("cannot start sleep: {e}"))?;
    let result = (|| {
        let main = &w.controller.main;
        main.view.borrow().show_page("processes");
        let page = page(w);
        let (pid, second) = (child.id(), other.id());
        wait_until("the children in the list", Duration::from_secs(10), || {
            shown(&page, pid) && shown(&page, second)
        })?;
        // The full command line, not only the name.
        let row = page
            .displayed()
            .into_iter()
            .find(|r| r.pid == pid)
            .ok_or("no row")?;
        if row.command != "sleep 601" {
            return Err(format!("the command column shows {:?}", row.command));
        }
        page.select_pid(pid);
        // Details (the menu's item, or Alt+Return): command, threads, priority, changed here.
        if !crate::harness::press_key(&page.table(), "<Alt>Return") {
            return Err("Alt+Return does nothing on the table".into());
        }
        let details = gtk::Window::list_toplevels()
            .into_iter()
            .filter_map(|t| t.downcast::<gtk::Window>().ok())
            .find(|t| t.is_visible() && find(t, "info-command").is_some())
            .ok_or("no details dialog")?;
        let shown = (
            text(&details, "info-command"),
            text(&details, "info-threads"),
        );
        if shown != ("sleep 601".into(), "1".into()) || text(&details, "info-cgroup").is_empty() {
            return Err(format!("details show {shown:?}"));
        }
        find(&details, "info-nice")
            .and_then(|n| n.downcast::<gtk::SpinButton>().ok())
            .ok_or("no priority")?
            .set_value(7.0);
        find(&details, "info-set-nice")
            .and_then(|b| b.downcast::<gtk::Button>().ok())
            .ok_or("no Change priority")?
            .emit_clicked();
        let nice = psmonitor_gtk::process_info::read(std::path::Path::new("/proc"), pid)
            .map_err(|e| e.to_string())?
            .nice;
        if nice != 7 || !text(&details, "info-error").is_empty() {
            return Err(format!(
                "renice gave {nice}: {:?}",
                text(&details, "info-error")
            ));
        }
        crate::harness::press_key(&details, "Escape");
        if !crate::harness::press_key(&page.table(), "Delete") {
            return Err("Delete does nothing on the table".into());
        }
        let dialog = confirmation().ok_or("Delete asked nothing")?;
        let question = text(&dialog, "signal-text");
        if !question.contains(&pid.to_string()) || !question.contains("SIGTERM") {
            return Err(format!("Delete asks {question:?}"));
        }
        // Escape (Cancel) leaves the process running.
        crate::harness::press_key(&dialog, "Escape");
        pump(Duration::from_millis(200));
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Err("the child ended without a confirmation".into());
        }
        // The tree: the children under this test process, one level deeper.
        page.tree_toggle().set_active(true);
        let rows = page.displayed();
        let me = std::process::id();
        let at = |p: u32| rows.iter().position(|r| r.pid == p);
        let (Some(parent), Some(kid)) = (at(me), at(pid)) else {
            return Err("the tree lacks this process or its child".into());
        };
        if kid <= parent || rows[kid].depth != rows[parent].depth + 1 || rows[kid].ppid != me {
            return Err(format!("tree: {:?} then {:?}", rows[parent], rows[kid]));
        }
        page.tree_toggle().set_active(false);
        if page.displayed().iter().any(|r| r.depth != 0) {
            return Err("the flat list is indented".into());
        }
        // Both children selected (Ctrl+click): one confirmation names both, both end.
        page.add_pid_to_selection(second);
        let picked: Vec<u32> = page.selected_rows().iter().map(|r| r.pid).collect();
        if picked.len() != 2 || !picked.contains(&pid) || !picked.contains(&second) {
            return Err(format!("selected {picked:?}"));
        }
        crate::harness::press_key(&page.table(), "Delete");
        let dialog = confirmation().ok_or("Delete asked nothing the second time")?;
        let question = text(&dialog, "signal-text");
        if !question.contains("2 processes")
            || !question.contains(&pid.to_string())
            || !question.contains(&second.to_string())
        {
            return Err(format!("Delete on two asks {question:?}"));
        }
        find(&dialog, "signal-confirm")
            .and_then(|b| b.downcast::<gtk::Button>().ok())
            .ok_or("no Send button")?
            .emit_clicked();
        for c in [&mut child, &mut other] {
            let mut status = None;
            wait_until("the children to end", Duration::from_secs(10), || {
                status = c.try_wait().ok().flatten();
                status.is_some()
            })?;
            if status.and_then(|s| s.signal()) != Some(15) {
                return Err(format!("a child ended with {status:?}, not SIGTERM"));
            }
        }
        main.view.borrow().show_page("resources");
        Ok(())
    })();
    for c in [&mut child, &mut other] {
        let _ = c.kill();
        let _ = c.wait();
    }
    result
}
