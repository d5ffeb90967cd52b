//! The network snapshot: per-interface counters, rates over the interval, and the wireless link.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{InterfaceReading, WirelessReading};
use crate::wire::{InterfaceStats, NOT_AVAILABLE, NetworkSnapshot, WirelessStats};

use super::round::{MIB, round_to};

/// Bytes per second between two counter values, 1 decimal; `0.0` when no time passed, the
/// counter went backwards (a reset or a re-created interface) or there is no previous value.
pub fn rate_per_sec(prev: Option<u64>, cur: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    match prev {
        Some(prev) if secs > 0.0 && cur >= prev => round_to((cur - prev) as f64 / secs, 1),
        _ => 0.0,
    }
}

/// One interface's counters, with rates against `prev` (the same interface one interval earlier).
pub fn interface_stats(
    prev: Option<&InterfaceReading>,
    cur: &InterfaceReading,
    elapsed: Duration,
) -> InterfaceStats {
    InterfaceStats {
        mb_sent: cur.bytes_sent as f64 / MIB,
        mb_received: cur.bytes_received as f64 / MIB,
        pk_sent: cur.packets_sent,
        pk_received: cur.packets_received,
        error_in: cur.errors_in,
        error_out: cur.errors_out,
        dropout: cur.drops_out,
        dropin: cur.drops_in,
        tx_bytes_per_sec: rate_per_sec(prev.map(|p| p.bytes_sent), cur.bytes_sent, elapsed),
        rx_bytes_per_sec: rate_per_sec(prev.map(|p| p.bytes_received), cur.bytes_received, elapsed),
    }
}

/// The wireless link as text: quality `"58/70"`, signal `"-52 dBm"`, unknown values `"N/A"`.
pub fn wireless_stats(w: &WirelessReading) -> WirelessStats {
    let text_or_na = |v: Option<&str>| match v {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => NOT_AVAILABLE.to_owned(),
    };
    WirelessStats {
        name: w.name.clone(),
        // `as` saturates and maps NaN to 0: a bad reading cannot panic.
        quality: format!("{}/70", w.link_quality.round() as i64),
        channel: w
            .channel
            .map_or_else(|| NOT_AVAILABLE.to_owned(), |c| c.to_string()),
        encryption: text_or_na(w.encryption.as_deref()),
        address: text_or_na(w.address.as_deref()),
        signal: format!("{} dBm", w.signal_dbm.round() as i64),
    }
}

/// The `GET /network` body of `cur`, with rates over the `elapsed` since `prev`.
///
/// `interfaces` keeps the reading order; `statistics` is keyed by name (a repeated name keeps the
/// last reading). An interface absent from `prev` shows rates of `0.0`.
pub fn network_snapshot(
    prev: &[InterfaceReading],
    cur: &[InterfaceReading],
    wireless: Option<&WirelessReading>,
    elapsed: Duration,
) -> NetworkSnapshot {
    let before: BTreeMap<&str, &InterfaceReading> =
        prev.iter().map(|i| (i.name.as_str(), i)).collect();
    let statistics = cur
        .iter()
        .map(|i| {
            let stats = interface_stats(before.get(i.name.as_str()).copied(), i, elapsed);
            (i.name.clone(), stats)
        })
        .collect();
    NetworkSnapshot {
        interfaces: cur.iter().map(|i| i.name.clone()).collect(),
        wireless: wireless.map(wireless_stats),
        statistics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, sent: u64, received: u64) -> InterfaceReading {
        InterfaceReading {
            name: name.into(),
            bytes_sent: sent,
            bytes_received: received,
            packets_sent: 11,
            packets_received: 22,
            errors_in: 1,
            errors_out: 2,
            drops_in: 3,
            drops_out: 4,
            other: Vec::new(),
        }
    }

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn counters_map_to_the_wire_names_and_mib_is_unrounded() {
        let s = interface_stats(None, &iface("eth0", 1_500_000, 3 << 20), SEC);
        assert_eq!(s.mb_sent, 1_500_000.0 / 1_048_576.0);
        assert_eq!(s.mb_received, 3.0);
        assert_eq!((s.pk_sent, s.pk_received), (11, 22));
        assert_eq!((s.error_in, s.error_out, s.dropin, s.dropout), (1, 2, 3, 4));
    }

    #[test]
    fn rates_are_bytes_per_second_over_the_interval() {
        let prev = iface("eth0", 1_000, 2_000);
        let cur = iface("eth0", 4_000, 2_333);
        let s = interface_stats(Some(&prev), &cur, Duration::from_millis(1_500));
        assert_eq!(s.tx_bytes_per_sec, 2_000.0);
        assert_eq!(s.rx_bytes_per_sec, 222.0);
        let t = interface_stats(
            Some(&prev),
            &iface("eth0", 1_001, 2_000),
            Duration::from_secs(3),
        );
        assert_eq!(t.tx_bytes_per_sec, 0.3);
    }

    #[test]
    fn rates_are_zero_for_zero_elapsed_reset_counters_or_new_interfaces() {
        assert_eq!(rate_per_sec(Some(10), 20, Duration::ZERO), 0.0);
        assert_eq!(rate_per_sec(Some(20), 10, SEC), 0.0);
        assert_eq!(rate_per_sec(None, 10, SEC), 0.0);
        assert_eq!(rate_per_sec(Some(u64::MAX - 100), u64::MAX, SEC), 100.0);
    }

    #[test]
    fn snapshot_keeps_reading_order_and_matches_interfaces_by_name() {
        let prev = [iface("wlan0", 0, 0), iface("lo", 100, 100)];
        let cur = [
            iface("lo", 600, 600),
            iface("eth1", 50, 50),
            iface("wlan0", 10, 20),
        ];
        let snap = network_snapshot(&prev, &cur, None, SEC);
        assert_eq!(snap.interfaces, ["lo", "eth1", "wlan0"]);
        assert_eq!(snap.statistics["lo"].tx_bytes_per_sec, 500.0);
        assert_eq!(snap.statistics["eth1"].tx_bytes_per_sec, 0.0);
        assert_eq!(snap.statistics["wlan0"].rx_bytes_per_sec, 20.0);
        assert!(snap.wireless.is_none());
        let json = serde_json::to_string(&snap).unwrap();
        assert!(json.contains("\"wireless\":\"N/A\""), "{json}");
    }

    #[test]
    fn wireless_text_fields() {
        let w = WirelessReading {
            name: "wlan0".into(),
            link_quality: 57.6,
            signal_dbm: -52.4,
            channel: Some(36),
            encryption: Some("WPA2".into()),
            address: None,
        };
        let s = wireless_stats(&w);
        assert_eq!(s.quality, "58/70");
        assert_eq!(s.signal, "-52 dBm");
        assert_eq!(s.channel, "36");
        assert_eq!(s.encryption, "WPA2");
        assert_eq!(s.address, "N/A");
        let bare = wireless_stats(&WirelessReading {
            encryption: Some(String::new()),
            channel: None,
            ..w
        });
        assert_eq!(
            (bare.channel.as_str(), bare.encryption.as_str()),
            ("N/A", "N/A")
        );
    }
}
