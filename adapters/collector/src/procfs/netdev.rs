//! `/proc/net/dev`: per-interface traffic counters.

use psmonitor_core::model::InterfaceReading;

/// The columns besides bytes, packets, errors and drops, by node_exporter's name.
const OTHER: [(&str, usize); 8] = [
    ("receive_fifo", 4),
    ("receive_frame", 5),
    ("receive_compressed", 6),
    ("receive_multicast", 7),
    ("transmit_fifo", 12),
    ("transmit_colls", 13),
    ("transmit_carrier", 14),
    ("transmit_compressed", 15),
];

/// Parses `/proc/net/dev` into one reading per interface, in file order.
///
/// The two header lines and lines without `name:` are skipped; a malformed counter counts as 0
/// in the view fields and is left out of [`InterfaceReading::other`].
pub fn parse_net_dev(text: &str) -> Vec<InterfaceReading> {
    text.lines()
        .filter_map(|line| {
            let (name, counters) = line.split_once(':')?;
            let name = name.trim();
            if name.is_empty() || name.contains('|') {
                return None;
            }
            let raw: Vec<&str> = counters.split_ascii_whitespace().collect();
            let values: Vec<u64> = raw.iter().map(|v| v.parse().unwrap_or(0)).collect();
            let at = |i: usize| values.get(i).copied().unwrap_or(0);
            Some(InterfaceReading {
                name: name.to_owned(),
                bytes_received: at(0),
                packets_received: at(1),
                errors_in: at(2),
                drops_in: at(3),
                bytes_sent: at(8),
                packets_sent: at(9),
                errors_out: at(10),
                drops_out: at(11),
                other: OTHER
                    .iter()
                    .filter_map(|&(name, i)| Some((name.to_owned(), raw.get(i)?.parse().ok()?)))
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 86959044    4373    1    2    0     0          0         0   381734    3184    3    4    0     0       0          0
";

    #[test]
    fn reads_every_interface_with_drops() {
        let ifaces = parse_net_dev(SAMPLE);
        assert_eq!(ifaces.len(), 2);
        assert_eq!(ifaces[0].name, "lo");
        assert_eq!(
            ifaces[1],
            InterfaceReading {
                name: "eth0".into(),
                bytes_sent: 381_734,
                bytes_received: 86_959_044,
                packets_sent: 3184,
                packets_received: 4373,
                errors_in: 1,
                errors_out: 3,
                drops_in: 2,
                drops_out: 4,
                other: OTHER.iter().map(|(n, _)| ((*n).to_owned(), 0)).collect(),
            }
        );
    }

    #[test]
    fn handles_counters_glued_to_the_name() {
        let ifaces = parse_net_dev("eth1:123 4 0 0 0 0 0 0 56 7 0 0 0 0 0 0\n");
        assert_eq!((ifaces[0].bytes_received, ifaces[0].bytes_sent), (123, 56));
    }

    #[test]
    fn malformed_lines_do_not_panic() {
        let ifaces = parse_net_dev("garbage\n: 1 2\nwlan0: x 1\n");
        assert_eq!(ifaces.len(), 1);
        assert_eq!(ifaces[0].name, "wlan0");
        assert_eq!(ifaces[0].packets_received, 1);
        assert_eq!(ifaces[0].bytes_sent, 0);
    }
}
