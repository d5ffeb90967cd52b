//! The Processes page's rows, without GTK: every process of this computer (read from `/proc`),
//! or a remote host's rows from the detailed stream; search by name, sort by any column, and
//! signals to local processes.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use psmonitor_collector::identity::UserNames;
use psmonitor_collector::procs::ProcessReader;
use psmonitor_core::wire::ProcessDetail;
use serde::{Deserialize, Serialize};

mod signal;
pub use signal::{Signal, SignalError, send};

/// One process row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProcRow {
    /// Process id.
    pub pid: u32,
    /// Name.
    pub name: String,
    /// Owner.
    pub user: String,
    /// Percent of one core over the last interval; `None` before a second reading.
    pub cpu: Option<f64>,
    /// Resident memory in MiB.
    pub mem_mib: f64,
    /// Threads.
    pub threads: u32,
    /// The full command line (arguments joined by spaces); the name when it has none (a kernel
    /// thread) or it is not known (a remote host).
    pub command: String,
    /// The parent's pid (0 when not known: a remote host).
    pub ppid: u32,
    /// How deep it is shown in the process tree (0 in the flat list).
    pub depth: u32,
}

impl From<&ProcessDetail> for ProcRow {
    fn from(p: &ProcessDetail) -> Self {
        Self {
            pid: p.pid,
            name: p.name.clone(),
            user: p.username.clone(),
            cpu: p.cpu,
            mem_mib: p.mem,
            threads: p.threads,
            command: p.name.clone(),
            ppid: 0,
            depth: 0,
        }
    }
}

/// The column the rows are sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    /// CPU percent.
    #[default]
    Cpu,
    /// Resident memory.
    Memory,
    /// Process id.
    Pid,
    /// Owner.
    User,
    /// Name, case-insensitive.
    Name,
}

impl SortKey {
    /// Every key, in the order the page offers them.
    pub const ALL: [SortKey; 5] = [
        SortKey::Cpu,
        SortKey::Memory,
        SortKey::Pid,
        SortKey::User,
        SortKey::Name,
    ];

    /// The label shown.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cpu => "CPU",
            Self::Memory => "Memory",
            Self::Pid => "PID",
            Self::User => "User",
            Self::Name => "Name",
        }
    }
}

/// How the rows are ordered (remembered in the settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sort {
    /// The column.
    pub key: SortKey,
    /// Largest (or last) first.
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            key: SortKey::Cpu,
            descending: true,
        }
    }
}

fn order(a: &ProcRow, b: &ProcRow, sort: Sort) -> std::cmp::Ordering {
    let by = match sort.key {
        SortKey::Cpu => a.cpu.unwrap_or(-1.0).total_cmp(&b.cpu.unwrap_or(-1.0)),
        SortKey::Memory => a.mem_mib.total_cmp(&b.mem_mib),
        SortKey::Pid => a.pid.cmp(&b.pid),
        SortKey::User => a.user.cmp(&b.user),
        SortKey::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
    };
    let by = if sort.descending { by.reverse() } else { by };
    by.then(a.pid.cmp(&b.pid))
}

/// The process tree: each process under its parent (depth set), siblings in `sort` order.
/// While searching, the matching rows are listed flat.
pub fn arrange_tree(rows: &[ProcRow], search: &str, sort: Sort) -> Vec<ProcRow> {
    if !search.trim().is_empty() {
        return arrange(rows, search, sort);
    }
    let present: HashSet<u32> = rows.iter().map(|r| r.pid).collect();
    let mut children: HashMap<u32, Vec<&ProcRow>> = HashMap::new();
    let mut roots = Vec::new();
    for r in rows {
        if r.ppid != r.pid && present.contains(&r.ppid) {
            children.entry(r.ppid).or_default().push(r);
        } else {
            roots.push(r);
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| order(a, b, sort));
    }
    roots.sort_by(|a, b| order(a, b, sort));
    let mut out = Vec::with_capacity(rows.len());
    // Depth first, without recursion: a stack of (row, depth), children pushed in reverse.
    let mut stack: Vec<(&ProcRow, u32)> = roots.into_iter().rev().map(|r| (r, 0)).collect();
    let mut seen = HashSet::new();
    while let Some((row, depth)) = stack.pop() {
        if !seen.insert(row.pid) {
            continue;
        }
        out.push(ProcRow {
            depth,
            ..row.clone()
        });
        if let Some(list) = children.get(&row.pid) {
            stack.extend(list.iter().rev().map(|c| (*c, depth + 1)));
        }
    }
    out
}

/// The rows whose name contains `search` (case-insensitive), in `sort` order; ties by pid.
pub fn arrange(rows: &[ProcRow], search: &str, sort: Sort) -> Vec<ProcRow> {
    let needle = search.trim().to_lowercase();
    let mut out: Vec<ProcRow> = rows
        .iter()
        .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle))
        .map(|r| ProcRow {
            depth: 0,
            ..r.clone()
        })
        .collect();
    out.sort_by(|a, b| order(a, b, sort));
    out
}

/// Every process of this computer, with CPU percent from two readings.
#[derive(Debug)]
pub struct LocalProcesses {
    root: PathBuf,
    reader: ProcessReader,
    users: UserNames,
    commands: HashMap<u32, String>,
    parents: HashMap<u32, u32>,
    last: HashMap<u32, u64>,
    last_at: Option<Instant>,
}

impl LocalProcesses {
    /// Reads the procfs at `root` (normally `/proc`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            reader: ProcessReader::new(root.clone()),
            root,
            users: UserNames::default(),
            commands: HashMap::new(),
            parents: HashMap::new(),
            last: HashMap::new(),
            last_at: None,
        }
    }

    /// The processes now.
    pub fn read(&mut self, now: Instant) -> Vec<ProcRow> {
        let readings = self.reader.read(&mut self.users);
        // A process's command line is read once, when it first has one (not during its exec,
        // and never for a kernel thread, which has none: those are read each time).
        let mut commands = HashMap::with_capacity(readings.len());
        for p in &readings {
            let command = self
                .commands
                .remove(&p.pid)
                .unwrap_or_else(|| command_line(&self.root, p.pid));
            if !command.is_empty() {
                commands.insert(p.pid, command);
            }
        }
        self.commands = commands;
        // A parent is read once per process (an orphan's new parent is not followed: its old
        // parent is gone, so the tree shows it at the top).
        let parents: HashMap<u32, u32> = readings
            .iter()
            .map(|p| {
                let ppid = self
                    .parents
                    .get(&p.pid)
                    .copied()
                    .unwrap_or_else(|| parent_of(&self.root, p.pid));
                (p.pid, ppid)
            })
            .collect();
        self.parents = parents;
        let secs = self
            .last_at
            .map(|t| now.duration_since(t).as_secs_f64())
            .filter(|s| *s > 0.0);
        let rows = readings
            .iter()
            .map(|p| ProcRow {
                pid: p.pid,
                name: p.name.clone(),
                user: p.user.clone(),
                cpu: secs.and_then(|s| {
                    let before = *self.last.get(&p.pid)?;
                    let ms = p.cpu_ms.saturating_sub(before) as f64;
                    Some((ms / 1000.0 / s * 1000.0).round() / 10.0)
                }),
                // As shown (0.1 MiB): a row whose figures did not change is not redrawn.
                mem_mib: (p.rss as f64 / (1024.0 * 1024.0) * 10.0).round() / 10.0,
                threads: p.threads,
                command: self
                    .commands
                    .get(&p.pid)
                    .filter(|c| !c.is_empty())
                    .cloned()
                    .unwrap_or_else(|| p.name.clone()),
                ppid: self.parents.get(&p.pid).copied().unwrap_or(0),
                depth: 0,
            })
            .collect();
        self.last = readings.iter().map(|p| (p.pid, p.cpu_ms)).collect();
        self.last_at = Some(now);
        rows
    }
}

/// The parent pid in `/proc/PID/stat` (field 4); 0 when it cannot be read.
fn parent_of(root: &std::path::Path, pid: u32) -> u32 {
    std::fs::read_to_string(root.join(pid.to_string()).join("stat"))
        .ok()
        .and_then(|stat| {
            let (_, rest) = stat.rsplit_once(')')?;
            rest.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// `/proc/PID/cmdline` with its NUL separators as spaces; empty for a kernel thread or a
/// process that has ended.
pub fn command_line(root: &std::path::Path, pid: u32) -> String {
    std::fs::read(root.join(pid.to_string()).join("cmdline"))
        .map(|bytes| {
            String::from_utf8_lossy(&bytes)
                .split('\0')
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pid: u32, name: &str, user: &str, cpu: Option<f64>, mem: f64) -> ProcRow {
        ProcRow {
            pid,
            name: name.into(),
            user: user.into(),
            cpu,
            mem_mib: mem,
            threads: 1,
            command: name.into(),
            ppid: 0,
            depth: 0,
        }
    }

    #[test]
    fn the_tree_puts_children_under_their_parents() {
        let mut rows = vec![
            row(1, "init", "root", Some(0.0), 10.0),
            row(50, "shell", "alice", Some(1.0), 5.0),
            row(60, "editor", "alice", Some(9.0), 50.0),
            row(70, "make", "alice", Some(3.0), 5.0),
            row(2, "kthreadd", "root", None, 0.0),
        ];
        for (pid, ppid) in [(50, 1), (60, 50), (70, 50), (2, 0)] {
            if let Some(r) = rows.iter_mut().find(|r| r.pid == pid) {
                r.ppid = ppid;
            }
        }
        let sort = Sort {
            key: SortKey::Cpu,
            descending: true,
        };
        let tree: Vec<(u32, u32)> = arrange_tree(&rows, "", sort)
            .iter()
            .map(|r| (r.pid, r.depth))
            .collect();
        assert_eq!(tree, [(1, 0), (50, 1), (60, 2), (70, 2), (2, 0)]);
        // Searching lists the matches flat.
        let found: Vec<(u32, u32)> = arrange_tree(&rows, "ma", sort)
            .iter()
            .map(|r| (r.pid, r.depth))
            .collect();
        assert_eq!(found, [(70, 0)]);
    }

    #[test]
    fn search_and_sort_by_each_key() {
        let rows = vec![
            row(30, "firefox", "alice", Some(12.0), 900.0),
            row(10, "Xorg", "root", Some(3.0), 120.0),
            row(20, "fish", "bob", None, 8.0),
        ];
        let pids =
            |s: Sort, q: &str| -> Vec<u32> { arrange(&rows, q, s).iter().map(|r| r.pid).collect() };
        let by = |key, descending| Sort { key, descending };
        assert_eq!(pids(by(SortKey::Cpu, true), ""), [30, 10, 20]);
        assert_eq!(pids(by(SortKey::Memory, false), ""), [20, 10, 30]);
        assert_eq!(pids(by(SortKey::Pid, false), ""), [10, 20, 30]);
        assert_eq!(pids(by(SortKey::User, false), ""), [30, 20, 10]);
        assert_eq!(pids(by(SortKey::Name, false), ""), [30, 20, 10]);
        assert_eq!(pids(by(SortKey::Name, false), "FI"), [30, 20]);
        assert_eq!(pids(Sort::default(), "no such"), Vec::<u32>::new());
    }

    #[test]
    fn this_process_is_in_the_local_list_with_cpu_on_the_second_read() {
        let mut local = LocalProcesses::new("/proc");
        let me = std::process::id();
        let first = local.read(Instant::now());
        let mine = first
            .iter()
            .find(|r| r.pid == me)
            .expect("this test in /proc");
        assert!(mine.cpu.is_none() && mine.mem_mib > 0.0);
        let second = local.read(Instant::now() + std::time::Duration::from_secs(1));
        let mine = second.iter().find(|r| r.pid == me).unwrap();
        assert!(mine.cpu.is_some());
        // The whole command line, arguments included, not the 15-character name.
        let args: Vec<String> = std::env::args().collect();
        assert_eq!(mine.command, args.join(" "));
    }
}
