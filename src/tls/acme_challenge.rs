//! The answers to ACME challenges while an order is open: HTTP-01 key authorizations by
//! token (served by the plain-HTTP listener) and TLS-ALPN-01 certificates by name (served
//! by the certificate resolver to a ClientHello that offers only `acme-tls/1`, RFC 8737).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

use super::TlsError;

/// The ALPN protocol name of TLS-ALPN-01.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// The path prefix HTTP-01 validation requests use.
pub const HTTP01_PREFIX: &str = "/.well-known/acme-challenge/";

#[derive(Default)]
pub struct AcmeChallenges {
    http: Mutex<HashMap<String, String>>,
    alpn: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for AcmeChallenges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcmeChallenges").finish_non_exhaustive()
    }
}

/// A token as RFC 8555 §8.1 allows it: base64url characters only, so nothing else (a
/// path, `..`, an encoded slash) ever reaches the lookup.
pub fn token_ok(token: &str) -> bool {
    (1..=256).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl AcmeChallenges {
    pub fn put_http(&self, token: &str, key_authorization: &str) {
        lock(&self.http).insert(token.to_owned(), key_authorization.to_owned());
    }

    /// The key authorization for `token`, while its challenge is open.
    pub fn http_answer(&self, token: &str) -> Option<String> {
        if !token_ok(token) {
            return None;
        }
        lock(&self.http).get(token).cloned()
    }

    /// Makes the self-signed challenge certificate for `name` carrying the SHA-256 digest of
    /// the key authorization in the critical acmeIdentifier extension.
    pub fn put_alpn(&self, name: &str, key_auth_digest: &[u8]) -> Result<(), TlsError> {
        let key_pair = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(vec![name.to_owned()])?;
        params.custom_extensions =
            vec![rcgen::CustomExtension::new_acme_identifier(key_auth_digest)];
        let cert = params.self_signed(&key_pair)?;
        let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
        let signing = rustls::crypto::ring::sign::any_supported_type(&key)?;
        let certified = CertifiedKey::new(vec![CertificateDer::from(cert.der().to_vec())], signing);
        lock(&self.alpn).insert(name.to_ascii_lowercase(), Arc::new(certified));
        Ok(())
    }

    /// The TLS-ALPN-01 certificate for the name in the ClientHello's SNI.
    pub fn alpn_answer(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        let name = server_name?.to_ascii_lowercase();
        lock(&self.alpn).get(&name).cloned()
    }

    /// Forgets every answer (the order is over).
    pub fn clear(&self) {
        lock(&self.http).clear();
        lock(&self.alpn).clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_base64url_tokens_are_looked_up() {
        let book = AcmeChallenges::default();
        book.put_http("abc_DEF-123", "abc_DEF-123.thumb");
        assert_eq!(
            book.http_answer("abc_DEF-123").as_deref(),
            Some("abc_DEF-123.thumb")
        );
        for bad in [
            "",
            "../../etc/passwd",
            "abc%2F..",
            "abc/def",
            "abc.def",
            "a b",
        ] {
            assert_eq!(book.http_answer(bad), None, "{bad:?}");
        }
        book.clear();
        assert_eq!(book.http_answer("abc_DEF-123"), None);
    }
}
