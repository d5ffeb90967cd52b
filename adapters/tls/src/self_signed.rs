//! The self-signed certificate a server makes on its first TLS start, kept in `<data-dir>/tls/`.

use std::io::Write;
use std::net::IpAddr;
#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::fingerprint::Fingerprint;
use crate::pem::{self, CertError};

/// The folder of the self-signed certificate inside the data directory.
pub const TLS_DIR: &str = "tls";
/// The certificate's file name inside [`TLS_DIR`].
pub const CERT_FILE: &str = "cert.pem";
/// The private key's file name inside [`TLS_DIR`].
pub const KEY_FILE: &str = "key.pem";
/// How long a new self-signed certificate is valid (clients pin it, so expiry is a formality).
const VALID_DAYS: i64 = 10 * 365;

/// `<data_dir>/tls`.
pub fn tls_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(TLS_DIR)
}

/// The names a new self-signed certificate is made for: `localhost`, this machine's host name
/// and every listen address that is not the unspecified one (`0.0.0.0`, `::`).
pub fn self_signed_names(listen: &[IpAddr]) -> Vec<String> {
    let mut names = vec!["localhost".to_owned()];
    let host = host_name();
    if !host.is_empty() && host != "localhost" {
        names.push(host);
    }
    for addr in listen.iter().filter(|a| !a.is_unspecified()) {
        let text = addr.to_string();
        if !names.contains(&text) {
            names.push(text);
        }
    }
    names
}

/// The fingerprint of the self-signed certificate kept in `data_dir`, without making one.
pub fn fingerprint_in(data_dir: &Path) -> Result<Fingerprint, CertError> {
    let dir = tls_dir(data_dir);
    let chain = pem::load_chain(&dir.join(CERT_FILE)).map_err(|e| match e {
        CertError::Missing { .. } => CertError::NotCreated { dir: dir.clone() },
        other => other,
    })?;
    Ok(Fingerprint::of(&chain[0]))
}

/// The certificate and key files in `data_dir`, made for `names` when neither exists yet.
pub(crate) fn ensure(data_dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), CertError> {
    let dir = tls_dir(data_dir);
    let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    match (cert.exists(), key.exists()) {
        (true, true) => return Ok((cert, key)),
        (true, false) => return Err(half(cert, key)),
        (false, true) => return Err(half(key, cert)),
        (false, false) => {}
    }
    let (cert_pem, key_pem) = generate(names)?;
    make_dir(&dir)?;
    // The key first: a crash in between leaves a key without a certificate, which is reported.
    write_atomic(&key, key_pem.as_bytes(), 0o600)?;
    write_atomic(&cert, cert_pem.as_bytes(), 0o644)?;
    Ok((cert, key))
}

fn half(present: PathBuf, absent: PathBuf) -> CertError {
    CertError::HalfPair { present, absent }
}

/// A new ECDSA P-256 certificate for `names`, as PEM texts (certificate, key).
fn generate(names: &[String]) -> Result<(String, String), CertError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    for name in names {
        let san = match name.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => match name.as_str().try_into() {
                Ok(dns) => SanType::DnsName(dns),
                // A host name that is not ASCII cannot be a DNS name: leave it out.
                Err(_) => continue,
            },
        };
        params.subject_alt_names.push(san);
    }
    let mut dn = DistinguishedName::new();
    let host = names.get(1).map_or("localhost", String::as_str);
    dn.push(DnType::CommonName, format!("PSMonitor on {host}"));
    dn.push(DnType::OrganizationName, "PSMonitor (self-signed)");
    params.distinguished_name = dn;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let fallback = params.not_before;
    let at = |secs: i64| time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(fallback);
    // A day of slack for clients whose clock is behind.
    params.not_before = at(now - 86_400);
    params.not_after = at(now + VALID_DAYS * 86_400);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// This machine's host name, empty when unknown.
#[cfg(unix)]
fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// This machine's host name, empty when unknown.
#[cfg(not(unix))]
fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_default()
}

/// Creates `dir` (and its parents) with mode 0700 (on Unix) when it does not exist.
pub(crate) fn make_dir(dir: &Path) -> Result<(), CertError> {
    let write = |source| CertError::Write {
        path: dir.to_owned(),
        source,
    };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(dir).map_err(write)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same folder, then renames it.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CertError> {
    let write = |source| CertError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    // tempfile creates the file with mode 0600, so a key is never readable by others.
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(write)?;
    file.write_all(bytes).map_err(write)?;
    file.as_file().sync_all().map_err(write)?;
    #[cfg(unix)]
    if mode != 0o600 {
        let perms = std::fs::Permissions::from_mode(mode);
        file.as_file().set_permissions(perms).map_err(write)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.persist(path).map_err(|e| write(e.error))?;
    Ok(())
}
