//! `/metrics` and the read routes behind API tokens, on a fake clock.

use super::*;

#[test]
fn metrics_need_a_token_unless_public_and_follow_accept() {
    let t0 = base();
    let mut h = hub(t0, true, false);
    let (mut now, mut n) = (0, 0);
    run_until(&mut h, t0, &mut now, 2 * SEC, &mut n);
    let out = respond_now(&mut h, at(t0, now), 1, get("/metrics", None, None, None));
    assert_eq!(answer_of(&out).status, 401);
    let metrics = new_token(&[7; 32]);
    h.handle_input(
        at(t0, now),
        Input::TokensChanged(vec![ApiToken {
            name: "prom".into(),
            scope: TokenScope::Metrics,
            hash: metrics.hash,
        }]),
    );
    let out = answered(
        &mut h,
        t0,
        &mut now,
        &mut n,
        2,
        get("/metrics", None, Some(&metrics.secret), None),
    );
    let r = answer_of(&out);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("\nnode_load1 0.5\n"), "{}", r.body);
    assert_eq!(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::TokenUsed { name, .. } if name == "prom")),
        "first use is recorded"
    );
    let open = "application/openmetrics-text;version=1.0.0,text/plain;q=0.5";
    let out = respond_now(
        &mut h,
        at(t0, now),
        3,
        get("/metrics", None, Some(&metrics.secret), Some(open)),
    );
    assert!(answer_of(&out).body.ends_with("# EOF\n"));
    assert!(
        !out.iter().any(|o| matches!(o, Output::TokenUsed { .. })),
        "once a minute"
    );
    // A metrics token is refused on read routes with 403; unknown tokens with 401.
    for path in ["/system", "/network", "/history", "/history/series"] {
        let out = respond_now(
            &mut h,
            at(t0, now),
            4,
            get(path, Some("series=cpu.usage"), Some(&metrics.secret), None),
        );
        let r = answer_of(&out);
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(
            &*r.body,
            r#"{"error":"token scope does not allow this route"}"#
        );
    }
    let out = respond_now(
        &mut h,
        at(t0, now),
        5,
        get("/metrics", None, Some("psm_nope"), None),
    );
    assert_eq!(answer_of(&out).status, 401);
    assert_eq!(&*answer_of(&out).body, r#"{"error":"invalid api token"}"#);
    // Revoked: gone from the next TokensChanged.
    h.handle_input(at(t0, now), Input::TokensChanged(Vec::new()));
    let out = respond_now(
        &mut h,
        at(t0, now),
        6,
        get("/metrics", None, Some(&metrics.secret), None),
    );
    assert_eq!(answer_of(&out).status, 401);
    let mut public = hub(t0, true, true);
    let (mut now, mut n) = (0, 0);
    run_until(&mut public, t0, &mut now, 2 * SEC, &mut n);
    let out = answered(
        &mut public,
        t0,
        &mut now,
        &mut n,
        1,
        get("/metrics", None, None, None),
    );
    assert_eq!(answer_of(&out).status, 200);
}

#[test]
fn a_read_token_opens_read_routes_and_workers() {
    let t0 = base();
    let mut h = hub(t0, true, false);
    let (mut now, mut n) = (0, 0);
    run_until(&mut h, t0, &mut now, 2 * SEC, &mut n);
    let read = new_token(&[8; 32]);
    h.handle_input(
        at(t0, now),
        Input::TokensChanged(vec![ApiToken {
            name: "script".into(),
            scope: TokenScope::Read,
            hash: read.hash,
        }]),
    );
    for path in ["/system", "/network", "/metrics"] {
        let out = answered(
            &mut h,
            t0,
            &mut now,
            &mut n,
            1,
            get(path, None, Some(&read.secret), None),
        );
        assert_eq!(answer_of(&out).status, 200, "{path}");
    }
    let mut worker = get("/worker", None, Some(&read.secret), None);
    worker.method = "POST".into();
    let out = respond_now(&mut h, at(t0, now), 2, worker);
    let body: serde_json::Value = serde_json::from_str(&answer_of(&out).body).unwrap();
    let subscriber = format!("subscriber={}", h.account().user_id);
    assert!(
        body["url"].as_str().unwrap().ends_with(&subscriber),
        "{body}"
    );
}
