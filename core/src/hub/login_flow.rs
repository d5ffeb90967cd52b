//! `POST /authenticate` from arrival to answer: the limiter, a verification slot or a place in
//! the queue (see `logins.rs`), the password check the adapter runs, and the deadline.
//!
//! Every login is answered within `HubConfig::login_deadline` of its arrival: 200 or 401 when its
//! password was checked, 429 from the limiter, and otherwise 503 with `Retry-After` (the queue
//! had no room for it, it was displaced by a better login, or its deadline came first). A
//! verification still running at the deadline keeps its slot until its result comes back (its
//! outcome still counts for the limiter), or until [`LOST_VERIFICATION`] if it never does.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::http::{error, error_with, ok_json};
use super::logins::{Login, Offer, Rank, rank};
use super::{HttpRequest, HttpResponse, Hub, JobId, Output, ReqId};
use crate::auth::issue_token;

/// A verification whose result never came back frees its slot after this long.
pub(super) const LOST_VERIFICATION: Duration = Duration::from_secs(30);

/// 503 for a login whose password was not checked: the queue was full or its deadline came.
pub(super) fn busy() -> HttpResponse {
    error_with(
        503,
        "server busy verifying other logins: try again shortly",
        vec![("Retry-After", "1".to_owned())],
    )
}

impl Hub {
    pub(super) fn authenticate(
        &mut self,
        req: ReqId,
        request: &HttpRequest,
    ) -> Option<HttpResponse> {
        if let Err(refused) = super::origins::check_login(request, &self.config.cors_origins) {
            return Some(refused);
        }
        let (username, password) = match super::http::parse_login(&request.body) {
            Ok(parsed) => parsed,
            Err(err) => return Some(error(400, &err.to_string())),
        };
        let priority = self.trusted.contains(request.peer)
            || self.credential_is_valid(request.authorization.as_deref());
        let login = Login {
            req,
            peer: request.peer,
            // An unknown user is verified against the real hash too, so both cost the same.
            known_user: username == self.account.username,
            arrived: self.now.mono,
            started: self.now.mono,
            priority,
            answered: false,
        };
        let must_wait = self.verifying() >= self.config.verify_slots;
        if must_wait {
            self.login_queue.fit(
                self.config.verify_slots,
                self.verify_cost.average(),
                self.config.login_deadline,
            );
            let rank = rank_of(&self.limiter, &login);
            if !self
                .login_queue
                .has_room_for(rank, |l| rank_of(&self.limiter, l))
            {
                return Some(busy());
            }
        }
        if let Err(retry) = self.limiter.begin(request.peer, self.now.mono) {
            self.stats.logins_limited += 1;
            return Some(error_with(
                429,
                "too many failed login attempts",
                vec![("Retry-After", retry.header_secs().to_string())],
            ));
        }
        self.next_job += 1;
        let job = JobId(self.next_job);
        if !must_wait {
            self.start_verification(job, login, password);
        } else if let Offer::Displaced(worse) = self
            .login_queue
            .push(job, login, password, |l| rank_of(&self.limiter, l))
        {
            self.limiter.cancel(worse.login.peer, self.now.mono);
            self.respond(worse.login.req, busy());
        }
        None
    }

    /// Verifications holding a slot: running, or answered at their deadline but not yet back.
    fn verifying(&self) -> usize {
        self.logins.len()
    }

    fn start_verification(&mut self, job: JobId, mut login: Login, password: Zeroizing<String>) {
        // From now on the login's age counts its verification: `arrived` stays for the deadline.
        login.started = self.now.mono;
        self.logins.insert(job, login);
        self.out.push_back(Output::VerifyPassword {
            job,
            phc: self.account.password_hash.clone(),
            password,
        });
    }

    /// Starts waiting logins while verification slots are free.
    fn start_waiting_logins(&mut self) {
        while self.verifying() < self.config.verify_slots {
            let limiter = &self.limiter;
            let Some(next) = self.login_queue.pop(|l| rank_of(limiter, l)) else {
                return;
            };
            self.start_verification(next.job, next.login, next.password);
        }
    }

    pub(super) fn handle_unverified(&mut self, job: JobId) {
        if let Some(login) = self.logins.remove(&job) {
            self.limiter.cancel(login.peer, self.now.mono);
            if !login.answered {
                self.respond(login.req, busy());
            }
        }
        self.start_waiting_logins();
    }

    pub(super) fn handle_verified(&mut self, job: JobId, ok: bool) {
        let Some(login) = self.logins.remove(&job) else {
            return;
        };
        self.verify_cost
            .record(self.now.mono.saturating_duration_since(login.started));
        self.start_waiting_logins();
        let success = ok && login.known_user;
        self.limiter.finish(login.peer, self.now.mono, success);
        if success {
            self.trusted.insert(login.peer);
        }
        if login.answered {
            // Answered 503 at its deadline; the outcome only counts for the limiter.
            return;
        }
        if !success {
            self.stats.logins_failed += 1;
            self.respond(login.req, error(401, "invalid username or password"));
            return;
        }
        self.stats.logins_ok += 1;
        let response = match issue_token(&self.account, self.now.wall, self.config.token_ttl) {
            Ok(token) => {
                let body = serde_json::json!({
                    "token": token.as_str(),
                    "user_id": self.account.user_id,
                });
                ok_json(&body)
            }
            Err(_) => error(500, "could not issue a token"),
        };
        self.respond(login.req, response);
    }

    /// Answers 503 to every login whose deadline has come, and frees the slots of verifications
    /// that never came back.
    pub(super) fn expire_logins(&mut self) {
        let now = self.now.mono;
        let Some(cutoff) = now.checked_sub(self.config.login_deadline) else {
            return;
        };
        let queue_due = self
            .login_queue
            .earliest_arrival()
            .is_some_and(|t| t <= cutoff);
        for late in queue_due
            .then(|| self.login_queue.expire(cutoff))
            .into_iter()
            .flatten()
        {
            self.limiter.cancel(late.login.peer, now);
            self.respond(late.login.req, busy());
        }
        let mut lost = Vec::new();
        let mut due = Vec::new();
        for (&job, login) in &mut self.logins {
            if now.saturating_duration_since(login.started) >= LOST_VERIFICATION {
                lost.push(job);
            } else if !login.answered && login.arrived <= cutoff {
                login.answered = true;
                due.push(login.req);
            }
        }
        for req in due {
            self.respond(req, busy());
        }
        for job in lost {
            if let Some(login) = self.logins.remove(&job) {
                self.limiter.cancel(login.peer, now);
                if !login.answered {
                    self.respond(login.req, busy());
                }
            }
        }
        self.start_waiting_logins();
    }

    /// The next login deadline: a waiting or verifying login to answer, or a lost verification
    /// to give up on.
    pub(super) fn login_timeout(&self) -> Option<Instant> {
        let deadline = self.config.login_deadline;
        let waiting = self.login_queue.earliest_arrival().map(|t| t + deadline);
        let verifying = self.logins.values().map(|l| {
            if l.answered {
                l.started + LOST_VERIFICATION
            } else {
                (l.arrived + deadline).min(l.started + LOST_VERIFICATION)
            }
        });
        waiting.into_iter().chain(verifying).min()
    }
}

/// The rank of a waiting login, from the limiter's failures now.
fn rank_of(limiter: &crate::limiter::LoginLimiter, login: &Login) -> Rank {
    rank(login.priority, limiter.failures(login.peer))
}
