//! The `psmonitor` binary run as a user runs it, with no keyring and its own data dir.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{agent, host};

pub const BIN: &str = env!("CARGO_BIN_EXE_psmonitor");

/// A command with no keyring reachable and no PSMONITOR_* settings inherited.
pub fn psmonitor(dir: &Path) -> Command {
    isolated(Command::new(BIN), dir)
}

/// `cmd` with no keyring reachable, no PSMONITOR_* settings inherited, and its data in `dir`.
pub fn isolated(mut cmd: Command, dir: &Path) -> Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("PSMONITOR_") {
            cmd.env_remove(key);
        }
    }
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/psmonitor-test-bus",
    )
    .env("PSMONITOR_DATA_DIR", dir)
    .env("PSMONITOR_LOG_LEVEL", "warn");
    cmd
}

/// A running `psmonitor serve`, killed on drop.
pub struct Served {
    pub child: Child,
    pub addr: String,
    pub stdout: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on port 0 with a fixture and waits for `listening on`.
pub fn serve(dir: &Path, password: Option<&str>) -> Served {
    serve_cmd(psmonitor(dir), password)
}

/// Starts `cmd` (a `psmonitor` command, perhaps behind a wrapper) as `serve` on port 0 with a
/// fixture and waits for `listening on`.
pub fn serve_cmd(cmd: Command, password: Option<&str>) -> Served {
    start_serve(cmd, password).wait_listening()
}

/// A `psmonitor serve` started but not yet listening.
pub struct Starting {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `cmd` as `serve` on port 0 with a fixture, without waiting for it.
#[allow(
    clippy::zombie_processes,
    reason = "`Starting`, then `Served`, kill and wait for the child on drop"
)]
pub fn start_serve(mut cmd: Command, password: Option<&str>) -> Starting {
    cmd.args(["serve", "--port", "0", "--interval", "200ms", "--fixture"])
        .arg(host("vm-no-sensors"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(password) = password {
        cmd.env("PSMONITOR_PASSWORD", password);
    }
    let mut child = cmd.spawn().unwrap();
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Starting {
        child: Some(child),
        lines,
    }
}

impl Starting {
    /// Waits for `listening on`; panics if the server exits or stays silent for 30 s.
    pub fn wait_listening(mut self) -> Served {
        let mut stdout = Vec::new();
        loop {
            let line = match self.lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => line,
                Err(e) => {
                    let child = self.child.as_mut().unwrap();
                    let status = wait_with_timeout(child, Duration::from_secs(5));
                    panic!(
                        "server never said it listens ({e}; exit {status:?}); it printed {stdout:?}"
                    )
                }
            };
            if let Some(addr) = line.strip_prefix("listening on http://") {
                let addr = addr.to_owned();
                stdout.push(line);
                return Served {
                    child: self.child.take().unwrap(),
                    addr,
                    stdout,
                };
            }
            stdout.push(line);
        }
    }
}

pub fn login(addr: &str, password: &str) -> (u16, serde_json::Value) {
    let body = serde_json::json!({"username": "PSMonitor", "password": password});
    let mut res = agent()
        .post(format!("http://{addr}/authenticate"))
        .send_json(body)
        .unwrap();
    let status = res.status().as_u16();
    let json = res
        .body_mut()
        .read_json()
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

pub fn get_system(addr: &str, token: &str) -> u16 {
    agent()
        .get(format!("http://{addr}/system"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap()
        .status()
        .as_u16()
}

pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Runs `psmonitor credentials reset` on the data dir `dir`; the new password it printed.
pub fn credentials_reset(dir: &Path) -> String {
    let out = psmonitor(dir)
        .args(["credentials", "reset"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the password on stdout: {stdout}");
    lines[0].to_owned()
}

/// A `psmonitor serve` whose log (stderr, at info) arrives line by line; killed on drop.
pub struct LoggedServer {
    /// The server process.
    pub child: Child,
    /// `host:port` it listens on.
    pub addr: String,
    /// Its log lines, in order.
    pub log: mpsc::Receiver<String>,
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `psmonitor serve` with a 200 ms interval on the `vm-no-sensors` fixture, `password`, the
/// log at info, and `args`, in `dir`; returns once it says where it listens (http or https).
#[allow(
    clippy::zombie_processes,
    reason = "`LoggedServer` kills and waits for the child on drop"
)]
pub fn serve_logged(dir: &Path, password: &str, args: &[&str]) -> LoggedServer {
    let mut child = psmonitor(dir)
        .args(["serve", "--port", "0", "--interval", "200ms", "--fixture"])
        .arg(host("vm-no-sensors"))
        .args(args)
        .env("PSMONITOR_PASSWORD", password)
        .env("PSMONITOR_LOG_LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, log) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let out = child.stdout.take().unwrap();
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = out_tx.send(line);
        }
    });
    let addr = loop {
        let line = out_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server never said it listens");
        if let Some(rest) = line.strip_prefix("listening on ") {
            let rest = rest.split_once("://").unwrap().1;
            break rest.split(' ').next().unwrap().to_owned();
        }
    };
    LoggedServer { child, addr, log }
}

impl LoggedServer {
    /// Waits for a log line containing every one of `words` (other lines are echoed to the
    /// test's output); panics after 10 s.
    pub fn wait_log(&self, words: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if words.iter().all(|w| line.contains(w)) => return line,
                Ok(line) => eprintln!("server: {line}"),
                Err(e) => panic!("no log line with {words:?}: {e}"),
            }
        }
    }
}

/// A child process killed and reaped on drop.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `psmonitor serve` reading this host (`--collector procfs`, history off) on port 0 with
/// `interval` and `args`, in `dir`; returns it (killed on drop) and its `host:port`.
pub fn serve_live(dir: &Path, interval: &str, args: &[&str]) -> (Killed, String) {
    let mut child = psmonitor(dir)
        .args([
            "serve",
            "--port",
            "0",
            "--interval",
            interval,
            "--history",
            "off",
        ])
        .args(["--collector", "procfs"])
        .args(args)
        .env("PSMONITOR_PASSWORD", super::PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Killed(child);
    let addr = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on http://").map(str::to_owned))
        .expect("psmonitor serve never said it listens");
    (server, addr)
}
