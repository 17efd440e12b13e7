//! A certificate resolver whose certificate can be replaced without a restart, and which
//! answers TLS-ALPN-01 challenges when ACME is on.

use std::sync::{Arc, OnceLock, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::acme_challenge::{AcmeChallenges, ACME_TLS_ALPN};
use super::self_signed::CertBundle;
use super::TlsError;

#[derive(Debug)]
pub struct SwappableResolver {
    current: RwLock<Arc<CertifiedKey>>,
    /// Set in `tls.mode = "acme"`: the open challenges' answers.
    acme: OnceLock<Arc<AcmeChallenges>>,
}

impl SwappableResolver {
    pub fn new(bundle: &CertBundle) -> Result<Self, TlsError> {
        Ok(Self {
            current: RwLock::new(Arc::new(bundle.certified_key()?)),
            acme: OnceLock::new(),
        })
    }

    /// A resolver serving `key` (own certificate files).
    pub fn from_key(key: Arc<CertifiedKey>) -> Self {
        Self {
            current: RwLock::new(key),
            acme: OnceLock::new(),
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

    /// Turns on TLS-ALPN-01 answers (and the HTTP-01 ones the plain-HTTP listener reads).
    pub fn enable_acme(&self) -> Arc<AcmeChallenges> {
        self.acme.get_or_init(Arc::default).clone()
    }

    /// The ACME challenge answers, when ACME is on.
    pub fn acme(&self) -> Option<Arc<AcmeChallenges>> {
        self.acme.get().cloned()
    }
}

impl ResolvesServerCert for SwappableResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let wants_acme = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        if wants_acme {
            // RFC 8737: such a handshake gets the challenge certificate or nothing.
            return self.acme.get()?.alpn_answer(hello.server_name());
        }
        Some(
            self.current
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}
