//! `ServerTls::reload` re-reads the operator's files: new connections see the new certificate,
//! open ones keep theirs, and files that do not load leave the current certificate in use.

mod common;

use std::sync::Arc;

use common::{TestCa, VALID, connect, echo_server, write_pair};
use psmonitor_tls::{CertError, CertSource, ClientTrust, ServerTls};

#[test]
fn new_files_change_what_new_connections_see() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let ca_file = dir.path().join("ca.pem");
    ca.write(&ca_file);
    let (cert, key) = write_pair(dir.path(), "server", &ca.leaf(&["localhost"], VALID));
    let tls = Arc::new(
        ServerTls::load(CertSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        })
        .unwrap(),
    );
    let addr = echo_server(tls.clone());
    let trust = ClientTrust {
        ca_file: Some(ca_file),
        ..ClientTrust::default()
    };
    let old = tls.fingerprint();
    let mut open = connect(&trust, "localhost", addr).unwrap();
    assert_eq!(open.presented, old);

    // Same files: same certificate.
    assert_eq!(tls.reload().unwrap(), old);

    // New files in place (as an ACME client renews them).
    write_pair(dir.path(), "server", &ca.leaf(&["localhost"], VALID));
    let new = tls.reload().unwrap();
    assert_ne!(new, old);
    assert_eq!(tls.fingerprint(), new);
    assert_eq!(connect(&trust, "localhost", addr).unwrap().presented, new);
    // The connection opened before the reload still works.
    open.echo("still here");

    // Broken files: the reload fails, the current certificate stays.
    std::fs::write(&cert, "garbage").unwrap();
    let err = tls.reload().unwrap_err();
    assert!(matches!(err, CertError::NoCertificate { .. }), "{err}");
    assert_eq!(tls.fingerprint(), new);
    assert_eq!(connect(&trust, "localhost", addr).unwrap().presented, new);
    open.echo("and still");
}
