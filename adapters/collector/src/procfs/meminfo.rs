//! `/proc/meminfo`: memory and swap.

use psmonitor_core::model::MemoryReading;

/// Parses `/proc/meminfo` (values in kB) into bytes; a missing or malformed field counts as 0.
///
/// `cached` is `Cached` plus `SReclaimable`, as `free(1)` and psutil count it. When the kernel is
/// too old to report `MemAvailable`, `available` falls back to free + buffers + cached.
pub fn parse_meminfo(text: &str) -> MemoryReading {
    let mut memory = MemoryReading::default();
    let mut available = None;
    let mut reclaimable = 0;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let Some(kib) = rest
            .split_ascii_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
        else {
            continue;
        };
        let bytes = kib.saturating_mul(1024);
        match key.trim() {
            "MemTotal" => memory.total = bytes,
            "MemFree" => memory.free = bytes,
            "MemAvailable" => available = Some(bytes),
            "Buffers" => memory.buffers = bytes,
            "Cached" => memory.cached = bytes,
            "SReclaimable" => reclaimable = bytes,
            "SwapTotal" => memory.swap_total = bytes,
            "SwapFree" => memory.swap_free = bytes,
            _ => {}
        }
    }
    memory.cached = memory.cached.saturating_add(reclaimable);
    memory.available = available.unwrap_or_else(|| {
        memory
            .free
            .saturating_add(memory.buffers)
            .saturating_add(memory.cached)
            .min(memory.total)
    });
    memory
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "MemTotal:       24684168 kB
MemFree:        21000000 kB
MemAvailable:   22000000 kB
Buffers:          100000 kB
Cached:           800000 kB
SwapCached:            0 kB
SReclaimable:      50000 kB
SwapTotal:       1000000 kB
SwapFree:         900000 kB
HugePages_Total:       0
";

    #[test]
    fn reads_bytes_and_adds_reclaimable_slab_to_cached() {
        let m = parse_meminfo(SAMPLE);
        assert_eq!(m.total, 24_684_168 * 1024);
        assert_eq!(m.free, 21_000_000 * 1024);
        assert_eq!(m.available, 22_000_000 * 1024);
        assert_eq!(m.buffers, 100_000 * 1024);
        assert_eq!(m.cached, 850_000 * 1024);
        assert_eq!(m.swap_total, 1_000_000 * 1024);
        assert_eq!(m.swap_free, 900_000 * 1024);
    }

    #[test]
    fn estimates_available_without_memavailable() {
        let m = parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 5 kB\n");
        assert_eq!(m.available, 115 * 1024);
    }

    #[test]
    fn malformed_lines_do_not_panic() {
        let m = parse_meminfo(
            "MemTotal: lots kB\nnonsense\n:\nMemFree:\nSwapFree: 18446744073709551615 kB\n",
        );
        assert_eq!(m.total, 0);
        assert_eq!(m.swap_free, u64::MAX);
        assert_eq!(parse_meminfo(""), MemoryReading::default());
    }
}
