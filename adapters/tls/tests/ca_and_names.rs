//! Without a pin the client does full verification against `--ca-file` (or the system store):
//! the CA's certificate is accepted, an expired one or one for another name is refused, and a
//! pin accepts any of them.

mod common;

use std::sync::Arc;

use common::{EXPIRED, TestCa, VALID, connect, echo_server, write_pair};
use psmonitor_tls::{CertSource, ClientTrust, ServerTls, TrustError, UntrustedReason};

fn server(
    dir: &std::path::Path,
    name: &str,
    pair: (String, String),
) -> (Arc<ServerTls>, std::net::SocketAddr) {
    let (cert, key) = write_pair(dir, name, &pair);
    let tls = Arc::new(ServerTls::load(CertSource::Files { cert, key }).unwrap());
    let addr = echo_server(tls.clone());
    (tls, addr)
}

fn untrusted(tls: &ServerTls, reason: UntrustedReason) -> TrustError {
    TrustError::Untrusted {
        fingerprint: tls.fingerprint(),
        reason,
    }
}

#[test]
fn the_ca_file_vouches_for_valid_certificates_with_the_right_name() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let ca_file = dir.path().join("ca.pem");
    ca.write(&ca_file);
    let by_ca = ClientTrust {
        ca_file: Some(ca_file),
        ..ClientTrust::default()
    };

    let (good, addr) = server(
        dir.path(),
        "good",
        ca.leaf(&["localhost", "127.0.0.1"], VALID),
    );
    for host in ["localhost", "127.0.0.1"] {
        assert_eq!(
            connect(&by_ca, host, addr).unwrap().presented,
            good.fingerprint()
        );
    }
    // The system store knows nothing of the test CA.
    assert_eq!(
        connect(&ClientTrust::default(), "localhost", addr).err(),
        Some(untrusted(&good, UntrustedReason::UnknownIssuer))
    );

    let (expired, addr) = server(dir.path(), "expired", ca.leaf(&["localhost"], EXPIRED));
    assert_eq!(
        connect(&by_ca, "localhost", addr).err(),
        Some(untrusted(&expired, UntrustedReason::Expired))
    );
    let pinned = ClientTrust {
        fingerprint: Some(expired.fingerprint()),
        ..by_ca.clone()
    };
    assert!(connect(&pinned, "localhost", addr).is_ok());

    let (other, addr) = server(dir.path(), "other", ca.leaf(&["other.example"], VALID));
    let refused = connect(&by_ca, "localhost", addr).err().unwrap();
    assert_eq!(refused, untrusted(&other, UntrustedReason::WrongName));
    assert!(refused.to_string().contains("another name"), "{refused}");
    let pinned = ClientTrust {
        fingerprint: Some(other.fingerprint()),
        ..by_ca.clone()
    };
    assert_eq!(
        connect(&pinned, "localhost", addr).unwrap().presented,
        other.fingerprint()
    );
}

#[test]
fn an_unusable_ca_file_is_a_setup_error() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    for (path, expect) in [
        (dir.path().join("missing.pem"), "cannot read the CA file"),
        (garbage, "no usable PEM certificate"),
        (dir.path().to_owned(), "cannot read the CA file"),
    ] {
        let trust = ClientTrust {
            ca_file: Some(path.clone()),
            ..ClientTrust::default()
        };
        let err = trust.client("localhost", 1).unwrap_err();
        assert!(
            err.to_string().contains(expect),
            "{}: {err}",
            path.display()
        );
    }
}
