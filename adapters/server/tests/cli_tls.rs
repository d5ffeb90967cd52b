//! `psmonitor get/watch` against a TLS front (psmonitor-tls' server configuration in a
//! TLS-terminating forwarder before a real server): pinning, --ca-file, exit code 4 and its
//! messages, known-servers.toml, and `psmonitor tls fingerprint`.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use common::{PASSWORD, TestServer};
use psmonitor_tls::testing::{TestCa, spawn_forwarder};
use psmonitor_tls::{CertSource, Fingerprint, KnownServers, ServerTls, self_signed_names};

/// A plain server, a TLS forwarder before it, and a config home for known-servers.toml.
struct Front {
    _server: TestServer,
    tls: Arc<ServerTls>,
    url: String,
    config_home: tempfile::TempDir,
}

impl Front {
    fn self_signed() -> Self {
        let server = TestServer::start("vm-no-sensors");
        let source = CertSource::SelfSigned {
            data_dir: server.dir.path().to_owned(),
            names: self_signed_names(&[server.addr.ip()]),
        };
        Self::with(server, source)
    }

    fn with(server: TestServer, source: CertSource) -> Self {
        let tls = Arc::new(ServerTls::load(source).unwrap());
        let addr = spawn_forwarder(tls.clone(), server.addr);
        Self {
            _server: server,
            tls,
            url: format!("https://localhost:{}", addr.port()),
            config_home: tempfile::tempdir().unwrap(),
        }
    }

    fn known_servers(&self) -> std::path::PathBuf {
        self.config_home
            .path()
            .join("psmonitor")
            .join("known-servers.toml")
    }

    /// Runs the binary against this front with a clean client environment.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psmonitor"));
        cmd.args(args)
            .args(["--server", &self.url])
            .env_remove("PSMONITOR_SERVER")
            .env_remove("PSMONITOR_FINGERPRINT")
            .env("PSMONITOR_PASSWORD", PASSWORD)
            .env("XDG_CONFIG_HOME", self.config_home.path())
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/psmonitor-test-bus",
            )
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn get_system(front: &Front, extra: &[&str]) -> Output {
    let mut args = vec!["get", "system", "--json"];
    args.extend_from_slice(extra);
    front.run(&args, &[])
}

#[test]
fn an_untrusted_certificate_exits_4_with_the_flag_to_pass() {
    let front = Front::self_signed();
    let out = get_system(&front, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let fp = front.tls.fingerprint().to_string();
    let err = stderr(&out);
    assert!(err.contains(&format!("--fingerprint {fp}")), "{err}");
    assert!(err.contains("not trusted"), "{err}");
    assert!(!front.known_servers().exists());
}

#[test]
fn a_pin_connects_is_remembered_and_used_without_the_flag() {
    let front = Front::self_signed();
    let fp = front.tls.fingerprint();
    // Lower case without colons is accepted too.
    let typed = fp.to_string().replace(':', "").to_ascii_lowercase();
    let out = get_system(&front, &["--fingerprint", &typed]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"platform\""));

    let known = KnownServers::load(&front.known_servers()).unwrap();
    let port = front.url.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(known.get(&KnownServers::key("localhost", port)), Some(fp));

    // The next run needs no flag, for get and for watch (over wss).
    let out = get_system(&front, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = front.run(&["watch", "--json", "--count", "2"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

#[test]
fn the_fingerprint_can_come_from_the_environment() {
    let front = Front::self_signed();
    let fp = front.tls.fingerprint().to_string();
    let out = front.run(
        &["get", "network", "--json"],
        &[("PSMONITOR_FINGERPRINT", &fp)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_wrong_or_changed_pin_exits_4_with_a_warning() {
    let front = Front::self_signed();
    let actual = front.tls.fingerprint().to_string();
    let wrong = Fingerprint::of(b"another certificate").to_string();
    let out = get_system(&front, &["--fingerprint", &wrong]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("CHANGED"), "{err}");
    assert!(err.contains(&wrong) && err.contains(&actual), "{err}");
    assert!(
        !front.known_servers().exists(),
        "a refused pin is not remembered"
    );

    // A remembered fingerprint that no longer matches: same refusal, naming the file to edit.
    let port = front.url.rsplit(':').next().unwrap().parse().unwrap();
    let mut known = KnownServers::load(&front.known_servers()).unwrap();
    known.insert(
        &KnownServers::key("localhost", port),
        wrong.parse().unwrap(),
    );
    known.save().unwrap();
    for args in [
        &["get", "system", "--json"][..],
        &["watch", "--json", "--count", "1"][..],
    ] {
        let out = front.run(args, &[]);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("CHANGED"), "{err}");
        assert!(err.contains("known-servers.toml"), "{err}");
        assert!(err.contains(&format!("\"localhost:{port}\"")), "{err}");
    }
}

#[test]
fn a_ca_file_vouches_for_its_certificates_and_nothing_else() {
    let server = TestServer::start("vm-no-sensors");
    let ca = TestCa::new();
    let dir = server.dir.path().to_owned();
    let write = |name: &str, pair: (String, String)| {
        let (cert, key) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&cert, pair.0).unwrap();
        std::fs::write(&key, pair.1).unwrap();
        CertSource::Files { cert, key }
    };
    let source = write("server", ca.leaf(&["localhost"], (2020, 2090)));
    let front = Front::with(server, source);
    let ca_file = front.config_home.path().join("ca.pem");
    ca.write(&ca_file);
    let ca_arg = ca_file.to_str().unwrap();

    let out = get_system(&front, &["--ca-file", ca_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing is remembered without --fingerprint.
    assert!(!front.known_servers().exists());
    // Without the CA file the system store does not know the test CA.
    let out = get_system(&front, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // An unreadable CA file is a usage error, not a trust decision.
    let out = get_system(&front, &["--ca-file", "/nonexistent/ca.pem"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/ca.pem"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_expired_certificate_exits_4() {
    let server = TestServer::start("vm-no-sensors");
    let ca = TestCa::new();
    let dir = server.dir.path().to_owned();
    let pair = ca.leaf(&["localhost"], (2001, 2002));
    let (cert, key) = (dir.join("old.crt"), dir.join("old.key"));
    std::fs::write(&cert, pair.0).unwrap();
    std::fs::write(&key, pair.1).unwrap();
    let front = Front::with(server, CertSource::Files { cert, key });
    let ca_file = front.config_home.path().join("ca.pem");
    ca.write(&ca_file);
    let out = get_system(&front, &["--ca-file", ca_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
}

#[test]
fn a_bad_fingerprint_is_a_usage_error() {
    let front = Front::self_signed();
    let out = get_system(&front, &["--fingerprint", "AB:CD"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("64 hex digits"), "{}", stderr(&out));
}

#[test]
fn tls_fingerprint_prints_the_self_signed_or_the_given_certificate() {
    let front = Front::self_signed();
    let data_dir = front._server.dir.path();
    let out = tls_fingerprint(data_dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", front.tls.fingerprint())
    );
    let empty = tempfile::tempdir().unwrap();
    let out = tls_fingerprint(empty.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no certificate"), "{}", stderr(&out));

    // --tls-cert: the operator's certificate instead (the first of its chain).
    let ca = TestCa::new();
    let (chain, key) = ca.leaf(&["localhost"], (2020, 2090));
    let cert = empty.path().join("chain.pem");
    std::fs::write(&cert, &chain).unwrap();
    let tls = ServerTls::load(CertSource::Files {
        cert: cert.clone(),
        key: {
            let path = empty.path().join("key.pem");
            std::fs::write(&path, key).unwrap();
            path
        },
    })
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_psmonitor"))
        .args(["tls", "fingerprint", "--tls-cert"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", tls.fingerprint())
    );
}

#[test]
fn a_certificate_for_another_name_exits_4_unless_pinned() {
    let server = TestServer::start("vm-no-sensors");
    let ca = TestCa::new();
    let dir = server.dir.path().to_owned();
    let (chain, key) = ca.leaf(&["other.example"], (2020, 2090));
    let (cert_path, key_path) = (dir.join("other.crt"), dir.join("other.key"));
    std::fs::write(&cert_path, chain).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let front = Front::with(
        server,
        CertSource::Files {
            cert: cert_path,
            key: key_path,
        },
    );
    let ca_file = front.config_home.path().join("ca.pem");
    ca.write(&ca_file);
    let ca_arg = ca_file.to_str().unwrap();
    let out = get_system(&front, &["--ca-file", ca_arg]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("another name"), "{}", stderr(&out));
    let fp = front.tls.fingerprint().to_string();
    let out = get_system(&front, &["--ca-file", ca_arg, "--fingerprint", &fp]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn tls_fingerprint(data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psmonitor"))
        .args(["tls", "fingerprint", "--data-dir"])
        .arg(data_dir)
        .env_remove("PSMONITOR_DATA_DIR")
        .env_remove("PSMONITOR_TLS_CERT")
        .output()
        .unwrap()
}
