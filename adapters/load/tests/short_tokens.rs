//! Tokens that live 2 s: the shared session is renewed by the token's own lifetime (the
//! client's `login`), so no request of a 4 s run is refused and no subscriber is lost.

use std::time::Duration;

use psmonitor_load::{LoadOptions, run};
use zeroize::Zeroizing;

mod common;

use common::{INTERVAL, PASSWORD};

#[test]
fn a_short_token_lifetime_costs_no_request() {
    let (server, _dir) = common::fixture_server_with(|cfg| cfg.token_ttl = Duration::from_secs(2));
    let opts = LoadOptions {
        server: format!("http://{}", server.addr()),
        user: "PSMonitor".into(),
        password: Zeroizing::new(PASSWORD.into()),
        subscribers: 3,
        duration: Duration::from_secs(4),
        server_pid: None,
        http_rate: 20,
        login_rate: 0,
        interval: INTERVAL,
        trust: Default::default(),
    };
    let report = run(&opts).unwrap();
    server.stop().unwrap();
    println!("{report}");
    assert_eq!(report.subscribers_connected, 3, "{report}");
    assert_eq!(report.subscribers_dropped, 0, "{report}");
    let system = report.system.as_ref().unwrap();
    assert!(system.ok > 0, "{report}");
    assert_eq!(system.errors, 0, "{report}");
}
