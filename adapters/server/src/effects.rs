//! The slow effects the hub asks for, run off the I/O threads: argon2 verification on a small
//! fixed pool, and host sampling on one dedicated thread.

use std::thread;

use async_channel::{Receiver, Sender};
use psmonitor_collector::Sampler;
use psmonitor_core::auth::verify_password;
use psmonitor_core::hub::{Input, JobId, SampleRequest};
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
}

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
        thread::Builder::new()
            .name("psmonitor-sampler".into())
            .spawn(move || sampler_loop(sampler, requests, sample_hub))?;
        Ok(Self {
            observe,
            verify,
            sample,
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
        Self {
            observe,
            verify,
            sample,
        }
    }

    /// Asks the sampler thread for a host sample reading what `request` says.
    pub(crate) fn sample(&self, request: SampleRequest) {
        let _ = self.sample.try_send(request);
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
    mut sampler: Box<dyn Sampler>,
    requests: Receiver<SampleRequest>,
    hub: Sender<HubMsg>,
) {
    while let Ok(request) = requests.recv_blocking() {
        let reading = sampler.sample_for(request);
        if hub
            .send_blocking(HubMsg::input(Input::Sample(Box::new(reading))))
            .is_err()
        {
            return;
        }
    }
}
