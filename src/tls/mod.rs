//! TLS: rustls with the ring provider, TLS 1.2 and 1.3 only, certificates served through a
//! resolver that can be swapped while the server runs (for ACME or own files later).

pub mod acme;
pub mod acme_challenge;
mod acme_failure;
mod acme_files;
pub mod files;
mod resolver;
mod self_signed;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use resolver::SwappableResolver;
pub use self_signed::{load_or_create, CertBundle, LIFETIME, TLS_DIR};

use crate::clock::SharedClock;

/// How often a running server looks whether its certificate is due for renewal.
const RENEWAL_CHECK: Duration = Duration::from_secs(6 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not create the self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// A file of the TLS folder's own (certificate info, ACME account or status) could not
    /// be written as JSON.
    #[error("could not write the certificate files: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "the certificate or key in {0} is damaged; delete the folder and restart to make a new one"
    )]
    Damaged(String),
    #[error("could not read or write the certificate files: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
    #[error(transparent)]
    Files(#[from] files::FilesError),
}

/// A rustls server configuration: ring provider, TLS 1.3 and 1.2 only, no client auth,
/// certificates from `resolver`.
pub fn server_config(resolver: Arc<SwappableResolver>) -> Result<rustls::ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let acme = resolver.acme().is_some();
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    // actix puts h2 and http/1.1 first and keeps these after them.
    if acme {
        config.alpn_protocols = vec![acme_challenge::ACME_TLS_ALPN.to_vec()];
    }
    Ok(config)
}

/// Keeps the self-signed certificate fresh while the server runs: every few hours, makes a
/// new one when the current one nears its end (see [`load_or_create`]) and serves it to new
/// connections. Runs until the runtime stops.
pub async fn keep_renewed(
    data_dir: PathBuf,
    names: Vec<String>,
    resolver: Arc<SwappableResolver>,
    clock: SharedClock,
    mut serving: String,
) {
    loop {
        tokio::time::sleep(RENEWAL_CHECK).await;
        match renew(&data_dir, &names, &resolver, &clock, &serving) {
            Ok(Some(fingerprint)) => {
                tracing::info!(%fingerprint, "renewed the self-signed certificate");
                serving = fingerprint;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not renew the certificate; will retry"),
        }
    }
}

/// Swaps in the certificate `load_or_create` gives now when it differs from `serving`;
/// returns the new fingerprint.
fn renew(
    data_dir: &std::path::Path,
    names: &[String],
    resolver: &SwappableResolver,
    clock: &SharedClock,
    serving: &str,
) -> Result<Option<String>, TlsError> {
    let bundle = load_or_create(data_dir, names, clock.now())?;
    let fingerprint = bundle.fingerprint()?;
    if fingerprint == serving {
        return Ok(None);
    }
    resolver.swap(&bundle)?;
    Ok(Some(fingerprint))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
mod tests {
    use super::*;
    use crate::clock::{Clock as _, ManualClock};

    #[test]
    fn a_running_server_swaps_in_a_new_certificate_before_the_old_one_ends() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_owned()];
        let start = time::OffsetDateTime::now_utc();
        let clock = ManualClock::new(start);
        let shared: SharedClock = Arc::new(clock.clone());
        let first = load_or_create(dir.path(), &names, start).unwrap();
        let serving = first.fingerprint().unwrap();
        let resolver = SwappableResolver::new(&first).unwrap();
        clock.advance(time::Duration::days(300));
        assert_eq!(
            renew(dir.path(), &names, &resolver, &shared, &serving).unwrap(),
            None
        );
        // 30 days before its end (397 days after its start, a day before issue).
        clock.advance(time::Duration::days(367 - 300));
        let renewed = renew(dir.path(), &names, &resolver, &shared, &serving)
            .unwrap()
            .expect("renewed");
        assert_ne!(renewed, serving);
        let again = load_or_create(dir.path(), &names, clock.now()).unwrap();
        assert_eq!(
            again.fingerprint().unwrap(),
            renewed,
            "kept for the next start"
        );
    }
}
