//! The cold request: after 5 s without any client, `GET /network` is answered from a sample the
//! server took before the request (history on): the sampler is held shut while the request is
//! made, so no sample can be taken for it. `GET /system` shows processes, which an idle server
//! does not read (issue 23): it is answered from samples taken after the request, as with
//! `--history off`. Asserted on the order of samples and request, not on wall time: every sample
//! has its own uptime, and the answer's uptime names the sample it came from.

mod common;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{TestServer, host};
use psmonitor_collector::{FixtureSampler, Sampler};
use psmonitor_core::auth::Argon2Params;
use psmonitor_core::derive::uptime::uptime_text;
use psmonitor_core::model::HostReading;

/// When each sample (by its uptime) was taken.
type Log = Arc<Mutex<Vec<(u64, Instant)>>>;

/// Shut: `sample()` waits until it opens.
#[derive(Default)]
struct Gate(Mutex<bool>, Condvar);

impl Gate {
    fn set_shut(&self, shut: bool) {
        *self.0.lock().unwrap() = shut;
        self.1.notify_all();
    }
}

struct Logged(FixtureSampler, Log, Arc<Gate>);

impl Sampler for Logged {
    fn sample(&mut self) -> HostReading {
        let gate = &self.2;
        drop(
            gate.1
                .wait_while(gate.0.lock().unwrap(), |shut| *shut)
                .unwrap(),
        );
        let reading = self.0.sample();
        self.1
            .lock()
            .unwrap()
            .push((reading.uptime_secs, Instant::now()));
        reading
    }
}

/// Starts a server, idles 5 s, logs in, then asks `/network` with the sampler held shut (history
/// on) and `/system`: returns when the `/system` request was sent and when the sample it was
/// answered from was taken.
fn cold_request(history: bool) -> (Instant, Instant) {
    let log: Log = Arc::default();
    let gate: Arc<Gate> = Arc::default();
    let fixture = FixtureSampler::from_file(host("vm-no-sensors")).unwrap();
    let sampler = Logged(fixture, log.clone(), gate.clone());
    let server = TestServer::start_sampler(Box::new(sampler), Argon2Params::testing(), |c| {
        c.history = history;
        // A cached sample answers for three intervals: room for a slow machine.
        c.interval = Duration::from_secs(1);
    });
    let bearer = server.bearer();
    std::thread::sleep(Duration::from_secs(5));
    if history {
        // No sample may be taken for this request: the sampler is held shut.
        gate.set_shut(true);
        let reply = server.get("/network", Some(&bearer));
        gate.set_shut(false);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let sent = Instant::now();
    let reply = server.get("/system", Some(&bearer));
    assert_eq!(reply.status, 200);
    let uptime = reply.json()["platform"]["uptime"]
        .as_str()
        .unwrap()
        .to_owned();
    let taken = log
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(secs, _)| uptime_text(*secs) == uptime)
        .map(|(_, at)| *at)
        .unwrap_or_else(|| panic!("no sample has uptime {uptime}"));
    (sent, taken)
}

#[test]
fn after_five_idle_seconds_network_answers_at_once_and_system_reads_processes() {
    let (sent, taken) = cold_request(true);
    assert!(
        taken > sent,
        "history on: /system's processes are read for the request, not while idle"
    );
    let (sent, taken) = cold_request(false);
    assert!(
        taken > sent,
        "history off: the sample is taken for the request"
    );
}
