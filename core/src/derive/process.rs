//! The top-processes list: processes grouped by exact name, heaviest groups first.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use crate::model::ProcessReading;
use crate::wire::ProcessStats;

use super::round::{MIB, round_to};

/// How many process groups the snapshot lists.
pub const TOP_PROCESSES: usize = 10;

/// The processes sharing one name, summed in one pass without allocating per group.
#[derive(Clone, Debug)]
pub(crate) struct ProcessGroup<'a> {
    /// The shared name.
    pub(crate) name: &'a str,
    /// The lowest pid of the group.
    pub(crate) pid: u32,
    /// Summed resident memory, bytes.
    pub(crate) rss: u64,
    /// Summed CPU percent of the members with a known figure; `None` when none has one.
    pub(crate) cpu: Option<f64>,
    /// Summed CPU time, milliseconds.
    pub(crate) cpu_ms: u64,
    /// Summed threads.
    pub(crate) threads: u64,
}

/// Heaviest first; equal memory by name, then by pid, so the order never depends on input order.
fn heaviest_first(a: &ProcessGroup<'_>, b: &ProcessGroup<'_>) -> Ordering {
    b.rss
        .cmp(&a.rss)
        .then_with(|| a.name.cmp(b.name))
        .then_with(|| a.pid.cmp(&b.pid))
}

/// The `limit` heaviest groups of processes sharing a name, heaviest first, with their totals.
/// One pass over the processes, then a partial sort.
pub(crate) fn top_process_groups<'a>(
    processes: &'a [ProcessReading],
    cpu: &[Option<f64>],
    limit: usize,
) -> Vec<ProcessGroup<'a>> {
    if limit == 0 {
        return Vec::new();
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(processes.len());
    let mut groups: Vec<ProcessGroup<'a>> = Vec::with_capacity(processes.len());
    for (i, p) in processes.iter().enumerate() {
        let at = *index.entry(p.name.as_str()).or_insert_with(|| {
            groups.push(ProcessGroup {
                name: &p.name,
                pid: p.pid,
                rss: 0,
                cpu: None,
                cpu_ms: 0,
                threads: 0,
            });
            groups.len() - 1
        });
        let g = &mut groups[at];
        g.pid = g.pid.min(p.pid);
        g.rss = g.rss.saturating_add(p.rss);
        g.cpu_ms = g.cpu_ms.saturating_add(p.cpu_ms);
        g.threads = g.threads.saturating_add(u64::from(p.threads));
        if let Some(Some(percent)) = cpu.get(i) {
            g.cpu = Some(g.cpu.unwrap_or(0.0) + percent);
        }
    }
    if groups.len() > limit {
        groups.select_nth_unstable_by(limit - 1, heaviest_first);
        groups.truncate(limit);
    }
    groups.sort_unstable_by(heaviest_first);
    groups
}

/// The `limit` heaviest groups of processes sharing a name.
///
/// Each row has the group's lowest pid, its summed resident memory in MiB (2 decimals) and its
/// distinct owners sorted and joined by `", "` (empty owner names are skipped). Groups are ordered
/// by exact summed bytes descending, then name ascending. One pass over the processes, then a
/// partial sort, so 5,000 processes cost about as much as grouping them.
pub fn top_processes(processes: &[ProcessReading], limit: usize) -> Vec<ProcessStats> {
    top_processes_with_cpu(processes, &[], limit)
}

/// [`top_processes`] with each group's CPU: the sum of its members' `cpu` percents (as
/// [`super::process_cpu::cpu_percents`] gives them, index for index with `processes`), 1 decimal;
/// `null` when no member has one (an empty `cpu` means none is known).
pub fn top_processes_with_cpu(
    processes: &[ProcessReading],
    cpu: &[Option<f64>],
    limit: usize,
) -> Vec<ProcessStats> {
    let top = top_process_groups(processes, cpu, limit);
    // Owners only for the groups listed: a second pass that touches at most `limit` names.
    let mut owners: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); top.len()];
    for p in processes {
        if p.user.is_empty() {
            continue;
        }
        if let Some(at) = top.iter().position(|g| g.name == p.name) {
            owners[at].insert(&p.user);
        }
    }
    top.into_iter()
        .zip(owners)
        .map(|(g, owners)| ProcessStats {
            pid: g.pid,
            name: g.name.to_owned(),
            username: owners.into_iter().collect::<Vec<_>>().join(", "),
            mem: round_to(g.rss as f64 / MIB, 2),
            cpu: g.cpu.map(|c| round_to(c, 1)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn p(pid: u32, name: &str, user: &str, rss: u64) -> ProcessReading {
        ProcessReading {
            pid,
            name: name.into(),
            user: user.into(),
            rss,
            ..ProcessReading::default()
        }
    }

    #[test]
    fn groups_by_exact_name_summing_rss_with_lowest_pid() {
        let procs = [
            p(300, "python", "root", 10 * MIB),
            p(12, "python", "root", 5 * MIB),
            p(40, "Python", "root", 100 * MIB),
            p(7, "python3", "root", MIB),
        ];
        let top = top_processes(&procs, 10);
        let rows: Vec<(u32, &str, f64)> = top
            .iter()
            .map(|r| (r.pid, r.name.as_str(), r.mem))
            .collect();
        assert_eq!(
            rows,
            vec![
                (40, "Python", 100.0),
                (12, "python", 15.0),
                (7, "python3", 1.0)
            ]
        );
    }

    #[test]
    fn owners_are_distinct_sorted_and_joined() {
        let procs = [
            p(1, "bash", "zoe", MIB),
            p(2, "bash", "alice", MIB),
            p(3, "bash", "zoe", MIB),
            p(4, "bash", "1001", MIB),
            p(5, "bash", "", MIB),
        ];
        assert_eq!(top_processes(&procs, 10)[0].username, "1001, alice, zoe");
    }

    #[test]
    fn mem_is_mib_rounded_to_two_decimals() {
        let procs = [p(1, "a", "u", 1_234_567_890)];
        // 1_234_567_890 / 1_048_576 = 1177.3756...
        assert_eq!(top_processes(&procs, 10)[0].mem, 1177.38);
    }

    #[test]
    fn keeps_only_the_heaviest_ten() {
        let procs: Vec<_> = (0..25u32)
            .map(|i| p(i, &format!("p{i:02}"), "u", u64::from(i) * MIB))
            .collect();
        let top = top_processes(&procs, TOP_PROCESSES);
        let names: Vec<&str> = top.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "p24", "p23", "p22", "p21", "p20", "p19", "p18", "p17", "p16", "p15"
            ]
        );
    }

    #[test]
    fn ties_are_broken_by_name_whatever_the_input_order() {
        let mut procs: Vec<_> = ["delta", "alpha", "charlie", "bravo"]
            .iter()
            .enumerate()
            .map(|(i, n)| p(i as u32, n, "u", MIB))
            .collect();
        procs.push(p(9, "heavy", "u", 2 * MIB));
        let first = top_processes(&procs, 3);
        procs.reverse();
        let second = top_processes(&procs, 3);
        let names: Vec<&str> = first.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["heavy", "alpha", "bravo"]);
        assert_eq!(first, second);
    }

    #[test]
    fn group_cpu_sums_known_members_and_is_null_when_none_is_known() {
        let procs = [
            p(1, "a", "u", 3 * MIB),
            p(2, "a", "u", 3 * MIB),
            p(3, "b", "u", 2 * MIB),
            p(4, "c", "u", MIB),
        ];
        let cpu = [Some(12.25), None, None, Some(0.0)];
        let top = top_processes_with_cpu(&procs, &cpu, 10);
        let got: Vec<(&str, Option<f64>)> = top.iter().map(|r| (r.name.as_str(), r.cpu)).collect();
        assert_eq!(got, [("a", Some(12.3)), ("b", None), ("c", Some(0.0))]);
        assert!(top_processes(&procs, 10).iter().all(|r| r.cpu.is_none()));
    }

    #[test]
    fn empty_and_zero_limit() {
        assert!(top_processes(&[], 10).is_empty());
        assert!(top_processes(&[p(1, "a", "u", 1)], 0).is_empty());
    }

    #[test]
    fn rss_sum_saturates() {
        let procs = [p(1, "big", "u", u64::MAX), p(2, "big", "u", u64::MAX)];
        assert_eq!(
            top_processes(&procs, 1)[0].mem,
            round_to(u64::MAX as f64 / MIB as f64, 2)
        );
    }
}
