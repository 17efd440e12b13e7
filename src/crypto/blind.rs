//! Blind indexes: HMAC-SHA256 of a normalized value under the keyring's index key, so the
//! store can find a row by email or token without holding the email or token itself.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Computes blind indexes. Each index names a domain so that equal values in two
/// domains (an email and a token) never share an index.
#[derive(Clone)]
pub struct BlindIndexer {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for BlindIndexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexer([redacted])")
    }
}

impl BlindIndexer {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            key: Zeroizing::new(*key),
        }
    }

    /// The index of `value` in `domain`.
    pub fn index(&self, domain: &str, value: &[u8]) -> [u8; 32] {
        #[allow(clippy::expect_used)]
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.as_ref()).expect("HMAC takes any key length");
        mac.update(&(domain.len() as u16).to_be_bytes());
        mac.update(domain.as_bytes());
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// The index of an email address, case- and whitespace-insensitive.
    pub fn email(&self, email: &str) -> [u8; 32] {
        self.index("email", email.trim().to_lowercase().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_index_other_domain_other_index() {
        let b = BlindIndexer::new(&[7u8; 32]);
        assert_eq!(b.email("Ann@Example.org "), b.email("ann@example.org"));
        assert_ne!(b.index("email", b"x"), b.index("token", b"x"));
        assert_ne!(
            b.index("email", b"x"),
            BlindIndexer::new(&[8u8; 32]).index("email", b"x")
        );
    }
}
