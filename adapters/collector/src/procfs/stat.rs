//! `/proc/stat`: cumulative CPU time counters.

use psmonitor_core::model::CpuTimes;

/// Parses `/proc/stat` into the total counters and the counters of each CPU, in CPU order.
///
/// Lines that are not `cpu`/`cpuN` lines are ignored; a malformed field counts as 0, a core line
/// whose number cannot be read is skipped. A missing total line gives the default counters.
pub fn parse_proc_stat(text: &str) -> (CpuTimes, Vec<CpuTimes>) {
    let mut total = CpuTimes::default();
    let mut cores: Vec<(usize, CpuTimes)> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_ascii_whitespace();
        let Some(label) = fields.next() else { continue };
        let Some(suffix) = label.strip_prefix("cpu") else {
            continue;
        };
        let times = parse_times(fields);
        if suffix.is_empty() {
            total = times;
        } else if let Ok(index) = suffix.parse::<usize>() {
            cores.push((index, times));
        }
    }
    cores.sort_by_key(|(index, _)| *index);
    (total, cores.into_iter().map(|(_, times)| times).collect())
}

fn parse_times<'a>(mut fields: impl Iterator<Item = &'a str>) -> CpuTimes {
    let mut next = || {
        fields
            .next()
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    CpuTimes {
        user: next(),
        nice: next(),
        system: next(),
        idle: next(),
        iowait: next(),
        irq: next(),
        softirq: next(),
        steal: next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "cpu  9923 1 4199 64492 276 2 35 13 0 0
cpu0 4888 0 1895 32592 51 0 9 5 0 0
cpu1 5034 1 2303 31900 225 2 25 8 0 0
intr 123 4 5
ctxt 99
btime 1700000000
";

    #[test]
    fn reads_total_and_cores() {
        let (total, cores) = parse_proc_stat(SAMPLE);
        assert_eq!(
            total,
            CpuTimes {
                user: 9923,
                nice: 1,
                system: 4199,
                idle: 64492,
                iowait: 276,
                irq: 2,
                softirq: 35,
                steal: 13,
            }
        );
        assert_eq!(cores.len(), 2);
        assert_eq!(cores[1].user, 5034);
        assert_eq!(cores[1].steal, 8);
    }

    #[test]
    fn orders_cores_by_number() {
        let (_, cores) = parse_proc_stat("cpu 1 1 1 1\ncpu1 2 0 0 0\ncpu0 1 0 0 0\n");
        assert_eq!(cores.iter().map(|c| c.user).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn old_kernels_with_four_fields_give_zero_for_the_rest() {
        let (total, _) = parse_proc_stat("cpu 10 20 30 40\n");
        assert_eq!((total.idle, total.iowait, total.steal), (40, 0, 0));
    }

    #[test]
    fn malformed_lines_do_not_panic() {
        let (total, cores) =
            parse_proc_stat("cpu x -1 99999999999999999999999\ncpuX 1 2\ncpu7\n\n   \n");
        assert_eq!(total, CpuTimes::default());
        assert_eq!(cores, vec![CpuTimes::default()]);
        assert_eq!(parse_proc_stat(""), (CpuTimes::default(), Vec::new()));
    }
}
