//! TLS: rustls with the ring provider, TLS 1.2 and 1.3 only, certificates served through a
//! resolver that can be swapped while the server runs (for ACME or own files later).

mod resolver;
mod self_signed;

use std::sync::Arc;

pub use resolver::SwappableResolver;
pub use self_signed::{load_or_create, CertBundle, TLS_DIR};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not create the self-signed certificate: {0}")]
    Generate(String),
    #[error(
        "the certificate or key in {0} is damaged; delete the folder and restart to make a new one"
    )]
    Damaged(String),
    #[error("could not read or write the certificate files: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A rustls server configuration: ring provider, TLS 1.3 and 1.2 only, no client auth,
/// certificates from `resolver`.
pub fn server_config(resolver: Arc<SwappableResolver>) -> Result<rustls::ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    Ok(config)
}
