//! `/history` over real HTTP on a real SQLite file: points survive a restart, bad inputs get 400,
//! a garbage history file is moved aside while live data is still served, `--history off` is 404.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, TestServer, agent, host};
use psmonitor_collector::FixtureSampler;

/// Polls `check` every 100 ms for up to `limit`; panics with `what` when it never holds.
fn eventually<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn filled(server: &TestServer, bearer: &str, query: &str) -> Vec<(i64, f64)> {
    let reply = server.get(&format!("/history?{query}"), Some(bearer));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let times = body["times"].as_array().unwrap().clone();
    let values = body["series"]["cpu.usage"].as_array().unwrap().clone();
    assert_eq!(times.len(), values.len());
    times
        .iter()
        .zip(values)
        .filter_map(|(t, v)| Some((t.as_i64()?, v.as_f64()?)))
        .collect()
}

#[test]
fn points_come_back_after_a_restart() {
    let mut server = TestServer::start("vm-no-sensors");
    let bearer = server.bearer();
    let before = eventually(Duration::from_secs(10), "history points", || {
        let series = server.get("/history/series", Some(&bearer)).json();
        let names = series["series"].as_array()?.clone();
        assert!(names.iter().all(|n| n.is_string()));
        names.iter().any(|n| n == "cpu.usage").then_some(())?;
        let points = filled(&server, &bearer, "series=cpu.usage,mem.percent");
        (points.len() >= 2).then_some(points)
    });
    // Stopping flushes the batch; a new server on the same directory reads it back.
    server.stop();
    let sampler = FixtureSampler::from_file(host("vm-no-sensors")).unwrap();
    let cfg = common::config(server.dir.path());
    let handle = psmonitor_server::spawn(cfg, server.account.clone(), Box::new(sampler)).unwrap();
    server.addr = handle.addr();
    server.handle = Some(handle);
    server.http = agent();
    let bearer = server.bearer();
    let after = filled(&server, &bearer, "series=cpu.usage");
    for point in &before {
        assert!(
            after.contains(point),
            "{point:?} lost in the restart: {after:?}"
        );
    }
    let _ = PASSWORD;
}

#[test]
fn bad_history_queries_get_400_with_the_reason() {
    let server = TestServer::start("vm-no-sensors");
    let bearer = server.bearer();
    let cases = [
        ("series=nope.metric", "unknown series \"nope.metric\""),
        (
            "series=cpu.usage&since=200&until=100",
            "since must not be after until",
        ),
        ("series=cpu.usage&step=0", "step must be at least 1 second"),
        (
            "series=cpu.usage&step=abc",
            "step must be a whole, non-negative number of seconds",
        ),
        (
            "series=cpu.usage&since=-10",
            "since must be a whole, non-negative number of seconds",
        ),
        (
            "series=cpu.usage&until=1.5",
            "until must be a whole, non-negative number of seconds",
        ),
        (
            "series=cpu.usage&since=0&until=99999999999",
            "range too long: at most 400 days",
        ),
        ("since=0", "series is required"),
    ];
    for (query, message) in cases {
        let reply = server.get(&format!("/history?{query}"), Some(&bearer));
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        let error = reply.json()["error"].as_str().unwrap().to_owned();
        assert!(error.starts_with(message), "{query}: {error}");
    }
    // A well-formed name never recorded (this VM has no temperature sensor) is unknown too.
    eventually(Duration::from_secs(10), "a first history sample", || {
        let s = server.get("/history/series", Some(&bearer)).json();
        (!s["series"].as_array()?.is_empty()).then_some(())
    });
    let reply = server.get("/history?series=cpu.temp", Some(&bearer));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("unknown series \\\"cpu.temp\\\""),
        "{}",
        reply.body
    );
    assert_eq!(server.get("/history?series=cpu.usage", None).status, 401);
}

#[test]
fn a_garbage_history_file_is_moved_aside_and_live_data_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let account = common::make_account(dir.path());
    std::fs::write(
        dir.path().join("history.db"),
        b"garbage, not sqlite".repeat(300),
    )
    .unwrap();
    let sampler = FixtureSampler::from_file(host("vm-no-sensors")).unwrap();
    let handle =
        psmonitor_server::spawn(common::config(dir.path()), account, Box::new(sampler)).unwrap();
    let http = agent();
    let url = format!("http://{}", handle.addr());
    let body = serde_json::json!({"username": "PSMonitor", "password": PASSWORD}).to_string();
    let login: serde_json::Value = http
        .post(format!("{url}/authenticate"))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let bearer = format!("Bearer {}", login["token"].as_str().unwrap());
    let system = http
        .get(format!("{url}/system"))
        .header("Authorization", &bearer)
        .call()
        .unwrap();
    assert_eq!(system.status(), 200);
    let moved: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("history.db.corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    eventually(Duration::from_secs(10), "history in the new file", || {
        let mut reply = http
            .get(format!("{url}/history/series"))
            .header("Authorization", &bearer)
            .call()
            .ok()?;
        let s: serde_json::Value = reply.body_mut().read_json().ok()?;
        s["series"]
            .as_array()?
            .iter()
            .any(|n| n == "cpu.usage")
            .then_some(())
    });
    handle.stop().unwrap();
}

#[test]
fn history_off_answers_404_and_creates_no_file() {
    let server = TestServer::start_with("vm-no-sensors", |c| c.history = false);
    let bearer = server.bearer();
    let reply = server.get("/history?series=cpu.usage", Some(&bearer));
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json()["error"],
        "history is off on this server (--history off)"
    );
    assert!(!server.dir.path().join("history.db").exists());
    assert_eq!(server.get("/system", Some(&bearer)).status, 200);
}
