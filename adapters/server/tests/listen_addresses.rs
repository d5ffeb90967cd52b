//! One server on several addresses (what a `--address` host name with several addresses gives):
//! `listen::bind_all` binds each on one port, `serve_all` answers on every one of them, with one
//! hub (a login on one address gives a token the other accepts).

mod common;

use std::net::IpAddr;

use common::{PASSWORD, agent, config, host, make_account};
use psmonitor_collector::FixtureSampler;
use psmonitor_server::listen::bind_all;

#[test]
fn every_address_is_listened_on_with_one_port_and_one_hub() {
    let dir = tempfile::tempdir().unwrap();
    let account = make_account(dir.path());
    let mut cfg = config(dir.path());
    cfg.port = 0;
    let second: IpAddr = "127.0.0.2".parse().unwrap();
    cfg.also_listen = vec![second];
    assert!(!cfg.tls_enabled(), "every address is loopback: plain HTTP");
    let listeners = bind_all(&cfg).unwrap();
    let addrs: Vec<_> = listeners.iter().map(|l| l.local_addr().unwrap()).collect();
    assert_eq!(addrs.len(), 2, "{addrs:?}");
    assert_eq!(addrs[0].ip(), cfg.address);
    assert_eq!(addrs[1].ip(), second);
    assert_eq!(addrs[0].port(), addrs[1].port());

    let sampler = Box::new(FixtureSampler::from_file(host("vm-no-sensors")).unwrap());
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let server = std::thread::spawn(move || {
        let stop = async move {
            let _ = stopped.recv().await;
        };
        futures_lite::future::block_on(psmonitor_server::serve_all(
            listeners, &cfg, account, sampler, None, stop,
        ))
    });
    let http = agent();
    let body = serde_json::json!({"username": "PSMonitor", "password": PASSWORD});
    let mut res = http
        .post(format!("http://{}/authenticate", addrs[0]))
        .send_json(&body)
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let json: serde_json::Value = res.body_mut().read_json().unwrap();
    let token = json["token"].as_str().unwrap();
    let status = http
        .get(format!("http://{}/system", addrs[1]))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 200);
    stop.try_send(()).unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn tls_auto_is_on_when_any_address_reaches_other_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.tls = psmonitor_server::config::TlsMode::Auto;
    cfg.also_listen = vec!["::1".parse().unwrap()];
    assert!(!cfg.tls_enabled());
    cfg.also_listen.push("192.0.2.1".parse().unwrap());
    assert!(cfg.tls_enabled());
}
