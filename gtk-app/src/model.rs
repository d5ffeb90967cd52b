//! The view model: plain Rust state that watch events update, returning what to refresh.
//!
//! No GTK here (rnote's habit): `apply` says which panels changed and the window redraws only
//! those, so the logic is unit tested without a display.

use std::collections::BTreeMap;
use std::ops::{BitOr, BitOrAssign};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use psmonitor_core::wire::{
    CpuStats, NetworkSnapshot, PlatformInfo, ProcessStats, StreamFrame, SystemSnapshot, UsageStats,
};

use crate::client::{ClientError, HistoryData, TrustError, WatchEvent};
use crate::history::History;

/// Which parts of a host view need redrawing after an event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct Refresh(u16);

impl Refresh {
    /// Nothing changed.
    pub const NONE: Refresh = Refresh(0);
    /// The connection banner and status.
    pub const CONNECTION: Refresh = Refresh(1);
    /// Platform details (distro, kernel, uptime, user, host name).
    pub const PLATFORM: Refresh = Refresh(1 << 1);
    /// CPU figures and per-core bars.
    pub const CPU: Refresh = Refresh(1 << 2);
    /// Memory and swap.
    pub const MEMORY: Refresh = Refresh(1 << 3);
    /// The root disk.
    pub const DISK: Refresh = Refresh(1 << 4);
    /// Network interfaces.
    pub const NETWORK: Refresh = Refresh(1 << 5);
    /// The process table.
    pub const PROCESSES: Refresh = Refresh(1 << 6);
    /// The graphs.
    pub const GRAPHS: Refresh = Refresh(1 << 7);
    /// Disks, sensors, GPUs and battery of the detailed stream.
    pub const DETAIL: Refresh = Refresh(1 << 8);
    /// The per-process rows of the detailed stream.
    pub const PROCS: Refresh = Refresh(1 << 9);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: Refresh) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Refresh {
    type Output = Refresh;
    fn bitor(self, rhs: Refresh) -> Refresh {
        Refresh(self.0 | rhs.0)
    }
}

impl BitOrAssign for Refresh {
    fn bitor_assign(&mut self, rhs: Refresh) {
        self.0 |= rhs.0;
    }
}

/// The state of the connection to the host.
#[derive(Clone, Debug, PartialEq)]
pub enum Connection {
    /// Logging in for the first time.
    Connecting,
    /// Receiving data.
    Live,
    /// The connection dropped; the watch retries.
    Lost {
        /// What went wrong and what to do.
        message: String,
        /// When the next attempt starts.
        retry_in: Duration,
    },
    /// The watch gave up.
    Failed {
        /// What went wrong and what to do.
        message: String,
    },
    /// The server's certificate is not trusted yet: the user may check and accept it.
    Untrusted {
        /// What went wrong and what to do.
        message: String,
        /// SHA-256 of the certificate the server presented.
        fingerprint: psmonitor_client::Fingerprint,
    },
}

/// Receive and send rates of one interface, bytes per second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rates {
    /// Received bytes per second.
    pub rx: f64,
    /// Sent bytes per second.
    pub tx: f64,
}

/// Everything a host view shows.
#[derive(Debug)]
pub struct ViewModel {
    /// Connection state.
    pub connection: Connection,
    /// Platform details; uptime follows the stream frames.
    pub platform: PlatformInfo,
    /// The account the server runs as.
    pub user: String,
    /// CPU figures.
    pub cpu: Option<CpuStats>,
    /// Memory.
    pub mem: UsageStats,
    /// Swap.
    pub swap: UsageStats,
    /// Root disk.
    pub disk: UsageStats,
    /// Top process groups.
    pub processes: Vec<ProcessStats>,
    /// The latest network snapshot.
    pub network: Option<NetworkSnapshot>,
    /// Rates per interface.
    pub rates: BTreeMap<String, Rates>,
    /// The last five minutes, for the graphs.
    pub history: History,
    /// What only the detailed stream carries (`None` until its first frame).
    pub details: Option<crate::details::Details>,
    /// The last failure was a 400 answer: what a TLS server says to a plain-HTTP request (the
    /// app then checks whether the address speaks https).
    pub bad_request: bool,
    /// This computer's memory breakdown (read from its procfs; `None` for a remote host).
    pub breakdown: Option<crate::meminfo::MemBreakdown>,
    last_network: Option<(Instant, NetworkSnapshot)>,
}

impl Default for ViewModel {
    fn default() -> Self {
        Self {
            connection: Connection::Connecting,
            platform: PlatformInfo::default(),
            user: String::new(),
            cpu: None,
            mem: UsageStats::default(),
            swap: UsageStats::default(),
            disk: UsageStats::default(),
            processes: Vec::new(),
            network: None,
            rates: BTreeMap::new(),
            history: History::default(),
            details: None,
            bad_request: false,
            breakdown: None,
            last_network: None,
        }
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// A message for a failed connection: what happened and what to do.
pub fn explain(error: &ClientError) -> String {
    match error {
        ClientError::BadCredentials => "Login refused: wrong username or password. Check them \
             (on that host `psmonitor credentials show` prints them) and connect again."
            .to_owned(),
        ClientError::RateLimited { retry_after } => format!(
            "Too many failed logins from here: the server waits {} s before accepting another.",
            retry_after.as_secs()
        ),
        ClientError::Busy { retry_after } => format!(
            "The server is busy checking other logins (many are trying at once): retrying in {} s.",
            retry_after.as_secs().max(1)
        ),
        ClientError::Unreachable { target, reason } => format!(
            "Cannot reach the server ({target}: {reason}). Check the address and that `psmonitor serve` runs there."
        ),
        ClientError::InvalidUrl { .. } => format!(
            "That is not a server address ({error}). Write it like http://192.168.1.20:4500."
        ),
        ClientError::Protocol(_)
        | ClientError::Status { .. }
        | ClientError::InvalidBody { .. }
        | ClientError::UnexpectedGreeting(_)
        | ClientError::StreamClosed { .. }
        | ClientError::NotTls { .. } => format!(
            "The server answered something unexpected ({error}). Is the address a PSMonitor server?"
        ),
        ClientError::Trust(TrustError::Untrusted {
            fingerprint,
            reason,
        }) => format!(
            "The server's certificate is not trusted ({reason}). Its fingerprint is {fingerprint}: \
             compare it with `psmonitor tls fingerprint` on that host before trusting it."
        ),
        ClientError::Trust(TrustError::CertificateChanged { expected, actual }) => format!(
            "The server's certificate changed: it presented {actual}, not the trusted {expected}. \
             Do not connect unless you know why it changed."
        ),
        ClientError::TlsSetup(why) => format!("The TLS settings cannot be used: {why}."),
    }
}

impl ViewModel {
    /// The host's interfaces but `lo`, in name order (one page each).
    pub fn interfaces(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .network
            .as_ref()
            .map(|n| {
                n.interfaces
                    .iter()
                    .filter(|i| i.as_str() != "lo")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Whether `error` is a 400 answer (a TLS server's answer to plain HTTP is one).
fn is_bad_request(error: &ClientError) -> bool {
    matches!(error, ClientError::Status { status: 400, .. })
}

impl ViewModel {
    /// Applies one event at the current time.
    pub fn apply(&mut self, event: WatchEvent) -> Refresh {
        self.apply_at(event, Instant::now())
    }

    /// Applies one event received at `now`.
    pub fn apply_at(&mut self, event: WatchEvent, now: Instant) -> Refresh {
        match event {
            WatchEvent::Connected => {
                self.bad_request = false;
                self.set_connection(Connection::Live)
            }
            WatchEvent::System(system) => self.apply_system(*system, now),
            WatchEvent::Frame(frame) => {
                let mut r = self.set_connection(Connection::Live);
                r |= self.apply_frame(*frame, now);
                r
            }
            WatchEvent::Detail(frame) => {
                let mut r = self.set_connection(Connection::Live);
                r |= self.apply_detailed(*frame, now);
                r
            }
            WatchEvent::Network(net) => self.apply_network(*net, now),
            WatchEvent::History(history) => {
                let wall = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                self.apply_history(&history, now, wall)
            }
            WatchEvent::Disconnected { error, retry_in } => {
                self.bad_request = is_bad_request(&error);
                self.set_connection(Connection::Lost {
                    message: explain(&error),
                    retry_in,
                })
            }
            WatchEvent::Stopped(error) => {
                self.bad_request = is_bad_request(&error);
                self.stopped(error)
            }
        }
    }

    fn stopped(&mut self, error: ClientError) -> Refresh {
        self.set_connection(match &error {
            ClientError::Trust(TrustError::Untrusted { fingerprint, .. }) => {
                Connection::Untrusted {
                    message: explain(&error),
                    fingerprint: *fingerprint,
                }
            }
            _ => Connection::Failed {
                message: explain(&error),
            },
        })
    }

    fn set_connection(&mut self, connection: Connection) -> Refresh {
        if self.connection == connection {
            return Refresh::NONE;
        }
        self.connection = connection;
        Refresh::CONNECTION
    }

    /// Fills the graphs with what the server recorded before this connection: `history`'s unix
    /// times are placed against `now` (an `Instant`) by their distance from `now_unix`.
    pub fn apply_history(&mut self, history: &HistoryData, now: Instant, now_unix: i64) -> Refresh {
        let at = |t: i64| {
            let ago = u64::try_from(now_unix.saturating_sub(t)).unwrap_or(0);
            now.checked_sub(Duration::from_secs(ago))
        };
        let column = |name: &str| -> Vec<(Instant, f64)> {
            let Some(values) = history.series.get(name) else {
                return Vec::new();
            };
            history
                .times
                .iter()
                .zip(values)
                .filter_map(|(&t, v)| Some((at(t)?, (*v)?)))
                .collect()
        };
        let summed = |prefix: &str| -> Vec<(Instant, f64)> {
            let names: Vec<&String> = history
                .series
                .keys()
                .filter(|k| k.strip_prefix(prefix).is_some_and(|iface| iface != "lo"))
                .collect();
            history
                .times
                .iter()
                .enumerate()
                .filter_map(|(i, &t)| {
                    let values: Vec<f64> = names
                        .iter()
                        .filter_map(|n| history.series[*n].get(i).copied().flatten())
                        .collect();
                    (!values.is_empty()).then(|| Some((at(t)?, values.iter().sum())))?
                })
                .collect()
        };
        self.history.cpu.prefill(column("cpu.usage"));
        self.history.temp.prefill(column("cpu.temp"));
        self.history.mem.prefill(column("mem.percent"));
        self.history.rx.prefill(summed("net.rx_bytes_per_sec@"));
        self.history.tx.prefill(summed("net.tx_bytes_per_sec@"));
        Refresh::GRAPHS
    }

    fn apply_system(&mut self, s: SystemSnapshot, now: Instant) -> Refresh {
        let mut r = Refresh::NONE;
        if self.platform != s.platform || self.user != s.user {
            self.platform = s.platform;
            self.user = s.user;
            r |= Refresh::PLATFORM;
        }
        r |= self.apply_hardware(
            crate::details::Hardware {
                disks: s.disks,
                disk_io: s.disk_io,
                sensors: s.sensors,
                gpus: s.gpus,
                battery: s.battery,
            },
            None,
        );
        r | self.apply_frame(
            StreamFrame {
                cpu: s.cpu,
                mem: s.mem,
                disk: s.disk,
                uptime: self.platform.uptime.clone(),
                processes: s.processes,
                swap: s.swap,
            },
            now,
        )
    }

    pub(crate) fn apply_frame(&mut self, f: StreamFrame, now: Instant) -> Refresh {
        let mut r = Refresh::GRAPHS;
        self.history.cpu.push(now, f.cpu.usage);
        if let Some(t) = f.cpu.temp {
            self.history.temp.push(now, t);
        }
        self.history.mem.push(now, f.mem.percent);
        self.history.swap.push(now, f.swap.percent);
        crate::history::push_each(
            &mut self.history.cores,
            now,
            f.cpu.cores.iter().map(|&c| Some(c)),
        );
        if self.platform.uptime != f.uptime {
            self.platform.uptime = f.uptime;
            r |= Refresh::PLATFORM;
        }
        if self.cpu.as_ref() != Some(&f.cpu) {
            self.cpu = Some(f.cpu);
            r |= Refresh::CPU;
        }
        if self.mem != f.mem || self.swap != f.swap {
            self.mem = f.mem;
            self.swap = f.swap;
            r |= Refresh::MEMORY;
        }
        if self.disk != f.disk {
            self.disk = f.disk;
            r |= Refresh::DISK;
        }
        if self.processes != f.processes {
            self.processes = f.processes;
            r |= Refresh::PROCESSES;
        }
        r
    }

    fn apply_network(&mut self, net: NetworkSnapshot, now: Instant) -> Refresh {
        let mut rates = BTreeMap::new();
        for (name, stats) in &net.statistics {
            let mut rate = Rates {
                rx: stats.rx_bytes_per_sec,
                tx: stats.tx_bytes_per_sec,
            };
            // An original PSMonitor server sends no rates: derive them from the counters.
            if rate == Rates::default()
                && let Some((then, prev)) = &self.last_network
                && let Some(old) = prev.statistics.get(name)
            {
                let secs = now.duration_since(*then).as_secs_f64();
                if secs > 0.0 {
                    rate.rx = ((stats.mb_received - old.mb_received) * MIB / secs).max(0.0);
                    rate.tx = ((stats.mb_sent - old.mb_sent) * MIB / secs).max(0.0);
                }
            }
            rates.insert(name.clone(), rate);
        }
        let total = |f: fn(&Rates) -> f64| {
            rates
                .iter()
                .filter(|(name, _)| name.as_str() != "lo")
                .map(|(_, r)| f(r))
                .sum::<f64>()
        };
        self.history.rx.push(now, total(|r| r.rx));
        self.history.tx.push(now, total(|r| r.tx));
        let h = &mut self.history.interfaces;
        h.retain(|name, _| rates.contains_key(name));
        for (name, r) in rates.iter().filter(|(name, _)| name.as_str() != "lo") {
            let (rx, tx) = h.entry(name.clone()).or_default();
            rx.push(now, r.rx);
            tx.push(now, r.tx);
        }
        let changed = self.network.as_ref() != Some(&net) || self.rates != rates;
        self.rates = rates;
        self.last_network = Some((now, net.clone()));
        self.network = Some(net);
        if changed {
            Refresh::NETWORK | Refresh::GRAPHS
        } else {
            Refresh::GRAPHS
        }
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
