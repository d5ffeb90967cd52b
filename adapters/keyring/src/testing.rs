//! A private Secret Service for tests (feature `testing`, for dev-dependencies only): its own
//! D-Bus session bus (no service activation, so a stopped daemon stays stopped) and a real
//! `gnome-keyring-daemon` on it, in a temporary home. Point a process at it with
//! `DBUS_SESSION_BUS_ADDRESS` ([`PrivateBus::address`]); nothing here touches the keyring or the
//! bus of whoever runs the tests.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable that, set to `1` (CI), where the tools below are installed: a missing one fails the test.
pub const REQUIRE: &str = "PSMONITOR_REQUIRE_KEYRING";
/// The password of the test's login keyring.
const KEYRING_PASSWORD: &str = "psmonitor-test-keyring";
/// How long the daemon gets to take its name on the bus.
const STARTUP: Duration = Duration::from_secs(20);

/// Says loudly that a test cannot run here; fails it instead when [`REQUIRE`] is set.
pub fn missing(tool: &str, why: &str) {
    if std::env::var_os(REQUIRE).is_some_and(|v| v == "1") {
        panic!("{REQUIRE}=1 but {tool} cannot run: {why}");
    }
    // Straight to stderr, past the test harness's capture: a skip must show in a passing run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {tool} cannot run ({why}); install dbus and gnome-keyring, or set {REQUIRE}=1 to make this a failure"
    );
}

/// A session bus of our own, with nothing on it.
#[derive(Debug)]
pub struct PrivateBus {
    dir: tempfile::TempDir,
    bus: Child,
    /// The address to put in `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
}

impl PrivateBus {
    /// Starts `dbus-daemon` with a config that allows everything and activates nothing;
    /// `Err` names why when it cannot run here.
    pub fn start() -> Result<PrivateBus, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let config = dir.path().join("bus.conf");
        let socket = dir.path().join("bus");
        std::fs::write(&config, bus_config(&socket)).map_err(|e| e.to_string())?;
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound => "dbus-daemon is not installed".to_owned(),
                _ => format!("cannot start dbus-daemon: {e}"),
            })?;
        let mut line = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let address = line.trim().to_owned();
        if !address.starts_with("unix:") {
            let _ = bus.kill();
            return Err(format!("dbus-daemon printed no address: {address:?}"));
        }
        Ok(PrivateBus { dir, bus, address })
    }

    /// The bus's temporary directory (the keyring's home lives under it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

/// A real GNOME Keyring serving the Secret Service on a [`PrivateBus`].
#[derive(Debug)]
pub struct SecretService {
    daemon: Option<Child>,
    home: PathBuf,
    /// Its bus; dropped after the daemon.
    pub bus: PrivateBus,
}

impl SecretService {
    /// Starts the bus and the daemon with its login keyring unlocked; `Err` names why it cannot.
    pub fn start() -> Result<SecretService, String> {
        let bus = PrivateBus::start()?;
        let home = bus.dir().join("home");
        let mut service = SecretService {
            daemon: None,
            home,
            bus,
        };
        service.start_daemon(true)?;
        Ok(service)
    }

    /// Starts the daemon again over the same keyring files; `unlock: false` leaves them locked,
    /// as after a login that did not unlock the keyring.
    pub fn restart(&mut self, unlock: bool) -> Result<(), String> {
        self.kill();
        self.start_daemon(unlock)
    }

    fn start_daemon(&mut self, unlock: bool) -> Result<(), String> {
        let mut cmd = Command::new("gnome-keyring-daemon");
        cmd.args(["--foreground", "--components=secrets"]);
        if unlock {
            cmd.arg("--unlock");
        }
        let runtime = self.home.join("run");
        std::fs::create_dir_all(&runtime).map_err(|e| e.to_string())?;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| e.to_string())?;
        cmd.env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            // No display: an unlock prompt fails at once instead of waiting for a person.
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut daemon = cmd.spawn().map_err(|e| match e.kind() {
            ErrorKind::NotFound => "gnome-keyring-daemon is not installed".to_owned(),
            _ => format!("cannot start gnome-keyring-daemon: {e}"),
        })?;
        let mut stdin = daemon.stdin.take().unwrap();
        if unlock {
            stdin
                .write_all(KEYRING_PASSWORD.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        drop(stdin);
        self.daemon = Some(daemon);
        self.wait_for_name()
    }

    /// Waits until the daemon owns `org.freedesktop.secrets` on the bus.
    fn wait_for_name(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let out = Command::new("dbus-send")
                .arg(format!("--bus={}", self.bus.address))
                .args([
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .map_err(|e| format!("cannot run dbus-send: {e}"))?;
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return Ok(());
            }
            if let Some(status) = self.daemon.as_mut().and_then(|d| d.try_wait().ok()?) {
                return Err(format!("gnome-keyring-daemon exited: {status}"));
            }
            if started.elapsed() > STARTUP {
                return Err("gnome-keyring-daemon did not take its bus name".to_owned());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.daemon.as_ref().expect("daemon running").id()
    }

    /// Kills the daemon and reaps it: the service is gone (nothing on the bus starts it again).
    pub fn kill(&mut self) {
        if let Some(mut daemon) = self.daemon.take() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        self.kill();
    }
}
