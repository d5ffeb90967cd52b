//! Shared by the load generator's tests: a real in-process server replaying a fixture host.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use psmonitor_core::auth::Argon2Params;
use psmonitor_server::ServerHandle;

/// The password of the test account.
pub const PASSWORD: &str = "correct horse battery staple";
/// The servers' stream interval.
pub const INTERVAL: Duration = Duration::from_millis(200);

/// A server on 127.0.0.1 port 0 replaying `vm-no-sensors`, with a real SQLite file in a temp
/// dir (returned, so it lives as long as the server).
pub fn fixture_server() -> (ServerHandle, tempfile::TempDir) {
    fixture_server_with(|_| {})
}

/// [`fixture_server`] with the settings changed by `tweak`.
pub fn fixture_server_with(
    tweak: impl FnOnce(&mut psmonitor_server::ServerConfig),
) -> (ServerHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let account = psmonitor_server::testing::create_test_account(
        dir.path(),
        PASSWORD,
        Argon2Params::testing(),
    );
    let mut cfg = psmonitor_server::testing::test_config(dir.path());
    cfg.interval = INTERVAL;
    tweak(&mut cfg);
    let host =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hosts/vm-no-sensors.json");
    let server = psmonitor_server::testing::spawn_fixture(cfg, account, &host);
    (server, dir)
}
