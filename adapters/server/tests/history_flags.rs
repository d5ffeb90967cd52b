//! Bad history settings are refused before anything starts, with what to write instead.

use std::process::Command;

fn serve(dir: &std::path::Path, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_psmonitor"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PSMONITOR_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_history_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = serve(dir.path(), &["--history", "maybe"]);
    assert!(err.contains("possible values: on, off"), "{err}");
    let err = serve(dir.path(), &["--history-raw", "0s"]);
    assert!(
        err.contains("history-raw must be greater than zero"),
        "{err}"
    );
    let err = serve(dir.path(), &["--history-rollup", "soon"]);
    assert!(err.contains("--history-rollup"), "{err}");
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "history = \"sometimes\"\n").unwrap();
    let err = serve(dir.path(), &["--config", config.to_str().unwrap()]);
    assert!(
        err.contains("invalid history \"sometimes\": write on or off"),
        "{err}"
    );
    assert!(!dir.path().join("history.db").exists());
}
