//! This computer's memory breakdown from `/proc/meminfo`: used, cache, buffers, free, swap.

use std::path::Path;

/// The breakdown, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MemBreakdown {
    /// Physical memory.
    pub total: f64,
    /// In use by programs: total less what is available (as `free` counts it).
    pub used: f64,
    /// Page cache and reclaimable kernel caches (`Cached` + `SReclaimable`).
    pub cache: f64,
    /// Block device buffers.
    pub buffers: f64,
    /// Not used at all.
    pub free: f64,
    /// Swap in use.
    pub swap_used: f64,
    /// Swap space.
    pub swap_total: f64,
}

/// Parses the text of `/proc/meminfo`; `None` without `MemTotal`.
pub fn parse(text: &str) -> Option<MemBreakdown> {
    let field = |name: &str| -> Option<f64> {
        text.lines().find_map(|l| {
            let (key, rest) = l.split_once(':')?;
            (key == name).then(|| rest.split_whitespace().next()?.parse::<f64>().ok())?
        })
    };
    let kib = |name: &str| field(name).unwrap_or(0.0) * 1024.0;
    let total = field("MemTotal")? * 1024.0;
    let available = field("MemAvailable").map_or(kib("MemFree"), |k| k * 1024.0);
    Some(MemBreakdown {
        total,
        used: (total - available).max(0.0),
        cache: kib("Cached") + kib("SReclaimable"),
        buffers: kib("Buffers"),
        free: kib("MemFree"),
        swap_used: (kib("SwapTotal") - kib("SwapFree")).max(0.0),
        swap_total: kib("SwapTotal"),
    })
}

/// Reads `meminfo` in the procfs at `root`.
pub fn read(root: &Path) -> Option<MemBreakdown> {
    parse(&std::fs::read_to_string(root.join("meminfo")).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kernel_text() {
        let text = "MemTotal:       16000000 kB\nMemFree:         2000000 kB\n\
                    MemAvailable:    9000000 kB\nBuffers:          500000 kB\n\
                    Cached:          6000000 kB\nSwapCached:            0 kB\n\
                    SwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n\
                    SReclaimable:     400000 kB\n";
        let m = parse(text).unwrap();
        let k = 1024.0;
        assert_eq!(m.total, 16e6 * k);
        assert_eq!(m.used, 7e6 * k);
        assert_eq!(m.cache, 6.4e6 * k);
        assert_eq!(m.buffers, 5e5 * k);
        assert_eq!(m.free, 2e6 * k);
        assert_eq!((m.swap_used, m.swap_total), (5e5 * k, 2e6 * k));
        assert_eq!(parse("nothing"), None);
        assert!(read(Path::new("/proc")).is_some_and(|m| m.total > 0.0));
    }
}
