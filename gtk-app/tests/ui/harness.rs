//! The shared world of the scenarios and the helpers to wait for and read widgets.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use psmonitor_core::auth::Argon2Params;
use psmonitor_gtk::embedded::Options;
use psmonitor_gtk::gtk::{self, gio, glib, prelude::*};
use psmonitor_gtk::settings_store::Settings;
use psmonitor_gtk::ui::app::Controller;
use psmonitor_server::ServerHandle;

/// The password of every server in these tests.
pub const PASSWORD: &str = "correct horse battery staple";
/// The fixture host the embedded server replays.
pub const LOCAL_HOST: &str = "nvidia-laptop";
/// The fixture host the second ("remote") server replays.
pub const REMOTE_HOST: &str = "amd-k10temp";

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A golden snapshot as JSON.
pub fn golden(host: &str, file: &str) -> serde_json::Value {
    let path = fixtures().join("golden").join(host).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Where screenshots go: `target/screenshots/`.
pub fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The app under test and the servers around it.
pub struct World {
    /// The application.
    pub app: gtk::Application,
    /// The app's controller.
    pub controller: Rc<Controller>,
    /// The "remote" server.
    pub remote: Option<ServerHandle>,
    /// Its base URL.
    pub remote_url: String,
    /// The app's `known-servers.toml` (in a temp dir).
    pub known_servers: PathBuf,
    _dirs: Vec<tempfile::TempDir>,
}

/// A second server on 127.0.0.1 port 0 replaying `host`, with the test password.
pub fn remote_server(host: &str) -> (ServerHandle, tempfile::TempDir) {
    server_for(host, psmonitor_server::config::TlsMode::Off)
}

/// Like [`remote_server`], speaking TLS with a self-signed certificate in its data dir.
pub fn tls_remote_server(host: &str) -> (ServerHandle, tempfile::TempDir) {
    server_for(host, psmonitor_server::config::TlsMode::On)
}

fn server_for(
    host: &str,
    tls: psmonitor_server::config::TlsMode,
) -> (ServerHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let account = psmonitor_server::testing::create_test_account(
        dir.path(),
        PASSWORD,
        Argon2Params::testing(),
    );
    let mut cfg = psmonitor_server::testing::test_config(dir.path());
    cfg.interval = Duration::from_millis(250);
    cfg.tls = tls;
    let path = fixtures().join("hosts").join(format!("{host}.json"));
    let handle = psmonitor_server::testing::spawn_fixture(cfg, account, &path);
    (handle, dir)
}

impl World {
    /// Starts the app on the fixture host in a temp data dir, plus the remote server.
    pub fn start() -> World {
        let (level, lines) = psmonitor_gtk::logging::init("info").unwrap();
        let data = tempfile::tempdir().unwrap();
        let config_home = tempfile::tempdir().unwrap();
        let known_servers = config_home
            .path()
            .join("psmonitor")
            .join("known-servers.toml");
        let settings = Settings {
            port: 0,
            interval_ms: 250,
            ..Settings::default()
        };
        settings.save(data.path()).unwrap();
        let options = Options {
            data_dir: data.path().to_owned(),
            fixture: Some(fixtures().join("hosts").join(format!("{LOCAL_HOST}.json"))),
            password: Some(PASSWORD.to_owned()),
            known_servers: Some(known_servers.clone()),
            keyring: psmonitor_gtk::keyring_state::KeyringSource::for_run(true),
            local_processes: Some("/proc".into()),
        };
        let app = gtk::Application::new(
            Some("io.github.psmonitor.UiTest"),
            gio::ApplicationFlags::NON_UNIQUE,
        );
        app.register(gio::Cancellable::NONE).unwrap();
        let controller = Controller::start(&app, options, level, lines);
        let (remote, remote_dir) = remote_server(REMOTE_HOST);
        let remote_url = format!("http://{}", remote.addr());
        World {
            app,
            controller,
            remote: Some(remote),
            remote_url,
            known_servers,
            _dirs: vec![data, remote_dir, config_home],
        }
    }

    /// Stops the app's threads and the remote server.
    pub fn shutdown(mut self) {
        self.controller.shutdown();
        if let Some(r) = self.remote.take() {
            let _ = r.stop();
        }
        let _ = &self.app;
    }
}

/// Runs the main loop until `cond` holds or `timeout` passes; says what it waited for if not.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> bool,
) -> Result<(), String> {
    let ctx = glib::MainContext::default();
    let deadline = Instant::now() + timeout;
    loop {
        while ctx.iteration(false) {}
        if cond() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Lets the main loop run for `time` (for redraws; never a condition).
pub fn pump(time: Duration) {
    let _ = wait_until("nothing", time, || false);
}

/// The descendant of `root` named `name`.
pub fn find(root: &impl IsA<gtk::Widget>, name: &str) -> Option<gtk::Widget> {
    let root = root.as_ref();
    if root.widget_name() == name {
        return Some(root.clone());
    }
    let mut child = root.first_child();
    while let Some(c) = child {
        if let Some(found) = find(&c, name) {
            return Some(found);
        }
        child = c.next_sibling();
    }
    None
}

/// The text of the label named `name` under `root` (empty if missing).
pub fn text(root: &impl IsA<gtk::Widget>, name: &str) -> String {
    find(root, name)
        .and_then(|w| w.downcast::<gtk::Label>().ok())
        .map(|l| l.text().to_string())
        .unwrap_or_default()
}

/// Renders `widget` as it is on screen into a texture.
pub fn render(widget: &impl IsA<gtk::Widget>) -> Result<gtk::gdk::Texture, String> {
    let widget = widget.as_ref();
    let (w, h) = (widget.width(), widget.height());
    if w == 0 || h == 0 {
        return Err(format!("{} has no size", widget.widget_name()));
    }
    let paintable = gtk::WidgetPaintable::new(Some(widget));
    // A widget waiting for its allocation (just after a resize) snapshots to nothing: let the
    // main loop lay it out and try again.
    let mut node = None;
    for _ in 0..40 {
        let snapshot = gtk::Snapshot::new();
        paintable.snapshot(&snapshot, f64::from(w), f64::from(h));
        node = snapshot.to_node();
        if node.is_some() {
            break;
        }
        pump(Duration::from_millis(50));
    }
    let node = node.ok_or("empty snapshot")?;
    let renderer = widget
        .native()
        .and_then(|n| n.renderer())
        .ok_or("widget has no renderer")?;
    Ok(renderer.render_texture(&node, None))
}

/// The texture's pixels as (r, g, b, a) bytes.
pub fn pixels(texture: &gtk::gdk::Texture) -> Vec<[u8; 4]> {
    let (w, h) = (texture.width() as usize, texture.height() as usize);
    let mut data = vec![0u8; w * h * 4];
    texture.download(&mut data, w * 4);
    // GDK_MEMORY_DEFAULT: B8G8R8A8 premultiplied on little-endian machines.
    data.chunks_exact(4)
        .map(|p| [p[2], p[1], p[0], p[3]])
        .collect()
}

/// Presses `accel` (e.g. `Escape`, `Delete`) on `widget` through its shortcut controllers: runs
/// the action a key press there would run. False when no shortcut of `widget` has that key.
pub fn press_key(widget: &impl IsA<gtk::Widget>, accel: &str) -> bool {
    let widget = widget.as_ref();
    let controllers = widget.observe_controllers();
    for i in 0..controllers.n_items() {
        let Some(c) = controllers
            .item(i)
            .and_then(|o| o.downcast::<gtk::ShortcutController>().ok())
        else {
            continue;
        };
        for j in 0..c.n_items() {
            let Some(s) = c.item(j).and_then(|o| o.downcast::<gtk::Shortcut>().ok()) else {
                continue;
            };
            let matches = s
                .trigger()
                .is_some_and(|t| t.to_str().split('|').any(|k| k == accel));
            if matches && let Some(action) = s.action() {
                return action.activate(gtk::ShortcutActionFlags::empty(), widget, None);
            }
        }
    }
    false
}
