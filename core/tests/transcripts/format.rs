//! The transcript line format: times, `key=value` arguments, `{{name}}` variables, the
//! `config` line and the readings `sample` inputs stand for.

use std::collections::BTreeMap;
use std::time::Duration;

use psmonitor_core::hub::HubConfig;
use psmonitor_core::model::{
    CpuReading, CpuTimes, DiskReading, HostReading, InterfaceReading, MemoryReading, ProcessReading,
};

/// `4.900` → 4 s 900 ms, exactly (no float rounding).
pub fn parse_time(text: &str) -> Duration {
    let (secs, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 3, "at most millisecond precision: {text}");
    let millis: u64 = format!("{frac:0<3}").parse().expect("time");
    Duration::from_secs(secs.parse().expect("time")) + Duration::from_millis(millis)
}

pub fn show_time(offset: Duration) -> String {
    format!("@{}.{:03}", offset.as_secs(), offset.subsec_millis())
}

/// Splits `key=value` words; a value may be "quoted", and `body=` takes the rest of the line.
pub fn parse_args(text: &str) -> (Vec<String>, BTreeMap<String, String>) {
    let mut words = Vec::new();
    let mut args = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(body) = rest.strip_prefix("body=") {
            args.insert("body".to_owned(), body.to_owned());
            break;
        }
        let (word, tail) = match rest.find('=') {
            Some(eq) if !rest[..eq].contains(' ') && rest[eq + 1..].starts_with('"') => {
                let close = rest[eq + 2..].find('"').expect("closing quote") + eq + 2;
                (&rest[..=close], &rest[close + 1..])
            }
            _ => rest.split_once(' ').unwrap_or((rest, "")),
        };
        let is_key = |k: &str| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        match word.split_once('=').filter(|(k, _)| is_key(k)) {
            Some((k, v)) => {
                args.insert(k.to_owned(), v.trim_matches('"').to_owned());
            }
            None => words.push(word.to_owned()),
        }
        rest = tail.trim_start();
    }
    (words, args)
}

/// A small but complete reading; CPU counters grow with time so usage is 25 %.
pub fn reading(at: Duration, args: &BTreeMap<String, String>) -> HostReading {
    let num = |key: &str, default: u64| {
        args.get(key)
            .map_or(default, |v| v.parse().expect("number"))
    };
    let ticks = u64::try_from(at.as_millis() / 10).expect("ticks");
    let busy = num("busy", ticks / 4);
    let idle = num("idle", ticks - ticks / 4);
    let times = CpuTimes {
        user: busy,
        idle,
        ..CpuTimes::default()
    };
    let gib = 1024 * 1024 * 1024;
    HostReading {
        monotonic_ms: u64::try_from(at.as_millis()).expect("ms"),
        hostname: "transcript".to_owned(),
        user: "root".to_owned(),
        distro: "Debian GNU/Linux 12 (bookworm)".to_owned(),
        kernel: "6.1.0-18-amd64".to_owned(),
        uptime_secs: num("uptime", 1_000 + at.as_secs()),
        load_average: [0.25, 0.5, 0.75],
        cpu: CpuReading {
            total: times,
            cores: vec![times],
            freq_mhz: Some(2600.0),
            sensors: Vec::new(),
        },
        memory: MemoryReading {
            total: 8 * gib,
            free: 4 * gib,
            available: 6 * gib,
            buffers: 0,
            cached: 2 * gib,
            swap_total: 0,
            swap_free: 0,
        },
        disks: vec![DiskReading {
            mount_point: "/".to_owned(),
            device: "/dev/vda1".to_owned(),
            fs_type: "ext4".to_owned(),
            total: 100 * gib,
            free: 60 * gib,
            available: 55 * gib,
            ..DiskReading::default()
        }],
        processes: vec![ProcessReading {
            pid: 1,
            name: "init".to_owned(),
            user: "root".to_owned(),
            rss: 12 * 1024 * 1024,
            cpu_ms: num("pcpu", 0),
            threads: 1,
        }],
        interfaces: vec![InterfaceReading {
            name: "lo".to_owned(),
            bytes_sent: num("net", 1_000 * at.as_secs()),
            bytes_received: num("net", 1_000 * at.as_secs()),
            ..InterfaceReading::default()
        }],
        wireless: None,
        ..HostReading::default()
    }
}

/// Matches `actual` against `pattern`, where `{{name}}` is a bound variable or captures one.
pub fn matches(pattern: &str, actual: &str, vars: &mut BTreeMap<String, String>) -> bool {
    let mut captured = BTreeMap::new();
    let mut rest = actual;
    let mut pat = pattern;
    loop {
        let Some(open) = pat.find("{{") else {
            if pat != rest {
                return false;
            }
            break;
        };
        let Some(literal_rest) = rest.strip_prefix(&pat[..open]) else {
            return false;
        };
        rest = literal_rest;
        let close = pat[open..].find("}}").expect("unclosed {{") + open;
        let name = &pat[open + 2..close];
        pat = &pat[close + 2..];
        let bound = vars.get(name).or_else(|| captured.get(name)).cloned();
        if let Some(value) = bound {
            let Some(after) = rest.strip_prefix(value.as_str()) else {
                return false;
            };
            rest = after;
        } else {
            let next_literal = &pat[..pat.find("{{").unwrap_or(pat.len())];
            let end = if next_literal.is_empty() {
                rest.len()
            } else {
                match rest.find(next_literal) {
                    Some(end) => end,
                    None => return false,
                }
            };
            captured.insert(name.to_owned(), rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    vars.extend(captured);
    true
}

pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_owned();
    while let Some(open) = out.find("{{") {
        let close = out[open..].find("}}").expect("unclosed {{") + open;
        let name = &out[open + 2..close];
        let value = vars
            .get(name)
            .unwrap_or_else(|| panic!("variable {{{{{name}}}}} used before it was captured"));
        out.replace_range(open..close + 2, value);
    }
    out
}

/// Replaces long variable values in `line` by their `{{name}}`, for rewritten golden lines.
pub fn unsubstitute(line: &str, vars: &BTreeMap<String, String>) -> String {
    let mut by_len: Vec<_> = vars.iter().filter(|(_, v)| v.len() >= 16).collect();
    by_len.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    let mut out = line.to_owned();
    for (name, value) in by_len {
        out = out.replace(value.as_str(), &format!("{{{{{name}}}}}"));
    }
    out
}

pub fn parse_config(line: &str) -> HubConfig {
    let mut config = HubConfig::default();
    let (_, args) = parse_args(line.trim_start_matches("config"));
    for (key, value) in args {
        match key.as_str() {
            "interval" => config.interval = parse_time(&value),
            "token_ttl" => config.token_ttl = parse_time(&value),
            "worker_ttl" => config.worker_ttl = parse_time(&value),
            "max_pending_workers" => config.max_pending_workers = value.parse().expect("n"),
            "max_connections" => config.max_connections = value.parse().expect("n"),
            "max_body_bytes" => config.max_body_bytes = value.parse().expect("n"),
            other => panic!("unknown config key {other}"),
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_binds_and_checks_variables() {
        let mut vars = BTreeMap::new();
        assert!(matches(
            r#"{"token":"{{t}}","user_id":"{{u}}"}"#,
            r#"{"token":"abc","user_id":"xyz"}"#,
            &mut vars
        ));
        assert_eq!(vars["t"], "abc");
        assert!(matches("id={{t}} end", "id=abc end", &mut vars));
        assert!(!matches("id={{t}} end", "id=abd end", &mut vars));
        assert!(!matches("exact", "exact2", &mut vars));
        assert_eq!(substitute("x {{u}} y", &vars), "x xyz y");
    }
}
