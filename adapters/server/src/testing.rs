//! Support for tests that run a real server: the account a first run would create, made
//! deterministic so every suite (server, client, load generator, desktop app) sets it up alike.
//! Behind the `testing` feature, which only dev-dependencies enable: it never ships.

use std::path::Path;
use std::time::Duration;

use psmonitor_collector::FixtureSampler;
use psmonitor_core::auth::{Account, AccountEntropy, Argon2Params, Password, create_account};
use psmonitor_store::Store;

use crate::{ServerConfig, ServerHandle};

/// Creates the account with `password` in a new SQLite store under `dir`, from fixed entropy.
///
/// Panics on failure: it is meant for tests, where a broken setup should stop the test at once.
pub fn create_test_account(dir: &Path, password: &str, params: Argon2Params) -> Account {
    let entropy = AccountEntropy {
        user_id: [7; 16],
        password: [9; 32],
        salt: [3; 16],
        jwt_secret: [5; 32],
    };
    let created = create_account(&entropy, Some(Password::new(password.to_owned())), params)
        .expect("test account");
    let mut store = Store::open(dir).expect("test store");
    store
        .create_account(&created.account)
        .expect("store the test account");
    created.account
}

/// Settings for a test server: a free port on 127.0.0.1, a 200 ms interval, the database in `dir`.
pub fn test_config(dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::with_data_dir(dir.to_owned());
    config.port = 0;
    config.interval = Duration::from_millis(200);
    config
}

/// Starts a server on its own thread that replays the recorded host at `fixture`.
///
/// Panics if the fixture cannot be read or the server cannot start.
pub fn spawn_fixture(config: ServerConfig, account: Account, fixture: &Path) -> ServerHandle {
    let sampler = FixtureSampler::from_file(fixture).expect("fixture host");
    crate::spawn(config, account, Box::new(sampler)).expect("test server")
}
