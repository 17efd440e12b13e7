//! The default certificate: self-signed with rcgen, kept in `DATA_DIR/tls/`, reused across
//! restarts, and made anew when the names it must cover change or it nears expiry.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::TlsError;
use crate::fsutil;

pub const TLS_DIR: &str = "tls";
const CERT_FILE: &str = "self-signed.crt";
const KEY_FILE: &str = "self-signed.key";
const INFO_FILE: &str = "self-signed.json";
/// From `notBefore` to `notAfter`. Apple platforms refuse server certificates valid for
/// longer than 398 days, trusted or not; browsers are moving to shorter still.
pub const LIFETIME: Duration = Duration::days(397);
/// `notBefore` lies this far back, for clocks a little behind ours.
const BACKDATE: Duration = Duration::days(1);
/// A certificate this close to its end is replaced (at start and while running).
const RENEW_BEFORE: Duration = Duration::days(30);

/// A certificate chain and its private key, as PEM. The key is never printed.
#[derive(Clone)]
pub struct CertBundle {
    pub cert_pem: String,
    key_pem: zeroize::Zeroizing<String>,
    pub cert_path: PathBuf,
}

impl fmt::Debug for CertBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertBundle")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Info {
    names: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    not_after: OffsetDateTime,
}

impl CertBundle {
    /// A chain (leaf first) and its key, as PEM, kept at `cert_path`.
    pub(super) fn from_parts(cert_pem: String, key_pem: String, cert_path: PathBuf) -> Self {
        Self {
            cert_pem,
            key_pem: zeroize::Zeroizing::new(key_pem),
            cert_path,
        }
    }

    pub(super) fn key_pem(&self) -> &str {
        &self.key_pem
    }

    fn cert_der(&self) -> Result<CertificateDer<'static>, TlsError> {
        CertificateDer::from_pem_slice(self.cert_pem.as_bytes())
            .map_err(|_| TlsError::Damaged(self.cert_path.display().to_string()))
    }

    /// SHA-256 of the leaf certificate, as colon-separated hex (what browsers show).
    pub fn fingerprint(&self) -> Result<String, TlsError> {
        let der = self.cert_der()?;
        let digest = Sha256::digest(der.as_ref());
        Ok(digest
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":"))
    }

    pub(super) fn certified_key(&self) -> Result<CertifiedKey, TlsError> {
        let damaged = || TlsError::Damaged(self.cert_path.display().to_string());
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|_| damaged())?;
        let signing =
            rustls::crypto::ring::sign::any_supported_type(&key).map_err(|_| damaged())?;
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|_| damaged())?;
        if chain.is_empty() {
            return Err(damaged());
        }
        Ok(CertifiedKey::new(chain, signing))
    }
}

/// Loads the certificate in `data_dir/tls`, or makes one for `names` (DNS names or IPs)
/// when there is none, it covers other names, or it expires within 30 days.
pub fn load_or_create(
    data_dir: &Path,
    names: &[String],
    now: OffsetDateTime,
) -> Result<CertBundle, TlsError> {
    let dir = data_dir.join(TLS_DIR);
    let cert_path = dir.join(CERT_FILE);
    if let Some(bundle) = load_current(&dir, names, now)? {
        return Ok(bundle);
    }
    fsutil::create_private_dir(&dir)?;
    let key_pair = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Alcove self-signed certificate");
    params.not_before = now - BACKDATE;
    let not_after = now - BACKDATE + LIFETIME;
    params.not_after = not_after;
    let cert = params.self_signed(&key_pair)?;
    let bundle = CertBundle {
        cert_pem: cert.pem(),
        key_pem: zeroize::Zeroizing::new(key_pair.serialize_pem()),
        cert_path: cert_path.clone(),
    };
    let info = Info {
        names: names.to_vec(),
        not_after,
    };
    let info_json = serde_json::to_vec_pretty(&info)?;
    // The key first, the info last: a crash in between leaves files that `load_current`
    // does not accept, so the next start makes a fresh pair.
    fsutil::write_private_atomic(&dir.join(KEY_FILE), bundle.key_pem.as_bytes())?;
    fsutil::write_private_atomic(&cert_path, bundle.cert_pem.as_bytes())?;
    fsutil::write_private_atomic(&dir.join(INFO_FILE), &info_json)?;
    Ok(bundle)
}

fn load_current(
    dir: &Path,
    names: &[String],
    now: OffsetDateTime,
) -> Result<Option<CertBundle>, TlsError> {
    let (cert_path, key_path, info_path) =
        (dir.join(CERT_FILE), dir.join(KEY_FILE), dir.join(INFO_FILE));
    if !(cert_path.exists() && key_path.exists() && info_path.exists()) {
        return Ok(None);
    }
    let Ok(info) = serde_json::from_slice::<Info>(&std::fs::read(&info_path)?) else {
        return Ok(None);
    };
    if info.names != names || info.not_after - RENEW_BEFORE < now {
        return Ok(None);
    }
    let bundle = CertBundle {
        cert_pem: std::fs::read_to_string(&cert_path)?,
        key_pem: zeroize::Zeroizing::new(std::fs::read_to_string(&key_path)?),
        cert_path,
    };
    // Refuse to serve a damaged pair; the caller reports it.
    bundle.certified_key()?;
    Ok(Some(bundle))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
    }

    #[test]
    fn certificate_is_reused_until_names_change_or_expiry_nears() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let a = load_or_create(dir.path(), &names(), now).unwrap();
        let b = load_or_create(dir.path(), &names(), now).unwrap();
        assert_eq!(a.fingerprint().unwrap(), b.fingerprint().unwrap());
        let mut more = names();
        more.push("portal.example.org".into());
        let c = load_or_create(dir.path(), &more, now).unwrap();
        assert_ne!(a.fingerprint().unwrap(), c.fingerprint().unwrap());
        let later = now + LIFETIME - Duration::days(10);
        let d = load_or_create(dir.path(), &more, later).unwrap();
        assert_ne!(c.fingerprint().unwrap(), d.fingerprint().unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(TLS_DIR).join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!format!("{d:?}").contains("PRIVATE KEY"));
    }
}
