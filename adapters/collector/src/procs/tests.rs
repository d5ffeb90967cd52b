//! The process reader on a fake `/proc` tree in a temp dir.

use std::fs;
use std::path::Path;

use super::*;

/// A `/proc/PID/stat` line with these fields (flags 0x400000, or `PF_KTHREAD` for a kernel thread).
fn stat_line(pid: u32, comm: &str, start: u64, rss: u64, kernel: bool) -> String {
    let flags = if kernel { 0x0020_8040 } else { 0x0040_0000 };
    format!(
        "{pid} ({comm}) S 1 {pid} {pid} 0 -1 {flags} 10 0 0 0 1 1 0 0 20 0 1 0 {start} 9000000 {rss} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
    )
}

fn process(root: &Path, pid: u32, comm: &str, start: u64, rss: u64, uid: u32, cmdline: &str) {
    let dir = root.join(pid.to_string());
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("stat"), stat_line(pid, comm, start, rss, false)).expect("stat");
    let status = format!("Name:\t{comm}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n");
    fs::write(dir.join("status"), status).expect("status");
    fs::write(dir.join("cmdline"), cmdline).expect("cmdline");
}

fn summary(reader: &mut ProcessReader) -> Vec<(u32, String, String, u64)> {
    let page = reader.page_size;
    reader
        .read(&mut UserNames::default())
        .into_iter()
        .map(|p| (p.pid, p.name, p.user, p.rss / page))
        .collect()
}

#[test]
fn reads_user_processes_and_skips_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    process(root, 42, "bash", 100, 300, 4_000_001, "/bin/bash\0");
    process(
        root,
        7,
        "long-daemon-nam",
        50,
        20,
        4_000_002,
        "/usr/sbin/long-daemon-name\0-f\0",
    );
    fs::create_dir_all(root.join("2")).expect("kthread dir");
    fs::write(root.join("2/stat"), stat_line(2, "kthreadd", 1, 0, true)).expect("kthread");
    fs::create_dir_all(root.join("9")).expect("vanished dir"); // no stat: vanished mid-read
    fs::create_dir_all(root.join("10")).expect("malformed dir");
    fs::write(root.join("10/stat"), "10 (x) S 1").expect("malformed");
    fs::create_dir_all(root.join("self")).expect("non-numeric");
    fs::create_dir_all(root.join("+5")).expect("non-numeric");
    fs::write(root.join("11"), "a file, not a process").expect("file");
    let mut reader = ProcessReader::new(root);
    let expected = vec![
        (7, "long-daemon-name".to_owned(), "4000002".to_owned(), 20),
        (42, "bash".to_owned(), "4000001".to_owned(), 300),
    ];
    assert_eq!(summary(&mut reader), expected);
    assert_eq!(
        summary(&mut reader),
        expected,
        "the cached second sample agrees"
    );
}

#[test]
fn rss_changes_every_sample_while_names_are_cached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    process(root, 42, "bash", 100, 300, 4_000_001, "");
    let mut reader = ProcessReader::new(root);
    assert_eq!(summary(&mut reader)[0].3, 300);
    // The owner changes without exec: the cache keeps the old one until the periodic refresh.
    process(root, 42, "bash", 100, 310, 4_000_009, "");
    assert_eq!(
        summary(&mut reader)[0],
        (42, "bash".into(), "4000001".into(), 310)
    );
    for _ in 2..REFRESH_EVERY {
        let _ = summary(&mut reader);
    }
    assert_eq!(summary(&mut reader)[0].2, "4000009", "refreshed");
}

#[test]
fn reused_pid_exec_and_vanished_pids_are_noticed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    process(root, 42, "bash", 100, 300, 4_000_001, "");
    process(root, 43, "sleep", 100, 30, 4_000_001, "");
    let mut reader = ProcessReader::new(root);
    let _ = summary(&mut reader);
    // 42 exited and its pid was reused by another user's process; 43 exec'd; 44 is new.
    process(root, 42, "nginx", 200, 500, 4_000_002, "");
    process(root, 43, "vim", 100, 40, 4_000_003, "");
    process(root, 44, "cat", 300, 5, 4_000_001, "");
    let got = summary(&mut reader);
    assert_eq!(
        got,
        vec![
            (42, "nginx".into(), "4000002".into(), 500),
            (43, "vim".into(), "4000003".into(), 40),
            (44, "cat".into(), "4000001".into(), 5),
        ]
    );
    fs::remove_dir_all(root.join("42")).expect("exit");
    assert_eq!(summary(&mut reader).len(), 2);
    assert_eq!(reader.cache.len(), 2, "vanished pid evicted");
}

#[test]
fn missing_root_gives_nothing() {
    let mut reader = ProcessReader::new("/nonexistent/proc");
    assert!(reader.read(&mut UserNames::default()).is_empty());
}

/// Replaces `<root>/<pid>/stat` with a new file (a new inode), as a new process's `stat` would
/// be: a descriptor held on the old one still reads the old file.
fn replace_stat(root: &Path, pid: u32, comm: &str, start: u64, rss: u64) {
    let dir = root.join(pid.to_string());
    let new = dir.join("stat.new");
    fs::write(&new, stat_line(pid, comm, start, rss, false)).expect("stat");
    fs::rename(new, dir.join("stat")).expect("rename");
}

#[test]
fn stat_files_are_held_up_to_the_cap_and_the_rest_read_by_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for pid in 40..45 {
        process(root, pid, "worker", 100, 10, 4_000_001, "");
    }
    fs::create_dir_all(root.join("2")).expect("kthread dir");
    fs::write(root.join("2/stat"), stat_line(2, "kthreadd", 1, 0, true)).expect("kthread");
    let mut reader = ProcessReader::with_held_cap(root, 3);
    assert_eq!(summary(&mut reader).len(), 5);
    assert_eq!(reader.held(), 3, "three held, kernel thread never");
    // Every process is read afresh each sample, held or not.
    for pid in 40..45 {
        process(root, pid, "worker", 100, u64::from(pid), 4_000_001, "");
    }
    let rss: Vec<u64> = summary(&mut reader).iter().map(|p| p.3).collect();
    assert_eq!(rss, [40, 41, 42, 43, 44]);
    assert_eq!(reader.held(), 3);
    // Processes exit: their descriptors close at the end of the sample that misses them, and
    // from the next sample on, their places go to processes read by path so far.
    for pid in 40..43 {
        fs::remove_dir_all(root.join(pid.to_string())).expect("exit");
    }
    assert_eq!(summary(&mut reader).len(), 2);
    assert!(reader.held() <= 2);
    assert_eq!(summary(&mut reader).len(), 2);
    assert_eq!(reader.held(), 2, "the two left, both held now");
    let mut none = ProcessReader::with_held_cap(root, 0);
    assert_eq!(summary(&mut none).len(), 2);
    assert_eq!(none.held(), 0);
}

#[test]
fn a_held_stat_is_re_read_not_reopened_and_survives_the_name_refresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    process(root, 42, "bash", 100, 300, 4_000_001, "");
    let mut reader = ProcessReader::with_held_cap(root, 8);
    assert_eq!(summary(&mut reader)[0].3, 300);
    // Rewritten in place (as the kernel's figures change): the held descriptor sees it.
    process(root, 42, "bash", 100, 310, 4_000_009, "");
    assert_eq!(summary(&mut reader)[0].3, 310);
    // A new file at the path is not looked at while the held one reads, through the periodic
    // name refresh too (which does read the new owner from `status`).
    replace_stat(root, 42, "bash", 100, 999);
    for _ in 2..REFRESH_EVERY {
        assert_eq!(summary(&mut reader)[0].3, 310);
    }
    assert_eq!(
        summary(&mut reader)[0],
        (42, "bash".into(), "4000009".into(), 310),
        "refreshed owner, same descriptor"
    );
    assert_eq!(reader.held(), 1);
}

#[test]
fn a_reused_pid_never_shows_the_old_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    process(root, 42, "bash", 100, 300, 4_000_001, "");
    process(root, 43, "make", 100, 30, 4_000_001, "");
    let mut reader = ProcessReader::with_held_cap(root, 8);
    assert_eq!(summary(&mut reader).len(), 2);
    // 42 exits and is reaped: its held `stat` reads nothing, as the kernel answers ESRCH.
    // The pid is reused by another user's process with a new `stat` at the same path.
    let old = root.join("42/stat");
    fs::write(&old, "").expect("reaped");
    replace_stat(root, 42, "nginx", 200, 500);
    fs::write(root.join("42/status"), "Uid:\t4000002\t0\t0\t0\n").expect("status");
    // 43 is reused too, by a process with the same name whose stat still reads (a fixture's
    // file, unlike the kernel's): the start time tells them apart.
    process(root, 43, "make", 250, 60, 4_000_003, "");
    assert_eq!(
        summary(&mut reader),
        vec![
            (42, "nginx".into(), "4000002".into(), 500),
            (43, "make".into(), "4000003".into(), 60),
        ]
    );
    assert_eq!(
        reader.held(),
        2,
        "42's new stat is held in place of the old"
    );
}

/// On the live `/proc`: a child's `stat` is held while it runs, a read through the held
/// descriptor fails once the child is reaped, and the next scan drops it.
#[test]
fn live_proc_a_reaped_child_s_held_stat_fails_and_is_dropped() {
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("sleep");
    let pid = child.id();
    let mut reader = ProcessReader::with_held_cap("/proc", MAX_HELD);
    let mut users = UserNames::default();
    let seen = reader.read(&mut users);
    let me = seen
        .iter()
        .find(|p| p.pid == pid)
        .expect("the child is listed");
    assert_eq!(me.name, "sleep");
    assert!(reader.held() > 0);
    let entry = reader.cache.touch(pid).expect("cached");
    let held = entry.stat.take().expect("held");
    let mut buf = Vec::new();
    assert!(read_from_start(&held, &mut buf, true));
    assert!(buf.starts_with(format!("{pid} (sleep)").as_bytes()));
    child.kill().expect("kill");
    child.wait().expect("reap");
    assert!(!read_from_start(&held, &mut buf, true), "ESRCH once reaped");
    // Put it back: the next scan finds the pid gone (or reused) and closes the descriptor.
    reader.cache.touch(pid).expect("cached").stat = Some(held);
    let seen = reader.read(&mut users);
    assert!(seen.iter().all(|p| p.pid != pid || p.name != "sleep"));
    assert!(reader.cache.touch(pid).is_none_or(|e| e.name != "sleep"));
}

fn pids_since(reader: &mut ProcessReader, newest: u32) -> Vec<u32> {
    let got = reader.read_since(&mut UserNames::default(), Some(newest));
    got.into_iter().map(|p| p.pid).collect()
}

#[test]
fn the_root_is_listed_again_only_when_a_pid_was_handed_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    process(root, 42, "bash", 100, 300, 4_000_001, "");
    process(root, 43, "make", 100, 30, 4_000_001, "");
    let mut reader = ProcessReader::with_held_cap(root, 8);
    assert_eq!(pids_since(&mut reader, 43), [42, 43]);
    // A new directory while the newest pid stays: not looked for (a fixture can do this; the
    // kernel cannot create a process without handing out a pid).
    process(root, 44, "cat", 300, 5, 4_000_001, "");
    assert_eq!(pids_since(&mut reader, 43), [42, 43]);
    // A process exits (its held `stat` reads nothing, as the kernel's fails with ESRCH once
    // it is reaped): it is dropped without a listing.
    fs::write(root.join("43/stat"), "").expect("reaped");
    fs::remove_dir_all(root.join("43")).expect("exit");
    assert_eq!(pids_since(&mut reader, 43), [42]);
    assert_eq!(reader.held(), 1);
    // A pid was handed out: the root is listed.
    assert_eq!(pids_since(&mut reader, 44), [42, 44]);
    // Without a newest pid (or with a different one) every sample lists.
    process(root, 45, "vim", 400, 5, 4_000_001, "");
    assert_eq!(summary(&mut reader).len(), 3);
    // Listed at least every LIST_EVERY samples, whatever the newest pid says.
    assert_eq!(pids_since(&mut reader, 45), [42, 44, 45]);
    process(root, 46, "less", 500, 5, 4_000_001, "");
    for _ in 1..LIST_EVERY {
        assert_eq!(pids_since(&mut reader, 45), [42, 44, 45]);
    }
    assert_eq!(pids_since(&mut reader, 45), [42, 44, 45, 46]);
}

/// On the live `/proc`: a child started after a listing is seen by the next scan, because
/// starting it handed out a pid (`/proc/loadavg` read before each scan, as the collector does).
#[test]
fn live_proc_a_new_child_is_seen_by_the_next_scan() {
    let newest = || {
        let text = fs::read_to_string("/proc/loadavg").expect("loadavg");
        crate::procfs::system::parse_loadavg_last_pid(&text)
    };
    let mut reader = ProcessReader::with_held_cap("/proc", MAX_HELD);
    let mut users = UserNames::default();
    let before = newest();
    assert!(before.is_some());
    reader.read_since(&mut users, before);
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("sleep");
    let pid = child.id();
    let after = newest();
    assert_ne!(after, before, "a pid was handed out");
    let seen = reader.read_since(&mut users, after);
    child.kill().expect("kill");
    child.wait().expect("reap");
    assert!(seen.iter().any(|p| p.pid == pid && p.name == "sleep"));
}
