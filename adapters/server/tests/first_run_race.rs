//! Two `psmonitor serve` processes and the desktop app's account path (the function its embedded
//! server calls) starting together on one fresh data dir all come up, with one account: the
//! database holds one user, both servers take the same password, and only whoever created the
//! account shows the password.

mod common;

use common::binary::{Served, login, psmonitor, start_serve};
use psmonitor_core::auth::Argon2Params;
use psmonitor_keyring::Keyring;
use psmonitor_server::account::{AccountSetup, load_or_create};
use psmonitor_store::Store;

const CREATED: &str = "Created the PSMonitor account";

/// The password line `serve` printed, if it created the account.
fn printed_password(served: &Served) -> Option<String> {
    let created = served.stdout.iter().any(|l| l.starts_with(CREATED));
    let passwords: Vec<&str> = served
        .stdout
        .iter()
        .filter_map(|l| l.trim().strip_prefix("password: "))
        .collect();
    assert_eq!(
        passwords.len(),
        usize::from(created),
        "a password is printed exactly when the account was created here: {:?}",
        served.stdout
    );
    passwords.first().map(|p| (*p).to_owned())
}

fn race_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fresh"); // not even the directory exists yet
    let a = start_serve(psmonitor(&dir), None);
    let b = start_serve(psmonitor(&dir), None);
    // The desktop app's path, meanwhile, from this process (as its embedded server does).
    let desktop = {
        let mut store = Store::open(&dir).expect("open the store while the servers start");
        load_or_create(&mut store, &Keyring::mock(), Argon2Params::default(), None)
            .expect("the desktop app's account path")
    };
    let (a, b) = (a.wait_listening(), b.wait_listening());

    let mut creators = Vec::new();
    if let Some(password) = printed_password(&a) {
        creators.push(password);
    }
    if let Some(password) = printed_password(&b) {
        creators.push(password);
    }
    if let AccountSetup::Created { password, .. } = &desktop {
        creators.push(password.expose().to_owned());
    }
    assert_eq!(
        creators.len(),
        1,
        "exactly one of the three created the account; serve A printed {:?}, serve B {:?}",
        a.stdout,
        b.stdout
    );
    let password = &creators[0];

    // One row: `account()` refuses a database with more than one user.
    let stored = Store::open(&dir).unwrap().account().unwrap().unwrap();
    assert_eq!(stored.user_id, desktop.account().user_id);
    assert_eq!(stored.username, "PSMonitor");
    for served in [&a, &b] {
        let (status, body) = login(&served.addr, password);
        assert_eq!(status, 200, "{} refused the password: {body}", served.addr);
        let (status, _) = login(&served.addr, "not the password");
        assert_eq!(status, 401);
    }
}

#[test]
fn two_servers_and_the_desktop_app_on_a_fresh_data_dir_make_one_account() {
    // Who wins changes from run to run; a few rounds let different ones win.
    for _ in 0..3 {
        race_once();
    }
}
