//! `[tls] mode = "files"`: the operator's own certificate chain and key (PEM), checked at
//! start and watched while the server runs. A good replacement is served to new
//! connections (open ones keep theirs); a bad one is refused with a warning and the
//! certificate in use stays.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::SwappableResolver;

/// How often the running server looks at the files.
const POLL: Duration = Duration::from_secs(5);
/// Debug builds only: the poll interval in milliseconds, for tests.
const POLL_ENV: &str = "ALCOVE_TEST_TLS_POLL_MS";

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("`{key}` ({path}) cannot be read: {reason}")]
    Unreadable {
        key: &'static str,
        path: String,
        reason: String,
    },
    #[error("`tls.cert_file` ({0}) holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)")]
    NoCertificate(String),
    #[error(
        "`tls.cert_file` ({0}) holds a certificate that cannot be read (damaged or not X.509)"
    )]
    BadCertificate(String),
    #[error("`tls.key_file` ({0}) holds no PEM private key (a block starting -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)")]
    NoKey(String),
    #[error("`tls.key_file` ({0}) holds a key of a kind this server cannot use (RSA of 2048 bits or more, ECDSA P-256 or P-384, or Ed25519 work)")]
    UnsupportedKey(String),
    #[error("`tls.key_file` ({key}) does not belong to the certificate in `tls.cert_file` ({cert}); the first certificate in the file must be this server's own, made for this key")]
    Mismatch { key: String, cert: String },
    #[error(
        "the certificate in `tls.cert_file` ({path}) expired on {date}; put a renewed one there"
    )]
    Expired { path: String, date: String },
    #[error("the certificate in `tls.cert_file` ({path}) is not valid until {date}; check this computer's clock or use a certificate valid today")]
    NotYetValid { path: String, date: String },
}

/// A checked certificate chain and key, ready to serve. The key is never printed.
#[derive(Clone)]
pub struct FileCert {
    pub key: Arc<CertifiedKey>,
    /// SHA-256 of the leaf certificate, as colon-separated hex (what browsers show).
    pub fingerprint: String,
    pub not_after: OffsetDateTime,
    /// The names the leaf covers (DNS names and IP addresses).
    pub names: Vec<String>,
}

impl fmt::Debug for FileCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileCert")
            .field("fingerprint", &self.fingerprint)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl FileCert {
    /// Whether the certificate names `host` (exactly, or by a `*.` wildcard one label deep).
    pub fn covers(&self, host: &str) -> bool {
        self.names.iter().any(|n| {
            n.eq_ignore_ascii_case(host)
                || n.strip_prefix("*.").is_some_and(|suffix| {
                    host.split_once('.')
                        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(suffix))
                })
        })
    }
}

/// Larger than this is no certificate chain or key (they take a few kilobytes): a path
/// pointing at the wrong file (a log, `/dev/zero`) is refused rather than read whole.
const MAX_FILE: u64 = 1024 * 1024;

fn read_capped(path: &Path) -> std::io::Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::Read as _;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    std::fs::File::open(path)?
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other(
            "it is larger than 1 MiB, far more than a certificate or key; is it the right file?",
        ));
    }
    Ok(bytes)
}

fn read(key: &'static str, path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, FilesError> {
    read_capped(path).map_err(|e| FilesError::Unreadable {
        key,
        path: path.display().to_string(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => {
                "permission denied (the server's user must be able to read it)".to_owned()
            }
            _ => e.to_string(),
        },
    })
}

/// What the leaf certificate says about itself.
pub struct LeafInfo {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub names: Vec<String>,
}

fn leaf_info(der: &CertificateDer<'_>, cert_path: &Path) -> Result<LeafInfo, FilesError> {
    let bad = || FilesError::BadCertificate(cert_path.display().to_string());
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).map_err(|_| bad())?;
    let validity = cert.validity();
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push((*d).to_owned()),
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*b) {
                        names.push(std::net::Ipv4Addr::from(v4).to_string());
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*b) {
                        names.push(std::net::Ipv6Addr::from(v6).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(LeafInfo {
        not_before: validity.not_before.to_datetime(),
        not_after: validity.not_after.to_datetime(),
        names,
    })
}

fn certificates(
    bytes: &[u8],
    cert_path: &Path,
) -> Result<Vec<CertificateDer<'static>>, FilesError> {
    let chain = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| FilesError::BadCertificate(cert_path.display().to_string()))?;
    if chain.is_empty() {
        return Err(FilesError::NoCertificate(cert_path.display().to_string()));
    }
    Ok(chain)
}

/// Whether every user of this computer may read the file `path` (a symlink's target).
pub fn readable_by_everyone(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o004 != 0)
}

/// The leaf certificate's dates and names in `cert_path`, for `alcove doctor`.
pub fn leaf_of(cert_path: &Path) -> Result<LeafInfo, FilesError> {
    let bytes = read("tls.cert_file", cert_path)?;
    let chain = certificates(&bytes, cert_path)?;
    leaf_info(&chain[0], cert_path)
}

/// Reads and checks the pair: both files PEM, the key one rustls can sign with, the key
/// the leaf's own, and the leaf valid at `now`.
pub fn load(
    cert_path: &Path,
    key_path: &Path,
    now: OffsetDateTime,
) -> Result<FileCert, FilesError> {
    let cert_bytes = read("tls.cert_file", cert_path)?;
    let key_bytes = read("tls.key_file", key_path)?;
    let (cert_name, key_name) = (
        cert_path.display().to_string(),
        key_path.display().to_string(),
    );
    let chain = certificates(&cert_bytes, cert_path)?;
    let key = PrivateKeyDer::from_pem_slice(&key_bytes)
        .map_err(|_| FilesError::NoKey(key_name.clone()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|_| FilesError::UnsupportedKey(key_name.clone()))?;
    let info = leaf_info(&chain[0], cert_path)?;
    let fingerprint = fingerprint(&chain[0]);
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) => {}
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            // ring reports the public half of every key kind it loads; should one not,
            // the first handshake would fail, so refuse rather than serve it unchecked.
            return Err(FilesError::UnsupportedKey(key_name));
        }
        Err(_) => {
            return Err(FilesError::Mismatch {
                key: key_name,
                cert: cert_name,
            })
        }
    }
    let date = crate::clock::human;
    if now >= info.not_after {
        return Err(FilesError::Expired {
            path: cert_name,
            date: date(info.not_after),
        });
    }
    if now < info.not_before {
        return Err(FilesError::NotYetValid {
            path: cert_name,
            date: date(info.not_before),
        });
    }
    Ok(FileCert {
        key: Arc::new(certified),
        fingerprint,
        not_after: info.not_after,
        names: info.names,
    })
}

fn fingerprint(der: &CertificateDer<'_>) -> String {
    Sha256::digest(der.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// What the files hold now, as one digest; a file that cannot be read gives the digest of
/// its error, so the same failure is recognised on the next look.
fn contents_digest(cert_path: &Path, key_path: &Path) -> [u8; 32] {
    let mut h = Sha256::new();
    for (key, path) in [("tls.cert_file", cert_path), ("tls.key_file", key_path)] {
        match read(key, path) {
            Ok(bytes) => {
                h.update(b"ok");
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(&*bytes);
            }
            Err(e) => {
                h.update(b"error");
                h.update(e.to_string().as_bytes());
            }
        }
    }
    h.finalize().into()
}

/// What one look at the files did.
#[derive(Debug)]
pub enum Looked {
    Unchanged,
    /// A new pair is served to new connections.
    Swapped(FileCert),
    /// The files changed and do not pass; the pair in use stays. Seen once, so it may be a
    /// replacement half done (a new certificate, its key not yet written).
    NotYet,
    /// The same bad contents twice in a row: worth a warning (given once per contents).
    Refused(FilesError),
}

/// Watches one pair of files for the resolver.
pub struct Watch {
    cert_path: PathBuf,
    key_path: PathBuf,
    serving: [u8; 32],
    failing: Option<[u8; 32]>,
    warned: Option<[u8; 32]>,
}

impl Watch {
    /// Starts watching from what the files hold now (what `load` just accepted).
    pub fn new(cert_path: &Path, key_path: &Path) -> Self {
        Self {
            cert_path: cert_path.to_owned(),
            key_path: key_path.to_owned(),
            serving: contents_digest(cert_path, key_path),
            failing: None,
            warned: None,
        }
    }

    /// Looks at the files once; swaps a changed, good pair into `resolver`.
    pub fn look(&mut self, resolver: &SwappableResolver, now: OffsetDateTime) -> Looked {
        let digest = contents_digest(&self.cert_path, &self.key_path);
        if digest == self.serving {
            self.failing = None;
            return Looked::Unchanged;
        }
        match load(&self.cert_path, &self.key_path, now) {
            Ok(cert) => {
                resolver.swap_key(cert.key.clone());
                self.serving = digest;
                self.failing = None;
                self.warned = None;
                Looked::Swapped(cert)
            }
            Err(_) if self.warned == Some(digest) => Looked::Unchanged,
            Err(e) if self.failing == Some(digest) => {
                self.warned = Some(digest);
                Looked::Refused(e)
            }
            Err(_) => {
                self.failing = Some(digest);
                Looked::NotYet
            }
        }
    }
}

/// The poll interval: 5 s, or `ALCOVE_TEST_TLS_POLL_MS` in a debug build.
fn poll_interval() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var(POLL_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Duration::from_millis(ms.max(10));
    }
    let _ = POLL_ENV;
    POLL
}

/// Looks at the files every few seconds until the runtime stops, logging each swap and
/// each refused replacement (the files' paths and the reason; never their contents).
pub async fn keep_watching(mut watch: Watch, resolver: Arc<SwappableResolver>) {
    let every = poll_interval();
    loop {
        tokio::time::sleep(every).await;
        // Off the server's thread: a file on a stuck network disk must not stall requests.
        let r = resolver.clone();
        let looked = tokio::task::spawn_blocking(move || {
            let looked = watch.look(&r, crate::clock::Clock::now(&crate::clock::SystemClock));
            (watch, looked)
        })
        .await;
        let looked = match looked {
            Ok((w, looked)) => {
                watch = w;
                looked
            }
            Err(e) => {
                tracing::error!(error = %e, "the certificate file watcher stopped; restart to pick up replaced files");
                return;
            }
        };
        match looked {
            Looked::Swapped(cert) => tracing::info!(
                fingerprint = %cert.fingerprint,
                valid_until = %crate::clock::human(cert.not_after),
                "serving the replaced certificate from `tls.cert_file` to new connections"
            ),
            Looked::Refused(e) => tracing::warn!(
                "the replaced certificate files are not used, the previous certificate stays in service: {e}"
            ),
            Looked::Unchanged | Looked::NotYet => {}
        }
    }
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
