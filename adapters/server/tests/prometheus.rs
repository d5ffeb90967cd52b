//! `/metrics` against the real Prometheus tools: `promtool check metrics` accepts the body, and a
//! real Prometheus server (127.0.0.1, temporary storage, 1 s scrapes, bearer token from a file)
//! scrapes the server: `up{job="psmonitor"} == 1` and a `node_load1` sample. Both come with the
//! Debian package `prometheus`. `.ci/run` installs it and sets `PSMONITOR_REQUIRE_PROMETHEUS=1`,
//! so in CI a missing tool fails the test; elsewhere (a fresh machine running `cargo test`) these
//! tests say they are skipped and why.

mod common;

use common::binary::Killed;

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestServer;
use psmonitor_core::auth::api_token::{ApiToken, TokenScope, new_token};
use psmonitor_store::Store;

/// node_exporter spells `/proc/meminfo` fields in camelCase (`node_memory_MemTotal_bytes`,
/// `node_memory_HugePages_Total`); promtool lints them, and node_exporter's own output gets the
/// same lint. Any other complaint fails the test.
fn inherited_lint(line: &str) -> bool {
    line.strip_prefix("node_memory_").is_some_and(|rest| {
        rest.split_once(' ').is_some_and(|(_, complaint)| {
            complaint == "metric names should be written in 'snake_case' not 'camelCase'"
        })
    })
}

/// The tool, or `None` (the test is skipped) when it is not installed and not required.
fn tool(name: &str) -> Option<Command> {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    let required = std::env::var("PSMONITOR_REQUIRE_PROMETHEUS").is_ok_and(|v| v == "1");
    let missing = format!(
        "{name} is not installed: install the Debian package `prometheus` (apt-get install prometheus), as .ci/run does"
    );
    if !found && required {
        panic!("{missing}");
    }
    if !found {
        eprintln!("skipped: {missing}");
        return None;
    }
    Some(Command::new(name))
}

/// A metrics token stored in the server's database; its text.
fn metrics_token(server: &TestServer) -> String {
    let made = new_token(&[42; 32]);
    let mut store = Store::open(server.dir.path()).unwrap();
    store
        .create_token(
            &ApiToken {
                name: "prometheus".into(),
                scope: TokenScope::Metrics,
                hash: made.hash,
            },
            0,
        )
        .unwrap();
    made.secret.to_string()
}

fn wait_metrics(server: &TestServer, bearer: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = server.get("/metrics", Some(bearer));
        if reply.status == 200 {
            return reply.body;
        }
        assert!(
            Instant::now() < deadline,
            "/metrics: {} {}",
            reply.status,
            reply.body
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn promtool_accepts_the_metrics_of_every_fixture_host() {
    for host in ["desktop-intel-wifi", "no-swap-many-disks", "real-debian-vm"] {
        let server = TestServer::start_with(host, |c| c.metrics_public = true);
        let body = wait_metrics(&server, "Bearer none");
        let Some(mut promtool) = tool("promtool") else {
            return;
        };
        let mut child = promtool
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for line in said.lines() {
            let inherited = inherited_lint(line);
            assert!(inherited, "{host}: promtool: {line}\n{body}");
        }
        assert!(!said.contains("error"), "{host}: {said}");
        // OpenMetrics by Accept, ending in `# EOF`.
        let open = server
            .http
            .get(server.url("/metrics"))
            .header(
                "Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
            )
            .call()
            .unwrap();
        let content_type = open
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("application/openmetrics-text; version=1.0.0"),
            "{content_type}"
        );
        let text = open.into_body().read_to_string().unwrap();
        assert!(text.ends_with("# EOF\n"), "{host}");
    }
}

fn query(http: &ureq::Agent, port: u16, promql: &str) -> Option<serde_json::Value> {
    let mut reply = http
        .get(format!("http://127.0.0.1:{port}/api/v1/query"))
        .query("query", promql)
        .call()
        .ok()?;
    let body: serde_json::Value = reply.body_mut().read_json().ok()?;
    let result = body["data"]["result"].as_array()?.first()?.clone();
    Some(result)
}

#[test]
fn a_real_prometheus_scrapes_the_server_with_a_bearer_token_from_a_file() {
    let server = TestServer::start("real-debian-vm");
    let token = metrics_token(&server);
    let bearer = format!("Bearer {token}");
    wait_metrics(&server, &bearer);
    let work = tempfile::tempdir().unwrap();
    let token_file = work.path().join("psmonitor.token");
    std::fs::write(&token_file, &token).unwrap();
    let config = work.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: psmonitor\n    scrape_interval: 1s\n    authorization:\n      type: Bearer\n      credentials_file: {}\n    static_configs:\n      - targets: ['{}']\n",
            token_file.display(),
            server.addr
        ),
    )
    .unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(mut prometheus) = tool("prometheus") else {
        return;
    };
    let prometheus = prometheus
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            work.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _prometheus = Killed(prometheus);
    let http = common::agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (up, load) = loop {
        let up = query(&http, port, "up{job=\"psmonitor\"}");
        let load = query(&http, port, "node_load1{job=\"psmonitor\"}");
        if let (Some(up), Some(load)) = (&up, &load)
            && up["value"][1] == "1"
        {
            break (up.clone(), load.clone());
        }
        assert!(
            Instant::now() < deadline,
            "prometheus never scraped the server: up = {up:?}, node_load1 = {load:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(up["metric"]["instance"], server.addr.to_string());
    let value: f64 = load["value"][1].as_str().unwrap().parse().unwrap();
    assert!(value >= 0.0, "{load}");
    check_grafana_dashboard(&http, port, &server.addr.to_string());
}

/// Every query of `contrib/grafana/psmonitor-dashboard.json` parses and, except temperatures
/// (this fixture host has no sensor), returns data from the scraped server.
fn check_grafana_dashboard(http: &ureq::Agent, port: u16, instance: &str) {
    let path = common::fixtures().join("../contrib/grafana/psmonitor-dashboard.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // Rates need two scrapes inside the window.
    std::thread::sleep(Duration::from_secs(3));
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"]
                .as_str()
                .unwrap()
                .replace("$job", "psmonitor")
                .replace("$instance", instance)
                .replace("$__rate_interval", "10s");
            let mut reply = http
                .get(format!("http://127.0.0.1:{port}/api/v1/query"))
                .query("query", &expr)
                .call()
                .unwrap();
            let body: serde_json::Value = reply.body_mut().read_json().unwrap();
            assert_eq!(body["status"], "success", "{expr}: {body}");
            let empty = body["data"]["result"].as_array().is_none_or(Vec::is_empty);
            let title = panel["title"].as_str().unwrap();
            // This host has no swap: a panel must show 0, never 0/0.
            for result in body["data"]["result"].as_array().into_iter().flatten() {
                assert_ne!(
                    result["value"][1], "NaN",
                    "{title}: {expr} gives NaN: {result}"
                );
            }
            assert!(
                !empty || title == "Temperatures",
                "{title}: {expr} has no data"
            );
        }
    }
}

/// `contrib/prometheus/alerts.yml` passes `promtool check rules`, and its unit tests
/// (`alerts.test.yml`: every rule firing in one case and quiet in another) pass.
#[test]
fn the_alert_rules_pass_their_promtool_unit_tests() {
    let dir = common::fixtures().join("../contrib/prometheus");
    let Some(mut check) = tool("promtool") else {
        return;
    };
    let out = check
        .args(["check", "rules", "alerts.yml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = Command::new("promtool")
        .args(["test", "rules", "alerts.test.yml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("SUCCESS"), "{said}");
}

#[test]
fn the_example_scrape_config_is_valid() {
    let work = tempfile::tempdir().unwrap();
    let example = common::fixtures().join("../contrib/prometheus/prometheus.yml");
    let text = std::fs::read_to_string(example).unwrap();
    let token = work.path().join("psmonitor.token");
    std::fs::write(&token, "psm_x").unwrap();
    // The rule file it names sits next to it.
    std::fs::copy(
        common::fixtures().join("../contrib/prometheus/alerts.yml"),
        work.path().join("alerts.yml"),
    )
    .unwrap();
    let config = work.path().join("prometheus.yml");
    std::fs::write(
        &config,
        text.replace("/etc/prometheus/psmonitor.token", token.to_str().unwrap()),
    )
    .unwrap();
    let Some(mut promtool) = tool("promtool") else {
        return;
    };
    let out = promtool
        .arg("check")
        .arg("config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
