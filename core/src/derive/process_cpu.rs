//! Per-process CPU over the interval, and the process rows of the detailed stream.

use std::cmp::Ordering;
use std::time::Duration;

use crate::model::ProcessReading;
use crate::wire::ProcessDetail;

use super::round::{MIB, round_to};

/// How many processes the detailed stream lists by CPU, and again by memory.
pub const TOP_DETAILED: usize = 50;

/// Each process's CPU in percent of one core over `elapsed` (unrounded; 200 is two cores busy),
/// index for index with `cur`.
///
/// `None` for a process absent from `prev` (it started in between), whose CPU time went backwards
/// (its pid was reused), or when no time passed. A process of `prev` absent from `cur` (it
/// exited) simply has no row.
pub fn cpu_percents(
    prev: &[ProcessReading],
    cur: &[ProcessReading],
    elapsed: Duration,
) -> Vec<Option<f64>> {
    let ms = elapsed.as_secs_f64() * 1000.0;
    if ms <= 0.0 {
        return vec![None; cur.len()];
    }
    // The collector lists processes by pid; sort a copy only when a source does not.
    let mut before: Vec<(u32, u64)> = prev.iter().map(|p| (p.pid, p.cpu_ms)).collect();
    if !before.is_sorted_by_key(|(pid, _)| *pid) {
        before.sort_unstable_by_key(|(pid, _)| *pid);
    }
    cur.iter()
        .map(|p| {
            let i = before.binary_search_by_key(&p.pid, |(pid, _)| *pid).ok()?;
            let used = p.cpu_ms.checked_sub(before[i].1)?;
            Some(used as f64 / ms * 100.0)
        })
        .collect()
}

/// Busiest first (unknown CPU last), then most memory, then lowest pid.
fn busiest_first(a: (&ProcessReading, Option<f64>), b: (&ProcessReading, Option<f64>)) -> Ordering {
    let cpu = |c: Option<f64>| c.unwrap_or(-1.0);
    cpu(b.1)
        .total_cmp(&cpu(a.1))
        .then_with(|| b.0.rss.cmp(&a.0.rss))
        .then_with(|| a.0.pid.cmp(&b.0.pid))
}

/// The `limit` busiest processes together with the `limit` largest by resident memory (each
/// process once), busiest first; `cpu` as [`cpu_percents`] gives it.
pub fn detailed_processes(
    processes: &[ProcessReading],
    cpu: &[Option<f64>],
    limit: usize,
) -> Vec<ProcessDetail> {
    let with_cpu = |i: usize| (&processes[i], cpu.get(i).copied().flatten());
    let mut by_cpu: Vec<usize> = (0..processes.len()).collect();
    let mut by_mem = by_cpu.clone();
    if limit == 0 {
        return Vec::new();
    }
    if by_cpu.len() > limit {
        by_cpu.select_nth_unstable_by(limit - 1, |&a, &b| busiest_first(with_cpu(a), with_cpu(b)));
        by_cpu.truncate(limit);
        by_mem.select_nth_unstable_by(limit - 1, |&a, &b| {
            processes[b]
                .rss
                .cmp(&processes[a].rss)
                .then_with(|| processes[a].pid.cmp(&processes[b].pid))
        });
        by_mem.truncate(limit);
        by_cpu.extend(by_mem);
        by_cpu.sort_unstable();
        by_cpu.dedup();
    }
    by_cpu.sort_unstable_by(|&a, &b| busiest_first(with_cpu(a), with_cpu(b)));
    by_cpu
        .into_iter()
        .map(|i| {
            let p = &processes[i];
            ProcessDetail {
                pid: p.pid,
                name: p.name.clone(),
                username: p.user.clone(),
                mem: round_to(p.rss as f64 / MIB, 2),
                cpu: with_cpu(i).1.map(|c| round_to(c, 1)),
                threads: p.threads,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u32, rss: u64, cpu_ms: u64) -> ProcessReading {
        ProcessReading {
            pid,
            name: format!("p{pid}"),
            user: "u".into(),
            rss,
            cpu_ms,
            threads: 2,
        }
    }

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn percent_of_one_core_over_the_interval() {
        let prev = [p(1, 0, 1_000), p(2, 0, 500), p(3, 0, 0)];
        let cur = [p(1, 0, 1_250), p(2, 0, 2_500), p(3, 0, 0)];
        assert_eq!(
            cpu_percents(&prev, &cur, SEC),
            [Some(25.0), Some(200.0), Some(0.0)]
        );
        let half = cpu_percents(&prev, &cur, Duration::from_millis(500));
        assert_eq!(half[0], Some(50.0));
    }

    #[test]
    fn a_process_that_exits_or_starts_between_two_readings_has_no_figure() {
        // pid 2 exited between the readings: no row. pid 9 is new: null. pid 3 was reused by a
        // process with less CPU time: null, never a negative or huge figure.
        let prev = [p(3, 0, 9_000), p(2, 0, 100), p(1, 0, 0)];
        let cur = [p(1, 0, 100), p(3, 0, 10), p(9, 0, 50)];
        assert_eq!(cpu_percents(&prev, &cur, SEC), [Some(10.0), None, None]);
        assert_eq!(
            cpu_percents(&prev, &cur, Duration::ZERO),
            [None, None, None]
        );
    }

    #[test]
    fn detailed_rows_are_the_union_of_both_tops_busiest_first() {
        // 0..10 busy but small, 10..20 idle but large, 20..30 neither.
        let procs: Vec<ProcessReading> = (0..30u32)
            .map(|i| {
                let rss = if (10..20).contains(&i) {
                    1_000 + u64::from(i)
                } else {
                    1
                };
                p(i, rss, 0)
            })
            .collect();
        let cpu: Vec<Option<f64>> = (0..30u32)
            .map(|i| match i {
                0..10 => Some(f64::from(10 + i)),
                25 => None,
                _ => Some(0.0),
            })
            .collect();
        let rows = detailed_processes(&procs, &cpu, 10);
        let pids: Vec<u32> = rows.iter().map(|r| r.pid).collect();
        assert_eq!(
            pids,
            [
                9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10
            ]
        );
        assert_eq!(rows[0].cpu, Some(19.0));
        assert_eq!(rows[0].threads, 2);
        let all = detailed_processes(&procs, &cpu, 50);
        assert_eq!(all.len(), 30, "fewer than the limit: every process once");
        assert_eq!(all.last().map(|r| (r.pid, r.cpu)), Some((25, None)));
        assert!(detailed_processes(&procs, &cpu, 0).is_empty());
    }
}
