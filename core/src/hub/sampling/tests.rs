//! The sampler's rules, driven by a fake clock.

use super::*;

const I: Duration = Duration::from_secs(1);

#[allow(clippy::disallowed_methods)]
fn base() -> Instant {
    Instant::now()
}

fn reading(uptime: u64) -> Box<HostReading> {
    Box::new(HostReading {
        uptime_secs: uptime,
        ..HostReading::default()
    })
}

#[test]
fn idle_sampler_never_asks() {
    let t0 = base();
    let mut s = Sampler::new(I, false);
    assert_eq!(s.poll_timeout(t0, false), None);
    assert!(s.handle_timeout(t0 + 100 * I, false).is_none());
}

#[test]
fn streaming_takes_a_baseline_then_paces_one_per_interval() {
    let t0 = base();
    let mut s = Sampler::new(I, false);
    assert_eq!(s.poll_timeout(t0, true), Some(t0));
    assert!(s.handle_timeout(t0, true).is_some());
    // Only one outstanding.
    assert!(s.handle_timeout(t0, true).is_none());
    assert_eq!(s.poll_timeout(t0, true), Some(t0 + 5 * I));
    assert!(s.handle_sample(t0, reading(1)).is_none());
    assert_eq!(s.poll_timeout(t0, true), Some(t0 + I));
    assert!(s.handle_timeout(t0 + I / 2, true).is_none());
    assert!(s.handle_timeout(t0 + I, true).is_some());
    let (answered, _) = s.handle_sample(t0 + I, reading(2)).unwrap();
    assert!(answered.is_empty());
    assert!(s.frames(false).unwrap().0.contains('2'));
    assert_eq!(s.poll_timeout(t0 + I, true), Some(t0 + 2 * I));
    // A late wake keeps the schedule.
    assert!(s.handle_timeout(t0 + 2 * I + I / 4, true).is_some());
    assert_eq!(s.last_request, Some(t0 + 2 * I));
}

#[test]
fn queued_requests_share_one_sample_and_stale_baselines_are_retaken() {
    let t0 = base();
    let mut s = Sampler::new(I, false);
    s.queue(ReqId(1), Resource::System);
    assert!(s.handle_timeout(t0, false).is_some());
    s.queue(ReqId(2), Resource::Network);
    assert!(s.handle_timeout(t0, false).is_none());
    assert!(s.handle_sample(t0, reading(1)).is_none());
    assert!(s.handle_timeout(t0 + I, false).is_some());
    let (answered, _) = s.handle_sample(t0 + I, reading(2)).unwrap();
    assert_eq!(
        answered,
        vec![(ReqId(1), Resource::System), (ReqId(2), Resource::Network)]
    );
    assert!(s.fresh(t0 + I + I / 2, Resource::System));
    assert!(!s.fresh(t0 + 2 * I, Resource::System));
    // Nobody waits: no follow-up sampling.
    assert_eq!(s.poll_timeout(t0 + 2 * I, false), None);
    // Three intervals later the old reading is no baseline.
    s.queue(ReqId(3), Resource::System);
    assert!(s.handle_timeout(t0 + 4 * I, false).is_some());
    assert!(s.handle_sample(t0 + 4 * I, reading(5)).is_none());
    assert_eq!(s.poll_timeout(t0 + 4 * I, false), Some(t0 + 5 * I));
}

#[test]
fn bodies_are_encoded_on_first_use_byte_for_byte_as_before() {
    let t0 = base();
    let mut s = Sampler::new(I, true);
    let (prev, cur) = (reading(1), reading(2));
    let expected = Derived::new(&prev, &cur, I).encode_with_detail(&cur);
    assert!(s.handle_sample(t0, prev).is_none());
    assert!(s.handle_sample(t0 + I, cur).is_some());
    // An idle tick (history on, nobody asking) encodes nothing.
    assert_eq!(s.latest().unwrap().encoded(), [false; 4]);
    let (frame, detail) = s.frames(false).unwrap();
    assert_eq!((frame, detail), (expected.frame.clone(), None));
    assert_eq!(s.latest().unwrap().encoded(), [false, false, true, false]);
    assert_eq!(
        s.fresh_body(t0 + I, Resource::Network),
        Some(expected.network)
    );
    assert_eq!(s.latest().unwrap().encoded(), [false, true, true, false]);
    let (_, detail) = s.frames(true).unwrap();
    let detail = detail.expect("asked for");
    assert_eq!(Some(detail.clone()), expected.detail);
    assert!(detail.contains("\"procs\":"));
    // The system body needs processes, which these readings did not read.
    assert_eq!(s.fresh_body(t0 + I, Resource::System), None);
    assert_eq!(
        s.latest().unwrap().body(Resource::System),
        Some(expected.system)
    );
    // Encoded once: a second ask shares the same allocation.
    let again = s.frames(false).unwrap().0;
    assert!(Arc::ptr_eq(&again, &s.frames(false).unwrap().0));
}

#[test]
fn a_lost_sample_request_is_retried() {
    let t0 = base();
    let mut s = Sampler::new(I, false);
    assert!(s.handle_timeout(t0, true).is_some());
    assert!(s.handle_timeout(t0 + 4 * I, true).is_none());
    assert!(s.handle_timeout(t0 + 5 * I, true).is_some());
    // Nobody wants samples any more: a lost request is not chased.
    assert_eq!(s.poll_timeout(t0 + 5 * I, false), None);
}

#[test]
fn idle_continuous_sampling_reads_host_figures_only() {
    let t0 = base();
    let mut s = Sampler::new(I, true);
    for k in 0..5 {
        let now = t0 + k * I;
        assert_eq!(s.poll_timeout(now, true), Some(now));
        let asked = s.handle_timeout(now, true).expect("a tick is due");
        assert!(!asked.processes, "tick {k} read processes for nobody");
        let _ = s.handle_sample(now, reading(u64::from(k)));
    }
    // A subscriber needs them from the next tick on, and only while it stays.
    s.viewers = true;
    assert!(s.handle_timeout(t0 + 5 * I, true).unwrap().processes);
    let (_, shown) = s.handle_sample(t0 + 5 * I, reading(5)).unwrap();
    assert!(
        !shown,
        "its baseline read no processes: no per-process CPU yet"
    );
    assert!(s.handle_timeout(t0 + 6 * I, true).unwrap().processes);
    let (_, shown) = s.handle_sample(t0 + 6 * I, reading(6)).unwrap();
    assert!(shown);
    s.viewers = false;
    assert!(!s.handle_timeout(t0 + 7 * I, true).unwrap().processes);
}

#[test]
fn metrics_waits_for_the_node_sources_then_they_linger() {
    let t0 = base();
    let mut s = Sampler::new(I, true);
    s.viewers = true;
    let metrics = Resource::Metrics(MetricsFormat::Text);
    // Nobody scraped: samples skip the node_exporter-only sources.
    assert!(!s.handle_timeout(t0, true).unwrap().node);
    assert!(s.handle_sample(t0, reading(0)).is_none());
    assert!(!s.handle_timeout(t0 + I, true).unwrap().node);
    assert!(s.handle_sample(t0 + I, reading(1)).is_some());
    // A scrape finds a snapshot without them: it waits, and a sample with them is due now.
    let at = t0 + I + I / 4;
    assert!(!s.fresh(at, metrics));
    s.queue(ReqId(1), metrics);
    assert_eq!(s.poll_timeout(at, true), Some(at));
    let asked = s.handle_timeout(at, true).unwrap();
    assert!(asked.node && asked.processes);
    let (answered, _) = s.handle_sample(at, reading(2)).unwrap();
    assert_eq!(answered, vec![(ReqId(1), metrics)]);
    assert!(s.fresh(at, metrics), "the next scrape is answered at once");
    // They are read for NODE_LINGER after the last scrape, then no more.
    let mut now = at;
    while now + I < at + NODE_LINGER {
        now += I;
        assert!(s.handle_timeout(now, true).unwrap().node, "{now:?}");
        let _ = s.handle_sample(now, reading(3));
    }
    now += I;
    assert!(!s.handle_timeout(now, true).unwrap().node);
    let _ = s.handle_sample(now, reading(4));
    assert!(!s.fresh(now, metrics), "the sources are stale again");
}

#[test]
fn a_request_showing_processes_waits_for_them_then_they_linger() {
    let t0 = base();
    let mut s = Sampler::new(I, true);
    assert!(s.handle_timeout(t0, true).is_some());
    assert!(s.handle_sample(t0, reading(0)).is_none());
    assert!(s.handle_timeout(t0 + I, true).is_some());
    assert!(s.handle_sample(t0 + I, reading(1)).is_some());
    // `/network` shows no processes: answered from the host-only snapshot at once.
    let at = t0 + I + I / 4;
    assert!(s.fresh(at, Resource::Network));
    assert!(!s.sample_request(at).processes);
    // `/system` does: it waits, and a sample with processes is due at once.
    assert!(!s.fresh(at, Resource::System));
    s.queue(ReqId(1), Resource::System);
    assert_eq!(s.poll_timeout(at, true), Some(at));
    assert!(s.handle_timeout(at, true).unwrap().processes);
    let (answered, shown) = s.handle_sample(at, reading(2)).unwrap();
    assert!(answered.is_empty() && !shown, "no per-process CPU yet");
    // One interval later the second reading with processes answers it.
    assert_eq!(s.poll_timeout(at, true), Some(at + I));
    assert!(s.handle_timeout(at + I, true).unwrap().processes);
    let (answered, shown) = s.handle_sample(at + I, reading(3)).unwrap();
    assert_eq!(answered, vec![(ReqId(1), Resource::System)]);
    assert!(shown);
    // `/metrics` also needs the node_exporter-only sources, which nobody asked for yet.
    assert!(!s.fresh(at + I, Resource::Metrics(MetricsFormat::Text)));
    // Processes are read for PROCESS_LINGER after the last request that showed them.
    let last = at + I;
    let mut now = last;
    while now + I < last + PROCESS_LINGER {
        now += I;
        assert!(s.handle_timeout(now, true).unwrap().processes, "{now:?}");
        let _ = s.handle_sample(now, reading(4));
    }
    now += I;
    assert!(!s.handle_timeout(now, true).unwrap().processes);
}

#[test]
fn on_demand_samples_read_processes_so_requests_made_together_share_them() {
    let t0 = base();
    let mut s = Sampler::new(I, false);
    s.queue(ReqId(1), Resource::Network);
    assert!(s.handle_timeout(t0, false).unwrap().processes);
    assert!(s.handle_sample(t0, reading(1)).is_none());
    s.queue(ReqId(2), Resource::System);
    assert!(s.handle_timeout(t0 + I, false).unwrap().processes);
    let (answered, shown) = s.handle_sample(t0 + I, reading(2)).unwrap();
    assert!(shown);
    assert_eq!(
        answered,
        vec![(ReqId(1), Resource::Network), (ReqId(2), Resource::System)]
    );
}
