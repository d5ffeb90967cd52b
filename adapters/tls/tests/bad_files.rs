//! Certificate and key files that cannot be used are refused with an error that names the file
//! and says what to do.

mod common;

use std::path::Path;

use common::{TestCa, VALID, write_pair};
use psmonitor_tls::{CertError, CertSource, ServerTls, tls_dir};

fn load(cert: &Path, key: &Path) -> CertError {
    ServerTls::load(CertSource::Files {
        cert: cert.to_owned(),
        key: key.to_owned(),
    })
    .unwrap_err()
}

#[test]
fn missing_unreadable_garbage_and_mismatched_files() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (cert, key) = write_pair(dir.path(), "a", &ca.leaf(&["localhost"], VALID));
    let (_, other_key) = write_pair(dir.path(), "b", &ca.leaf(&["localhost"], VALID));
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("missing.pem");

    let err = load(&missing, &key);
    assert!(matches!(err, CertError::Missing { .. }), "{err}");
    assert!(err.to_string().contains("--tls-cert"), "{err}");
    let err = load(&cert, &missing);
    assert!(matches!(err, CertError::Missing { .. }), "{err}");

    // A directory cannot be read as a file (the tests may run as root, so no chmod 000).
    let err = load(dir.path(), &key);
    assert!(matches!(err, CertError::Unreadable { .. }), "{err}");

    for bad in [&garbage, &empty, &key] {
        let err = load(bad, &key);
        assert!(
            matches!(err, CertError::NoCertificate { .. }),
            "{}: {err}",
            bad.display()
        );
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
    }
    for bad in [&garbage, &empty, &cert] {
        let err = load(&cert, bad);
        assert!(
            matches!(err, CertError::NoKey { .. }),
            "{}: {err}",
            bad.display()
        );
        assert!(err.to_string().contains("--tls-key"), "{err}");
    }

    let err = load(&cert, &other_key);
    assert!(matches!(err, CertError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("does not fit"), "{err}");
}

#[test]
fn half_a_self_signed_pair_is_not_replaced_silently() {
    let data = tempfile::tempdir().unwrap();
    let dir = tls_dir(data.path());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key.pem"), "key").unwrap();
    let err = ServerTls::load(CertSource::SelfSigned {
        data_dir: data.path().to_owned(),
        names: vec!["localhost".into()],
    })
    .unwrap_err();
    assert!(matches!(err, CertError::HalfPair { .. }), "{err}");
    assert!(err.to_string().contains("remove"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("key.pem")).unwrap(), "key");
}
