//! `/proc/net/wireless`: link quality and signal level of the wireless interface.

use psmonitor_core::model::WirelessReading;

/// Parses the first interface of `/proc/net/wireless`; `None` when the file lists none.
///
/// Channel, encryption and access point address are not in this file and are left `None`.
pub fn parse_wireless(text: &str) -> Option<WirelessReading> {
    text.lines().find_map(|line| {
        let (name, rest) = line.split_once(':')?;
        let name = name.trim();
        if name.is_empty() || name.contains('|') {
            return None;
        }
        let mut fields = rest.split_ascii_whitespace().skip(1); // status
        let mut number = || {
            fields
                .next()
                .and_then(|f| f.trim_end_matches('.').parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .unwrap_or(0.0)
        };
        let link_quality = number();
        let signal_dbm = number();
        Some(WirelessReading {
            name: name.to_owned(),
            link_quality,
            signal_dbm,
            channel: None,
            encryption: None,
            address: None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE
 face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22
";

    #[test]
    fn reads_quality_and_signal() {
        let text = format!(
            "{HEADER} wlan0: 0000   54.  -56.  -256        0      0      0      0      0        0\n"
        );
        let w = parse_wireless(&text).expect("one interface");
        assert_eq!(w.name, "wlan0");
        assert_eq!(w.link_quality, 54.0);
        assert_eq!(w.signal_dbm, -56.0);
        assert_eq!((w.channel, w.encryption, w.address), (None, None, None));
    }

    #[test]
    fn header_only_means_no_wireless() {
        assert_eq!(parse_wireless(HEADER), None);
        assert_eq!(parse_wireless(""), None);
    }

    #[test]
    fn malformed_lines_do_not_panic() {
        let w = parse_wireless("wlp2s0: 0000 NaN. bogus\n").expect("named interface");
        assert_eq!((w.link_quality, w.signal_dbm), (0.0, 0.0));
        let w = parse_wireless("wlp3s0:\n").expect("named interface");
        assert_eq!(w.name, "wlp3s0");
    }
}
