//! The slow effects the hub asks for, run off the I/O threads: argon2 verification on a small
//! fixed pool, and host sampling on one dedicated thread.
//!
//! A sample that reads no processes (history's idle ticks: the host-level `/proc` files only,
//! tens of microseconds) is taken on the hub's own thread instead: handing it to the sampler
//! thread and back would cost two thread wakes a second for a server nobody watches. A sample
//! that scans processes still goes to the sampler thread, so the hub keeps answering meanwhile.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use async_channel::{Receiver, Sender};
use psmonitor_collector::Sampler;
use psmonitor_core::auth::verify_password;
use psmonitor_core::hub::{Input, JobId, SampleRequest};
use psmonitor_core::model::HostReading;
use zeroize::Zeroizing;

use crate::driver::HubMsg;

/// Verifications handed to the pool at once; the hub keeps the rest waiting, in its own order.
const VERIFY_QUEUE: usize = 64;

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
        let theirs = sampler.clone();
        thread::Builder::new()
            .name("psmonitor-sampler".into())
            .spawn(move || sampler_loop(&theirs, requests, sample_hub))?;
        Ok(Self {
            observe,
            verify,
            sample,
            sampler,
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
        }
    }

    /// Takes a host sample reading what `request` says: at once on this thread when it reads
    /// no processes (the reading is returned), else on the sampler thread (its reading reaches
    /// the hub as an input; `None` here).
    pub(crate) fn sample(&self, request: SampleRequest) -> Option<Box<HostReading>> {
        if request.processes {
            let _ = self.sample.try_send(request);
            return None;
        }
        let mut sampler = self.sampler.lock().unwrap_or_else(PoisonError::into_inner);
        Some(Box::new(sampler.sample_for(request)))
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

fn sampler_loop(sampler: &Shared, requests: Receiver<SampleRequest>, hub: Sender<HubMsg>) {
    while let Ok(request) = requests.recv_blocking() {
        let reading = sampler
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sample_for(request);
        if hub
            .send_blocking(HubMsg::input(Input::Sample(Box::new(reading))))
            .is_err()
        {
            return;
        }
    }
}
