//! A server without certificate files makes a self-signed one in its data directory on first
//! start, keeps it private, and presents the same one after a restart; only a pin trusts it.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use common::{connect, echo_server};
use psmonitor_tls::{
    CertSource, ClientTrust, ServerTls, TrustError, UntrustedReason, fingerprint_in,
    self_signed_names, tls_dir,
};

fn self_signed(data_dir: &std::path::Path) -> CertSource {
    CertSource::SelfSigned {
        data_dir: data_dir.to_owned(),
        names: self_signed_names(&[IpAddr::V4(Ipv4Addr::LOCALHOST)]),
    }
}

#[test]
fn is_made_once_kept_private_and_reused_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let err = fingerprint_in(data.path()).unwrap_err();
    assert!(err.to_string().contains("--tls on"), "{err}");

    let first = ServerTls::load(self_signed(data.path())).unwrap();
    let dir = tls_dir(data.path());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("key.pem")), 0o600);
    let cert_pem = std::fs::read_to_string(dir.join("cert.pem")).unwrap();
    assert!(cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(fingerprint_in(data.path()).unwrap(), first.fingerprint());

    // A restart reads the same files: same fingerprint, same certificate on the wire.
    drop(first);
    let again = Arc::new(ServerTls::load(self_signed(data.path())).unwrap());
    assert_eq!(again.fingerprint(), fingerprint_in(data.path()).unwrap());
    assert_eq!(
        std::fs::read_to_string(dir.join("cert.pem")).unwrap(),
        cert_pem
    );
    let addr = echo_server(again.clone());
    let pinned = ClientTrust {
        fingerprint: Some(again.fingerprint()),
        ..ClientTrust::default()
    };
    // Pinned: accepted under any name, including one the certificate does not carry.
    for host in ["localhost", "127.0.0.1", "not-in-the-certificate.example"] {
        let conn = connect(&pinned, host, addr).unwrap();
        assert_eq!(conn.presented, again.fingerprint());
    }
}

#[test]
fn is_refused_without_a_pin_and_with_another_pin() {
    let data = tempfile::tempdir().unwrap();
    let tls = Arc::new(ServerTls::load(self_signed(data.path())).unwrap());
    let addr = echo_server(tls.clone());

    let ca = tempfile::tempdir().unwrap();
    let ca_file = ca.path().join("ca.pem");
    common::TestCa::new().write(&ca_file);
    for trust in [
        ClientTrust::default(),
        ClientTrust {
            ca_file: Some(ca_file),
            ..ClientTrust::default()
        },
    ] {
        let refused = connect(&trust, "localhost", addr).err().unwrap();
        assert_eq!(
            refused,
            TrustError::Untrusted {
                fingerprint: tls.fingerprint(),
                reason: UntrustedReason::UnknownIssuer,
            }
        );
        assert!(refused.to_string().contains(&tls.fingerprint().to_string()));
    }

    let other = "00".repeat(32).parse().unwrap();
    let wrong_pin = ClientTrust {
        fingerprint: Some(other),
        ..ClientTrust::default()
    };
    let refused = connect(&wrong_pin, "localhost", addr).err().unwrap();
    assert_eq!(
        refused,
        TrustError::CertificateChanged {
            expected: other,
            actual: tls.fingerprint(),
        }
    );
    assert!(refused.to_string().contains("changed"), "{refused}");
}

#[test]
fn names_localhost_the_host_and_the_listen_addresses() {
    let names = self_signed_names(&[
        "0.0.0.0".parse().unwrap(),
        "192.0.2.7".parse().unwrap(),
        "::1".parse().unwrap(),
    ]);
    assert_eq!(names[0], "localhost");
    assert!(names.contains(&"192.0.2.7".to_owned()), "{names:?}");
    assert!(names.contains(&"::1".to_owned()), "{names:?}");
    assert!(!names.contains(&"0.0.0.0".to_owned()), "{names:?}");
}
