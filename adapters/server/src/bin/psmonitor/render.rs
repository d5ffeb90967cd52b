//! Readable text for snapshots and frames: aligned `key  value` lines and small tables.

use std::fmt::Write;

use crate::safe::cell;
use crate::table::{Align, Table};

use psmonitor_client::{NetworkSnapshot, StreamFrame, SystemSnapshot};
use psmonitor_core::wire::{CpuStats, ProcessStats, UsageStats};

/// The summary of `GET /system`.
pub fn system(s: &SystemSnapshot) -> String {
    let mut out = String::new();
    let host = if s.platform.hostname.is_empty() {
        String::new()
    } else {
        format!("{}, ", cell(&s.platform.hostname))
    };
    line(
        &mut out,
        "Host",
        format!(
            "{host}{} (kernel {})",
            cell(&s.platform.distro),
            cell(&s.platform.kernel)
        ),
    );
    line(&mut out, "User", cell(&s.user).into_owned());
    figures(
        &mut out,
        &s.cpu,
        &s.mem,
        &s.swap,
        &s.disk,
        &s.platform.uptime,
    );
    out.push('\n');
    processes(&mut out, &s.processes);
    out
}

/// The view of one stream frame.
pub fn frame(f: &StreamFrame) -> String {
    let mut out = String::new();
    figures(&mut out, &f.cpu, &f.mem, &f.swap, &f.disk, &f.uptime);
    out.push('\n');
    processes(&mut out, &f.processes);
    out
}

/// The summary of `GET /network`: the wireless link and one table row per interface.
pub fn network(n: &NetworkSnapshot) -> String {
    let mut out = String::new();
    let wireless = match &n.wireless {
        Some(w) => cell(&format!(
            "{} quality {} signal {} channel {} {} ({})",
            w.name, w.quality, w.signal, w.channel, w.encryption, w.address
        ))
        .into_owned(),
        None => "n/a".to_owned(),
    };
    line(&mut out, "Wireless", wireless);
    out.push('\n');
    let mut table = Table::new(&[
        ("INTERFACE", Align::Left),
        ("SENT MB", Align::Right),
        ("RECV MB", Align::Right),
        ("PK SENT", Align::Right),
        ("PK RECV", Align::Right),
        ("ERR IN", Align::Right),
        ("ERR OUT", Align::Right),
        ("DROP IN", Align::Right),
        ("DROP OUT", Align::Right),
        ("TX KB/S", Align::Right),
        ("RX KB/S", Align::Right),
    ]);
    let named = n
        .interfaces
        .iter()
        .filter_map(|name| Some((name, n.statistics.get(name)?)));
    let extra = n
        .statistics
        .iter()
        .filter(|(name, _)| !n.interfaces.contains(name));
    for (name, s) in named.chain(extra) {
        table.row(vec![
            name.clone(),
            format!("{:.2}", s.mb_sent),
            format!("{:.2}", s.mb_received),
            s.pk_sent.to_string(),
            s.pk_received.to_string(),
            s.error_in.to_string(),
            s.error_out.to_string(),
            s.dropin.to_string(),
            s.dropout.to_string(),
            format!("{:.1}", s.tx_bytes_per_sec / 1024.0),
            format!("{:.1}", s.rx_bytes_per_sec / 1024.0),
        ]);
    }
    out.push_str(&table.render());
    out
}

fn line(out: &mut String, key: &str, value: String) {
    let _ = writeln!(out, "{key:<10} {value}");
}

fn figures(
    out: &mut String,
    cpu: &CpuStats,
    mem: &UsageStats,
    swap: &UsageStats,
    disk: &UsageStats,
    uptime: &str,
) {
    let temp = cpu.temp.map_or("n/a".to_owned(), |t| format!("{t:.1} °C"));
    let freq = cpu.freq.map_or("n/a".to_owned(), |f| format!("{f:.0} MHz"));
    line(
        out,
        "CPU",
        format!("{:5.1} %   temp {temp}   freq {freq}", cpu.usage),
    );
    if cpu.load != [0.0; 3] {
        let [a, b, c] = cpu.load;
        line(out, "Load", format!("{a:.2} {b:.2} {c:.2}"));
    }
    line(out, "Memory", usage(mem));
    if swap.total > 0.0 {
        line(out, "Swap", usage(swap));
    }
    line(out, "Disk /", usage(disk));
    line(out, "Uptime", cell(uptime).into_owned());
}

fn usage(u: &UsageStats) -> String {
    format!(
        "{:.2} / {:.2} GB ({:.1} %), {:.2} GB free",
        u.used, u.total, u.percent, u.free
    )
}

fn processes(out: &mut String, list: &[ProcessStats]) {
    let _ = writeln!(
        out,
        "{:>8}  {:<24} {:<20} {:>10}",
        "PID", "NAME", "USER", "MEM MB"
    );
    for p in list {
        let _ = writeln!(
            out,
            "{:>8}  {:<24} {:<20} {:>10.2}",
            p.pid,
            clip(&cell(&p.name), 24),
            clip(&cell(&p.username), 20),
            p.mem
        );
    }
}

/// `text` cut to `width` characters, with `…` when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden(file: &str) -> String {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/golden/vm-no-sensors/"
        );
        std::fs::read_to_string(format!("{dir}{file}")).unwrap()
    }

    #[test]
    fn system_shows_the_figures_and_processes() {
        let s: SystemSnapshot = serde_json::from_str(&golden("system.json")).unwrap();
        let text = system(&s);
        assert!(text.contains("temp n/a   freq n/a"), "{text}");
        assert!(
            text.contains("Memory     0.76 / 1.86 GB (43.2 %)"),
            "{text}"
        );
        assert!(text.contains("Uptime     3 mins, 50 secs"), "{text}");
        assert!(text.contains("php-fpm8.2"), "{text}");
    }

    #[test]
    fn network_has_a_row_per_interface() {
        let n: NetworkSnapshot = serde_json::from_str(&golden("network.json")).unwrap();
        let text = network(&n);
        for name in &n.interfaces {
            assert!(
                text.lines().any(|l| l.starts_with(name.as_str())),
                "{name}: {text}"
            );
        }
        assert!(text.starts_with("Wireless   n/a"), "{text}");
    }

    #[test]
    fn clip_marks_cut_text() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
