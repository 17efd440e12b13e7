//! What ACME keeps in `DATA_DIR/tls/`: the account (key and URL, per directory), the issued
//! certificate chain and its key, and a status line for the owner's home and `alcove doctor`.
//!
//! The account key is a 0600 file here, not a sealed value in the store: issuance and
//! renewal must run while the store is still locked (a restarted server waits for its
//! passphrase behind the very certificate being renewed), and the certificate's own key,
//! which matters more, has to be a plain file for the same reason. The folder is 0700.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::self_signed::CertBundle;
use super::{TlsError, TLS_DIR};
use crate::fsutil;

const ACCOUNT_FILE: &str = "acme-account.json";
const CERT_FILE: &str = "acme.crt";
const KEY_FILE: &str = "acme.key";
const INFO_FILE: &str = "acme.json";
const STATUS_FILE: &str = "acme-status.json";

/// The account for one directory. The credentials hold the private key: never printed.
#[derive(Serialize, Deserialize)]
pub struct StoredAccount {
    pub directory: String,
    pub credentials: instant_acme::AccountCredentials,
}

/// What was issued: for which names, by which directory, valid when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Issued {
    pub domains: Vec<String>,
    pub directory: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
}

impl Issued {
    /// When to renew: with a third of the lifetime left.
    pub fn renew_at(&self) -> OffsetDateTime {
        self.not_after - (self.not_after - self.not_before) / 3
    }
}

/// The last outcome, for people: what is served and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Status {
    /// True while a certificate from the directory is served.
    pub trusted: bool,
    /// True when the last attempt failed.
    pub failing: bool,
    /// The outcome in plain words (no secrets).
    pub detail: String,
    /// The next issuance or renewal attempt.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt: OffsetDateTime,
    /// The served ACME certificate's end, if one is served.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_after: Option<OffsetDateTime>,
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join(TLS_DIR)
}

pub fn load_account(data_dir: &Path, directory: &str) -> Option<StoredAccount> {
    let bytes = std::fs::read(dir(data_dir).join(ACCOUNT_FILE)).ok()?;
    let account: StoredAccount = serde_json::from_slice(&bytes).ok()?;
    (account.directory == directory).then_some(account)
}

pub fn save_account(data_dir: &Path, account: &StoredAccount) -> Result<(), TlsError> {
    fsutil::ensure_private_dir(&dir(data_dir))?;
    let json = serde_json::to_vec(account)?;
    fsutil::write_private_atomic(&dir(data_dir).join(ACCOUNT_FILE), &json)?;
    Ok(())
}

/// Reads a certificate chain's leaf validity.
pub fn validity(cert_pem: &str) -> Option<(OffsetDateTime, OffsetDateTime)> {
    use rustls::pki_types::pem::PemObject as _;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes()).ok()?;
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let v = cert.validity();
    Some((v.not_before.to_datetime(), v.not_after.to_datetime()))
}

/// The stored certificate, if it covers `domains`, came from `directory`, has a usable key
/// and has not ended. A damaged or stale one is ignored (the caller issues anew).
pub fn load_issued(
    data_dir: &Path,
    domains: &[String],
    directory: &str,
    now: OffsetDateTime,
) -> Option<(CertBundle, Issued)> {
    let d = dir(data_dir);
    let info: Issued = serde_json::from_slice(&std::fs::read(d.join(INFO_FILE)).ok()?).ok()?;
    if info.domains != domains || info.directory != directory || info.not_after <= now {
        return None;
    }
    let cert_path = d.join(CERT_FILE);
    let cert_pem = std::fs::read_to_string(&cert_path).ok()?;
    let key_pem = std::fs::read_to_string(d.join(KEY_FILE)).ok()?;
    // The info file is written last but a hand-edited one must not outlive its certificate.
    let (not_before, not_after) = validity(&cert_pem)?;
    if not_after <= now {
        return None;
    }
    let bundle = CertBundle::from_parts(cert_pem, key_pem, cert_path);
    bundle.certified_key().ok()?.keys_match().ok()?;
    Some((
        bundle,
        Issued {
            not_before,
            not_after,
            ..info
        },
    ))
}

pub fn save_issued(
    data_dir: &Path,
    cert_pem: String,
    key_pem: String,
    info: &Issued,
) -> Result<CertBundle, TlsError> {
    let d = dir(data_dir);
    fsutil::ensure_private_dir(&d)?;
    let cert_path = d.join(CERT_FILE);
    let bundle = CertBundle::from_parts(cert_pem, key_pem, cert_path.clone());
    bundle.certified_key()?.keys_match()?;
    let json = serde_json::to_vec_pretty(info)?;
    // The info last: a crash before it leaves files `load_issued` does not accept.
    fsutil::write_private_atomic(&d.join(KEY_FILE), bundle.key_pem().as_bytes())?;
    fsutil::write_private_atomic(&cert_path, bundle.cert_pem.as_bytes())?;
    fsutil::write_private_atomic(&d.join(INFO_FILE), &json)?;
    Ok(bundle)
}

pub fn save_status(data_dir: &Path, status: &Status) -> Result<(), TlsError> {
    fsutil::ensure_private_dir(&dir(data_dir))?;
    let json = serde_json::to_vec_pretty(status)?;
    fsutil::write_private_atomic(&dir(data_dir).join(STATUS_FILE), &json)?;
    Ok(())
}

pub fn load_status(data_dir: &Path) -> Option<Status> {
    serde_json::from_slice(&std::fs::read(dir(data_dir).join(STATUS_FILE)).ok()?).ok()
}

/// Removes the status line (the server runs in another mode now).
pub fn clear_status(data_dir: &Path) {
    let _ = std::fs::remove_file(dir(data_dir).join(STATUS_FILE));
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests make certificates around the real time
mod tests {
    use super::*;
    use time::Duration;

    /// A certificate for `names` valid from `from` to `to`, and its key.
    fn cert(names: &[String], from: OffsetDateTime, to: OffsetDateTime) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(names.to_vec()).unwrap();
        params.not_before = from;
        params.not_after = to;
        (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
    }

    #[test]
    fn a_stale_expired_or_damaged_stored_certificate_is_not_served_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["portal.example.org".to_owned()];
        let directory = "https://acme.example.org/dir";
        let now = OffsetDateTime::now_utc();
        let (from, to) = (now - Duration::days(60), now + Duration::days(30));
        let (pem, key) = cert(&names, from, to);
        let info = Issued {
            domains: names.clone(),
            directory: directory.into(),
            not_before: from,
            not_after: to,
        };
        save_issued(dir.path(), pem, key.clone(), &info).unwrap();
        let (_, loaded) = load_issued(dir.path(), &names, directory, now).expect("served");
        // A third of 90 days is left 30 days before the end: due now.
        assert!(loaded.renew_at() <= now);
        let other = vec!["other.example.org".to_owned()];
        assert!(load_issued(dir.path(), &other, directory, now).is_none());
        assert!(load_issued(dir.path(), &names, "https://other.example/dir", now).is_none());
        assert!(load_issued(dir.path(), &names, directory, to + Duration::seconds(1)).is_none());

        // An info file that claims more than the certificate holds: the certificate wins.
        let (expired, key2) = cert(&names, now - Duration::days(90), now - Duration::days(1));
        save_issued(dir.path(), expired, key2, &info).unwrap();
        assert!(load_issued(dir.path(), &names, directory, now).is_none());

        // A key of another certificate.
        let (pem, _) = cert(&names, from, to);
        std::fs::write(dir.path().join(TLS_DIR).join(CERT_FILE), &pem).unwrap();
        std::fs::write(dir.path().join(TLS_DIR).join(KEY_FILE), &key).unwrap();
        assert!(load_issued(dir.path(), &names, directory, now).is_none());

        // A key that does not parse.
        std::fs::write(dir.path().join(TLS_DIR).join(CERT_FILE), pem).unwrap();
        std::fs::write(dir.path().join(TLS_DIR).join(KEY_FILE), "damaged").unwrap();
        assert!(load_issued(dir.path(), &names, directory, now).is_none());
    }
}
