//! A certificate resolver whose certificate can be replaced without a restart.

use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::self_signed::CertBundle;
use super::TlsError;

#[derive(Debug)]
pub struct SwappableResolver {
    current: RwLock<Arc<CertifiedKey>>,
}

impl SwappableResolver {
    pub fn new(bundle: &CertBundle) -> Result<Self, TlsError> {
        Ok(Self {
            current: RwLock::new(Arc::new(bundle.certified_key()?)),
        })
    }

    /// A resolver serving `key` (own certificate files).
    pub fn from_key(key: Arc<CertifiedKey>) -> Self {
        Self {
            current: RwLock::new(key),
        }
    }

    /// Serves `key` to every handshake from now on; open connections keep theirs.
    pub fn swap_key(&self, key: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = key;
    }

    /// Serves `bundle` to every handshake from now on; open connections keep theirs.
    pub fn swap(&self, bundle: &CertBundle) -> Result<(), TlsError> {
        let key = Arc::new(bundle.certified_key()?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = key;
        Ok(())
    }
}

impl ResolvesServerCert for SwappableResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}
