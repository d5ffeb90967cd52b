//! The slow effects the hub asks for, run off the I/O threads: argon2 verification on a small
//! fixed pool, and host sampling on one dedicated thread.
//!
//! A sample that reads no processes (history's idle ticks: the host-level `/proc` files only,
//! tens of microseconds) is taken on the hub's own thread instead: handing it to the sampler
//! thread and back would cost two thread wakes a second for a server nobody watches. So is a
//! sample that scans processes while the last scan took at most [`QUICK_SCAN`] (a host with a
//! few dozen processes: a few hundred microseconds); a slower one goes to the sampler thread, so
//! the hub keeps answering meanwhile, and scans stay there until one is quick again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use psmonitor_collector::Sampler;
use psmonitor_core::auth::verify_password;
use psmonitor_core::hub::{Input, JobId, SampleRequest};
use psmonitor_core::model::HostReading;
use zeroize::Zeroizing;

use crate::driver::HubMsg;

/// Verifications handed to the pool at once; the hub keeps the rest waiting, in its own order.
const VERIFY_QUEUE: usize = 64;

/// A process scan that took at most this long lets the next one run on the hub's thread (the
/// hub waits that long at most, once a tick), saving the sampler thread's wake and the hub's
/// wake for the reading.
const QUICK_SCAN: Duration = Duration::from_millis(2);

/// Verifier threads: half the cores at most, so hashing never starves the threads that answer
/// requests.
pub(crate) fn verifier_threads() -> usize {
    (thread::available_parallelism().map_or(2, |n| n.get()) / 2).clamp(1, 4)
}

/// The verifier pool's queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the verifier pool is full")]
pub(crate) struct VerifierBusy;

struct VerifyJob {
    job: JobId,
    phc: String,
    password: Zeroizing<String>,
}

/// Handles to the verifier pool and the sampler thread.
pub(crate) struct Effects {
    /// History and API-token effects.
    pub(crate) observe: crate::observe::Observe,
    verify: Sender<VerifyJob>,
    sample: Sender<SampleRequest>,
    /// The sampler, shared with its thread; never used by both at once (the hub has at most
    /// one sample outstanding).
    sampler: Shared,
    /// Whether the last process scan was quick (see [`QUICK_SCAN`]): the next one runs on the
    /// hub's thread.
    quick: Arc<Quick>,
}

/// Whether the last process scan took at most a threshold.
#[derive(Debug)]
struct Quick {
    last: AtomicBool,
    threshold: Duration,
}

impl Quick {
    /// Takes a sample with `sampler`, noting whether a process scan was quick.
    fn sample(&self, sampler: &Shared, request: SampleRequest) -> HostReading {
        let mut sampler = sampler.lock().unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        let reading = sampler.sample_for(request);
        if request.processes {
            let quick = started.elapsed() <= self.threshold;
            self.last.store(quick, Ordering::Relaxed);
        }
        reading
    }
}

/// The sampler, shared by the sampler thread and the hub's thread.
type Shared = Arc<Mutex<Box<dyn Sampler>>>;

impl std::fmt::Debug for Effects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Effects")
    }
}

impl Effects {
    /// Starts the verifier threads and the sampler thread; results go to `hub`.
    pub(crate) fn start(
        sampler: Box<dyn Sampler>,
        hub: Sender<HubMsg>,
        observe: crate::observe::Observe,
    ) -> std::io::Result<Self> {
        Self::start_with(sampler, hub, observe, QUICK_SCAN)
    }

    /// [`Self::start`], with process scans of at most `quick` taken on the hub's thread.
    fn start_with(
        sampler: Box<dyn Sampler>,
        hub: Sender<HubMsg>,
        observe: crate::observe::Observe,
        quick: Duration,
    ) -> std::io::Result<Self> {
        let (verify, jobs) = async_channel::bounded::<VerifyJob>(VERIFY_QUEUE);
        for i in 0..verifier_threads() {
            let jobs = jobs.clone();
            let hub = hub.clone();
            thread::Builder::new()
                .name(format!("psmonitor-verify-{i}"))
                .spawn(move || verifier(jobs, hub))?;
        }
        // Requests coalesce: one pending sample request is enough.
        let (sample, requests) = async_channel::bounded::<SampleRequest>(1);
        let sample_hub = hub.clone();
        let sampler: Shared = Arc::new(Mutex::new(sampler));
        // The first scan fills the collector's caches: it goes to the sampler thread.
        let quick = Arc::new(Quick {
            last: AtomicBool::new(false),
            threshold: quick,
        });
        let (theirs, their_quick) = (sampler.clone(), quick.clone());
        thread::Builder::new()
            .name("psmonitor-sampler".into())
            .spawn(move || sampler_loop(&theirs, &their_quick, requests, sample_hub))?;
        Ok(Self {
            observe,
            verify,
            sample,
            sampler,
            quick,
        })
    }

    /// Queues a password verification; `Err` when the pool's queue is full (the driver then
    /// tells the hub at once, which answers the login 503).
    pub(crate) fn verify(
        &self,
        job: JobId,
        phc: String,
        password: Zeroizing<String>,
    ) -> Result<(), VerifierBusy> {
        self.verify
            .try_send(VerifyJob { job, phc, password })
            .map_err(|_| {
                tracing::warn!("verifier pool full; a login gets 503");
                VerifierBusy
            })
    }

    /// Effects with no threads and a verifier queue that is already full, for tests.
    #[cfg(test)]
    pub(crate) fn with_full_verifier(observe: crate::observe::Observe) -> Self {
        let (verify, jobs) = async_channel::bounded::<VerifyJob>(1);
        let queued = VerifyJob {
            job: JobId(0),
            phc: String::new(),
            password: Zeroizing::new(String::new()),
        };
        verify.try_send(queued).expect("an empty queue");
        std::mem::forget(jobs);
        let (sample, requests) = async_channel::bounded::<SampleRequest>(1);
        std::mem::forget(requests);
        let sampler: Box<dyn Sampler> = Box::new(NoHost);
        Self {
            observe,
            verify,
            sample,
            sampler: Arc::new(Mutex::new(sampler)),
            quick: Arc::new(Quick {
                last: AtomicBool::new(false),
                threshold: Duration::ZERO,
            }),
        }
    }

    /// Takes a host sample reading what `request` says: at once on this thread when it reads
    /// no processes or the last process scan was quick (the reading is returned), else on the
    /// sampler thread (its reading reaches the hub as an input; `None` here).
    pub(crate) fn sample(&self, request: SampleRequest) -> Option<Box<HostReading>> {
        if request.processes && !self.quick.last.load(Ordering::Relaxed) {
            let _ = self.sample.try_send(request);
            return None;
        }
        Some(Box::new(self.quick.sample(&self.sampler, request)))
    }
}

/// A sampler that reads nothing, for tests.
#[cfg(test)]
struct NoHost;

#[cfg(test)]
impl Sampler for NoHost {
    fn sample(&mut self) -> HostReading {
        HostReading::default()
    }
}

fn verifier(jobs: Receiver<VerifyJob>, hub: Sender<HubMsg>) {
    while let Ok(VerifyJob { job, phc, password }) = jobs.recv_blocking() {
        let ok = verify_password(&phc, &password);
        if hub
            .send_blocking(HubMsg::input(Input::PasswordVerified { job, ok }))
            .is_err()
        {
            return;
        }
    }
}

fn sampler_loop(
    sampler: &Shared,
    quick: &Quick,
    requests: Receiver<SampleRequest>,
    hub: Sender<HubMsg>,
) {
    while let Ok(request) = requests.recv_blocking() {
        let reading = quick.sample(sampler, request);
        if hub
            .send_blocking(HubMsg::input(Input::Sample(Box::new(reading))))
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_lite::FutureExt as _;

    use super::*;

    /// Names the thread each sample ran on (as the host name), taking `scan` for a process scan.
    struct Where {
        scan: Duration,
    }

    impl Sampler for Where {
        fn sample(&mut self) -> HostReading {
            self.sample_for(SampleRequest {
                processes: true,
                node: false,
            })
        }

        fn sample_for(&mut self, request: SampleRequest) -> HostReading {
            if request.processes {
                // Stands in for the scan's work; nothing waits on it.
                thread::sleep(self.scan);
            }
            HostReading {
                hostname: thread::current().name().unwrap_or_default().to_owned(),
                ..HostReading::default()
            }
        }
    }

    const SCAN: SampleRequest = SampleRequest {
        processes: true,
        node: false,
    };

    /// Effects around `Where`, with scans of at most `quick` on the caller's thread, and the
    /// hub's inbox.
    fn effects(scan: Duration, quick: Duration) -> (Effects, Receiver<HubMsg>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::testing::test_config(dir.path());
        let (hub_tx, hub_rx) = async_channel::bounded(8);
        let (touch, _touches) = std::sync::mpsc::channel();
        let observe = crate::observe::Observe::start(&config, touch, hub_tx.clone());
        let effects = Effects::start_with(Box::new(Where { scan }), hub_tx, observe, quick);
        (effects.unwrap(), hub_rx, dir)
    }

    /// The thread the sampler thread's next reading was taken on.
    fn from_sampler_thread(hub: &Receiver<HubMsg>) -> String {
        let msg = futures_lite::future::block_on(hub.recv().or(async {
            async_io::Timer::after(Duration::from_secs(10)).await;
            Err(async_channel::RecvError)
        }));
        match msg {
            Ok(HubMsg::Input(input)) => match *input {
                Input::Sample(reading) => reading.hostname,
                _ => panic!("not a sample"),
            },
            _ => panic!("no reading within 10 s"),
        }
    }

    #[test]
    fn quick_scans_run_on_the_hub_s_thread_after_the_first() {
        let (effects, hub, _dir) = effects(Duration::ZERO, Duration::from_secs(3600));
        let here = thread::current().name().unwrap_or_default().to_owned();
        // The first scan (it fills the caches) goes to the sampler thread.
        assert!(effects.sample(SCAN).is_none());
        assert_eq!(from_sampler_thread(&hub), "psmonitor-sampler");
        // It was quick: the next ones are taken here, returned at once, and nothing is sent.
        for _ in 0..3 {
            let reading = effects.sample(SCAN).expect("taken on this thread");
            assert_eq!(reading.hostname, here);
        }
        assert!(hub.is_empty());
    }

    #[test]
    fn slow_scans_stay_on_the_sampler_thread_and_host_level_samples_do_not() {
        let (effects, hub, _dir) = effects(Duration::from_millis(2), Duration::from_millis(1));
        let here = thread::current().name().unwrap_or_default().to_owned();
        for _ in 0..3 {
            assert!(
                effects.sample(SCAN).is_none(),
                "handed to the sampler thread"
            );
            assert_eq!(from_sampler_thread(&hub), "psmonitor-sampler");
        }
        let idle = effects.sample(SampleRequest::default()).expect("no scan");
        assert_eq!(idle.hostname, here);
        // A quick scan on the hub's thread that turns slow sends the next one back.
        effects.quick.last.store(true, Ordering::Relaxed);
        assert_eq!(effects.sample(SCAN).expect("here").hostname, here);
        assert!(effects.sample(SCAN).is_none());
        assert_eq!(from_sampler_thread(&hub), "psmonitor-sampler");
    }
}
