//! One process's details for the Details dialog, read from procfs: command line, working
//! folder, start time, threads, open files, cgroup and priority; and changing its priority.

use std::path::Path;
use std::time::Duration;

/// `/proc` counts clock ticks in USER_HZ, which is 100 on every Linux architecture.
const USER_HZ: f64 = 100.0;

/// What the Details dialog shows. Fields the kernel does not let this user read say why.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessInfo {
    /// Process id.
    pub pid: u32,
    /// The full command line.
    pub command: String,
    /// The working folder, or why it cannot be read.
    pub cwd: Result<String, String>,
    /// How long ago it started.
    pub started_ago: Duration,
    /// Threads.
    pub threads: u32,
    /// Open file descriptors, or why they cannot be counted.
    pub open_files: Result<usize, String>,
    /// Its cgroup (v2 path), e.g. `/user.slice/user-1000.slice/session-2.scope`.
    pub cgroup: String,
    /// Its nice value, -20 (most favoured) to 19.
    pub nice: i32,
}

/// Why a process's details cannot be read or changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InfoError {
    /// It has ended (or never existed).
    #[error("Process {0} has ended.")]
    Gone(u32),
    /// `/proc/PID/stat` is not what the kernel writes.
    #[error("Cannot read process {0}'s status.")]
    Unreadable(u32),
    /// Raising priority (a lower nice) needs privileges; or it is another user's process.
    #[error(
        "Not permitted: only an administrator can raise a process's priority (lower its nice \
         value), and only your own processes can be changed."
    )]
    NotPermitted,
    /// Anything else the kernel said.
    #[error("Could not change the priority: {0}")]
    Other(String),
}

fn why_not(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "not allowed (another user's process)".into(),
        _ => e.to_string(),
    }
}

/// Reads process `pid` in the procfs at `root` (normally `/proc`).
pub fn read(root: &Path, pid: u32) -> Result<ProcessInfo, InfoError> {
    let dir = root.join(pid.to_string());
    let stat = std::fs::read_to_string(dir.join("stat")).map_err(|_| InfoError::Gone(pid))?;
    // Fields after the command name, which is in parentheses and may hold anything.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect::<Vec<_>>())
        .ok_or(InfoError::Unreadable(pid))?;
    // Field N of proc(5) is after[N - 3].
    let field = |n: usize| after.get(n - 3).ok_or(InfoError::Unreadable(pid));
    let nice: i32 = field(19)?.parse().map_err(|_| InfoError::Unreadable(pid))?;
    let threads: u32 = field(20)?.parse().map_err(|_| InfoError::Unreadable(pid))?;
    let start_ticks: f64 = field(22)?.parse().map_err(|_| InfoError::Unreadable(pid))?;
    let uptime: f64 = std::fs::read_to_string(root.join("uptime"))
        .ok()
        .and_then(|u| u.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let started_ago = Duration::from_secs_f64((uptime - start_ticks / USER_HZ).max(0.0));
    let command = crate::process_list::command_line(root, pid);
    let command = if command.is_empty() {
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        format!("[{}]", comm.trim())
    } else {
        command
    };
    let cwd = std::fs::read_link(dir.join("cwd"))
        .map(|p| p.display().to_string())
        .map_err(|e| why_not(&e));
    let open_files = std::fs::read_dir(dir.join("fd"))
        .map(|d| d.count())
        .map_err(|e| why_not(&e));
    let cgroup = std::fs::read_to_string(dir.join("cgroup"))
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("0::").map(str::to_owned))
                .or_else(|| c.lines().next().map(str::to_owned))
        })
        .unwrap_or_default();
    Ok(ProcessInfo {
        pid,
        command,
        cwd,
        started_ago,
        threads,
        open_files,
        cgroup,
        nice,
    })
}

/// Sets the nice value of process `pid` (renice).
pub fn renice(pid: u32, nice: i32) -> Result<(), InfoError> {
    let raw = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .ok_or(InfoError::Gone(pid))?;
    rustix::process::setpriority_process(Some(raw), nice).map_err(|e| match e {
        rustix::io::Errno::PERM | rustix::io::Errno::ACCESS => InfoError::NotPermitted,
        rustix::io::Errno::SRCH => InfoError::Gone(pid),
        other => InfoError::Other(other.to_string()),
    })
}

/// "3 h 4 min ago", "12 s ago".
pub fn ago(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s ago"),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h {} min ago", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h ago", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_child_process_and_renices_it() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        let pid = child.id();
        // Just after the fork the new program's command line may not be there yet.
        let mut info = read(Path::new("/proc"), pid).expect("the child");
        for _ in 0..200 {
            if info.command == "sleep 30" {
                break;
            }
            std::thread::yield_now();
            info = read(Path::new("/proc"), pid).expect("the child");
        }
        assert_eq!(info.command, "sleep 30");
        assert_eq!(info.threads, 1);
        // A child starts at its parent's nice (not 0 when the tests run under `nice`).
        let own = read(Path::new("/proc"), std::process::id()).expect("this process");
        assert_eq!(info.nice, own.nice);
        assert!(info.started_ago < Duration::from_secs(30), "{info:?}");
        assert_eq!(
            info.cwd.as_deref().ok(),
            std::env::current_dir()
                .ok()
                .as_deref()
                .and_then(|p| p.to_str())
        );
        assert!(matches!(info.open_files, Ok(n) if n >= 3), "{info:?}");
        let higher = (own.nice + 5).min(19);
        renice(pid, higher).expect("a higher nice is always allowed");
        assert_eq!(read(Path::new("/proc"), pid).unwrap().nice, higher);
        let _ = child.kill();
        let _ = child.wait();
        let _ = child.try_wait();
        // Reaped: it is gone.
        assert_eq!(read(Path::new("/proc"), pid), Err(InfoError::Gone(pid)));
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(ago(Duration::from_secs(12)), "12 s ago");
        assert_eq!(ago(Duration::from_secs(3 * 3600 + 4 * 60)), "3 h 4 min ago");
        assert_eq!(ago(Duration::from_secs(2 * 86_400 + 3600)), "2 d 1 h ago");
    }
}
