//! Memory and swap in GiB, with psutil's formulas.

use crate::model::MemoryReading;
use crate::wire::UsageStats;

use super::round::{gib, percent};

/// Memory: `used` = total - free - buffers - cached (saturating), `free` = `MemFree`,
/// `percent` = (total - available) / total.
pub fn memory_stats(m: &MemoryReading) -> UsageStats {
    let used = used_bytes(m);
    UsageStats {
        total: gib(m.total),
        used: gib(used),
        free: gib(m.free),
        percent: percent(m.total.saturating_sub(m.available), m.total),
    }
}

/// Used memory in bytes: total - free - buffers - cached (saturating), as psutil counts it.
pub fn used_bytes(m: &MemoryReading) -> u64 {
    m.total
        .saturating_sub(m.free)
        .saturating_sub(m.buffers)
        .saturating_sub(m.cached)
}

/// Swap: `used` = total - free, `percent` = used / total; all zeros when there is no swap.
pub fn swap_stats(m: &MemoryReading) -> UsageStats {
    let used = m.swap_total.saturating_sub(m.swap_free);
    UsageStats {
        total: gib(m.swap_total),
        used: gib(used),
        free: gib(m.swap_free),
        percent: percent(used, m.swap_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;

    fn reading() -> MemoryReading {
        MemoryReading {
            total: 16 * GIB,
            free: 4 * GIB,
            available: 10 * GIB,
            buffers: 512 * MIB,
            cached: 5 * GIB + 256 * MIB,
            swap_total: 2 * GIB,
            swap_free: GIB + 512 * MIB,
        }
    }

    #[test]
    fn memory_uses_psutils_used_and_available_percent() {
        let s = memory_stats(&reading());
        assert_eq!(s.total, 16.0);
        // 16 - 4 - 0.5 - 5.25 = 6.25
        assert_eq!(s.used, 6.25);
        assert_eq!(s.free, 4.0);
        // (16 - 10) / 16 = 37.5 %
        assert_eq!(s.percent, 37.5);
    }

    #[test]
    fn memory_used_saturates_when_caches_exceed_total() {
        let m = MemoryReading {
            cached: 20 * GIB,
            ..reading()
        };
        assert_eq!(memory_stats(&m).used, 0.0);
        let empty = memory_stats(&MemoryReading::default());
        assert_eq!(empty, UsageStats::default());
    }

    #[test]
    fn swap_used_and_percent() {
        let s = swap_stats(&reading());
        assert_eq!((s.total, s.used, s.free, s.percent), (2.0, 0.5, 1.5, 25.0));
    }

    #[test]
    fn no_swap_is_all_zeros() {
        let m = MemoryReading {
            swap_total: 0,
            swap_free: 0,
            ..reading()
        };
        assert_eq!(swap_stats(&m), UsageStats::default());
    }
}
