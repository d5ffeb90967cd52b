//! Admission by memory, not only by file descriptors: how many connections the server may hold
//! before new ones get 503, from the memory it may use.
//!
//! The limit comes from the server's memory cgroup when one is set (cgroup v2 `memory.max`, v1
//! `memory.limit_in_bytes`, the smallest along the path up to the root), less what the cgroup
//! already uses when the server starts (its working set: usage less the inactive file cache the
//! kernel can reclaim, as container tools count it) and a reserve for everything that is not a
//! connection
//! (samples, history writes, password checks: [`RESERVE_FRACTION`], at least [`MIN_RESERVE`]).
//! Without a cgroup limit it is `--memory-budget` (default [`DEFAULT_BUDGET`]); with both, the
//! smaller. Each connection is charged what one held connection was measured to cost the server
//! in a memory cgroup, kernel socket buffers included (BENCHMARKS.md, "Memory budget"):
//! [`PLAIN_CONN_COST`] on plain HTTP, [`TLS_CONN_COST`] on TLS.

use std::fs;
use std::path::{Path, PathBuf};

/// Connection memory when no cgroup sets a limit and `--memory-budget` is not given: room for
/// 26,214 plain or 18,724 TLS connections, above the 10,000 subscribers of `scripts/bench.sh`.
pub const DEFAULT_BUDGET: u64 = 1024 * MIB;
/// What one held plain-HTTP connection is charged: the worst case measured alone (a stalled
/// body, 21 KiB in a v1 memory cgroup; a reader that stopped reading, 10 KiB) came to about
/// 37 KiB each under the mixed flood of `tests/memory_cgroup.rs` (the allocator's slack, refusal
/// tasks, the hub's queue), so 40 KiB.
pub const PLAIN_CONN_COST: u64 = 40 * KIB;
/// What one held TLS connection is charged: a plain one and twice rustls' measured 8 KiB of
/// state per connection (BENCHMARKS.md, "TLS: memory of an idle TLS connection").
pub const TLS_CONN_COST: u64 = 56 * KIB;
/// The part of a cgroup limit kept for everything but connections.
pub const RESERVE_FRACTION: u64 = 4;
/// The smallest reserve kept for everything but connections.
pub const MIN_RESERVE: u64 = 8 * MIB;
/// The fewest connections allowed, however small the budget (the owner must still get in).
const MIN_CONNECTIONS: usize = 32;
/// A v1 "limit" at or above this is no limit (the kernel writes 2^63 rounded to a page).
const UNLIMITED: u64 = 1 << 62;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Where the budget came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BudgetSource {
    /// A cgroup's memory limit.
    Cgroup {
        /// The limit file that set it.
        file: PathBuf,
        /// The limit, bytes.
        limit: u64,
        /// What the cgroup used when the server started, bytes.
        in_use: u64,
    },
    /// `--memory-budget`, or its default.
    Flag,
}

/// The memory the server's connections may use, and what each one costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryBudget {
    /// Bytes for connections.
    pub bytes: u64,
    /// Bytes charged per connection.
    pub per_connection: u64,
    /// Where `bytes` came from.
    pub source: BudgetSource,
}

/// A cgroup memory limit found for this process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupLimit {
    /// The file holding the limit.
    pub file: PathBuf,
    /// The limit, bytes.
    pub limit: u64,
    /// Bytes the cgroup uses now, less its inactive file cache.
    pub in_use: u64,
}

impl MemoryBudget {
    /// The budget for a server speaking TLS or not, from its cgroup's limit (if any) and
    /// `--memory-budget` (if given).
    pub fn from_parts(cgroup: Option<CgroupLimit>, flag: Option<u64>, tls: bool) -> Self {
        let per_connection = if tls { TLS_CONN_COST } else { PLAIN_CONN_COST };
        let from_flag = flag.unwrap_or(DEFAULT_BUDGET);
        match cgroup {
            Some(c) => {
                let reserve = (c.limit / RESERVE_FRACTION).max(MIN_RESERVE);
                let free = c.limit.saturating_sub(c.in_use).saturating_sub(reserve);
                Self {
                    bytes: flag.map_or(free, |f| f.min(free)),
                    per_connection,
                    source: BudgetSource::Cgroup {
                        file: c.file,
                        limit: c.limit,
                        in_use: c.in_use,
                    },
                }
            }
            None => Self {
                bytes: from_flag,
                per_connection,
                source: BudgetSource::Flag,
            },
        }
    }

    /// The budget of this process: its cgroup (read from `/proc/self/cgroup` and `/sys/fs/cgroup`)
    /// and `flag`.
    pub fn detect(flag: Option<u64>, tls: bool) -> Self {
        let membership = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        Self::from_parts(cgroup_limit(Path::new("/"), &membership), flag, tls)
    }

    /// Connections that fit the budget (never fewer than a few, so the owner can get in).
    pub fn connections(&self) -> usize {
        usize::try_from(self.bytes / self.per_connection.max(1))
            .unwrap_or(usize::MAX)
            .max(MIN_CONNECTIONS)
    }
}

/// The tightest memory limit of the cgroup described by `membership` (the text of
/// `/proc/self/cgroup`) and its ancestors, with the filesystem rooted at `root`; `None` when no
/// limit is set or none can be read.
pub fn cgroup_limit(root: &Path, membership: &str) -> Option<CgroupLimit> {
    let cgroups = root.join("sys/fs/cgroup");
    let mut found: Vec<CgroupLimit> = Vec::new();
    for line in membership.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            // cgroup v2: at /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid system.
            for mount in [cgroups.clone(), cgroups.join("unified")] {
                found.extend(tightest(&mount, path, &V2));
            }
        } else if controllers.split(',').any(|c| c == "memory") {
            found.extend(tightest(&cgroups.join("memory"), path, &V1));
        }
    }
    found.into_iter().min_by_key(|c| c.limit)
}

/// The files of one cgroup version: limit, usage, and the `memory.stat` key of the inactive
/// file cache.
struct Files {
    limit: &'static str,
    usage: &'static str,
    inactive_file: &'static str,
}

const V2: Files = Files {
    limit: "memory.max",
    usage: "memory.current",
    inactive_file: "inactive_file",
};

const V1: Files = Files {
    limit: "memory.limit_in_bytes",
    usage: "memory.usage_in_bytes",
    inactive_file: "total_inactive_file",
};

/// What the cgroup in `dir` uses, less the inactive file cache the kernel can reclaim.
fn working_set(dir: &Path, files: &Files) -> u64 {
    let usage = read_number(&dir.join(files.usage)).unwrap_or(0);
    let stat = fs::read_to_string(dir.join("memory.stat")).unwrap_or_default();
    let inactive = stat
        .lines()
        .find_map(|l| l.strip_prefix(files.inactive_file)?.strip_prefix(' '))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(0);
    usage.saturating_sub(inactive)
}

/// The smallest limit from the cgroup at `mount/path` up to `mount`.
fn tightest(mount: &Path, path: &str, files: &Files) -> Option<CgroupLimit> {
    let mut dir = mount.join(path);
    if !dir.is_dir() {
        // In a cgroup namespace the mount is the process's own cgroup.
        dir = mount.to_owned();
    }
    let mut best: Option<CgroupLimit> = None;
    loop {
        let limit = read_number(&dir.join(files.limit)).filter(|&l| l < UNLIMITED);
        if let Some(limit) = limit
            && best.as_ref().is_none_or(|b| limit < b.limit)
        {
            best = Some(CgroupLimit {
                file: dir.join(files.limit),
                limit,
                in_use: working_set(&dir, files),
            });
        }
        if dir == mount || !dir.pop() || !dir.starts_with(mount) {
            return best;
        }
    }
}

/// A number in a cgroup file; `max` (v2's no limit) and anything unreadable are `None`.
fn read_number(file: &Path) -> Option<u64> {
    fs::read_to_string(file).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let file = root.join(rel);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, text).unwrap();
    }

    #[test]
    fn v2_takes_the_tightest_limit_up_the_path() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(r, "sys/fs/cgroup/system.slice/memory.max", "268435456\n");
        write(
            r,
            "sys/fs/cgroup/system.slice/ps.service/memory.max",
            "67108864\n",
        );
        write(
            r,
            "sys/fs/cgroup/system.slice/ps.service/memory.current",
            "16777216\n",
        );
        // Reclaimable cache does not count as in use.
        write(
            r,
            "sys/fs/cgroup/system.slice/ps.service/memory.stat",
            "anon 8388608\nfile 8388608\nactive_file 2097152\ninactive_file 6291456\n",
        );
        let found = cgroup_limit(r, "0::/system.slice/ps.service\n").unwrap();
        assert_eq!(found.limit, 64 * MIB);
        assert_eq!(found.in_use, 10 * MIB);
        write(
            r,
            "sys/fs/cgroup/system.slice/ps.service/memory.max",
            "max\n",
        );
        let found = cgroup_limit(r, "0::/system.slice/ps.service\n").unwrap();
        assert_eq!(found.limit, 256 * MIB);
        write(r, "sys/fs/cgroup/system.slice/memory.max", "max\n");
        assert_eq!(cgroup_limit(r, "0::/system.slice/ps.service\n"), None);
    }

    #[test]
    fn v1_reads_the_memory_controller_and_ignores_the_huge_no_limit() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let membership = "4:memory:/process_api/abc\n3:cpu,cpuacct:/\n0::/\n";
        write(
            r,
            "sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes",
            "9223372036854771712\n",
        );
        assert_eq!(cgroup_limit(r, membership), None);
        write(
            r,
            "sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes",
            "67108864\n",
        );
        write(
            r,
            "sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes",
            "8388608\n",
        );
        write(
            r,
            "sys/fs/cgroup/memory/process_api/abc/memory.stat",
            "cache 4194304\ninactive_file 1048576\ntotal_inactive_file 2097152\n",
        );
        let found = cgroup_limit(r, membership).unwrap();
        assert_eq!((found.limit, found.in_use), (64 * MIB, 6 * MIB));
        // In a namespace the path is not under the mount: the mount itself is the cgroup.
        write(
            r,
            "sys/fs/cgroup/memory/memory.limit_in_bytes",
            "33554432\n",
        );
        let found = cgroup_limit(r, "4:memory:/elsewhere\n").unwrap();
        assert_eq!(found.limit, 32 * MIB);
    }

    #[test]
    fn the_budget_is_the_limit_less_use_and_reserve_or_the_flag() {
        let cgroup = CgroupLimit {
            file: PathBuf::from("/x/memory.max"),
            limit: 64 * MIB,
            in_use: 16 * MIB,
        };
        let budget = MemoryBudget::from_parts(Some(cgroup.clone()), None, false);
        assert_eq!(budget.bytes, 32 * MIB);
        assert_eq!(budget.connections(), (32 * MIB / PLAIN_CONN_COST) as usize);
        let tls = MemoryBudget::from_parts(Some(cgroup.clone()), None, true);
        assert!(tls.connections() < budget.connections());
        let lower = MemoryBudget::from_parts(Some(cgroup), Some(4 * MIB), false);
        assert_eq!(lower.bytes, 4 * MIB);
        let flag = MemoryBudget::from_parts(None, None, false);
        assert_eq!(
            (flag.bytes, flag.source),
            (DEFAULT_BUDGET, BudgetSource::Flag)
        );
        let tiny = MemoryBudget::from_parts(None, Some(1), false);
        assert_eq!(tiny.connections(), MIN_CONNECTIONS);
    }
}
