//! Sealing of stored values with XChaCha20-Poly1305.
//!
//! Format: `version(1) | key_id(4, big endian) | nonce(24) | ciphertext+tag`.
//! AAD binds the value to where it lives: `len(table) | table | record key`, so a
//! value copied to another row or table fails to open.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::keyring::{KeyId, Keyring};
use super::random;

/// Format version of a sealed value.
pub const SEAL_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 4 + 24;
const TAG_LEN: usize = 16;

/// Why a sealed value did not open. Carries no plaintext and no key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed value is too short ({0} bytes)")]
    Truncated(usize),
    #[error("sealed value has unknown format version {0}")]
    UnknownVersion(u8),
    #[error("sealed value names data key {0}, which the keyring does not hold")]
    UnknownKey(KeyId),
    #[error("sealed value failed authentication (altered, moved or under another key)")]
    Authentication,
}

/// Seals and opens values with the keyring's data keys.
pub struct Sealer {
    keyring: Keyring,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("active_key", &self.keyring.active().id())
            .finish_non_exhaustive()
    }
}

fn aad(table: &str, record_key: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(2 + table.len() + record_key.len());
    // Table names are short constants; a u16 length keeps the encoding unambiguous.
    aad.extend_from_slice(&(table.len() as u16).to_be_bytes());
    aad.extend_from_slice(table.as_bytes());
    aad.extend_from_slice(record_key);
    aad
}

impl Sealer {
    pub fn new(keyring: Keyring) -> Self {
        Self { keyring }
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Seals `plaintext` for row `record_key` of `table` under the active data key.
    pub fn seal(&self, table: &str, record_key: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let key = self.keyring.active();
        let mut nonce = [0u8; 24];
        random::fill(&mut nonce);
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        let aad = aad(table, record_key);
        // Encryption with a valid key and in-memory buffers cannot fail.
        #[allow(clippy::expect_used)]
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer");
        let mut out = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&key.id().0.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Opens a value sealed for row `record_key` of `table`.
    pub fn open(
        &self,
        table: &str,
        record_key: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        if sealed.len() < HEADER_LEN + TAG_LEN {
            return Err(SealError::Truncated(sealed.len()));
        }
        if sealed[0] != SEAL_VERSION {
            return Err(SealError::UnknownVersion(sealed[0]));
        }
        let mut id = [0u8; 4];
        id.copy_from_slice(&sealed[1..5]);
        let key_id = KeyId(u32::from_be_bytes(id));
        let key = self
            .keyring
            .get(key_id)
            .ok_or(SealError::UnknownKey(key_id))?;
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        let aad = aad(table, record_key);
        cipher
            .decrypt(
                XNonce::from_slice(&sealed[5..HEADER_LEN]),
                Payload {
                    msg: &sealed[HEADER_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Authentication)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sealer() -> Sealer {
        Sealer::new(Keyring::generate())
    }

    #[test]
    fn sealed_value_opens_to_the_same_bytes() {
        let s = sealer();
        let sealed = s.seal("messages", b"id-1", b"hello");
        assert_eq!(sealed[0], SEAL_VERSION);
        assert_eq!(s.open("messages", b"id-1", &sealed).unwrap(), b"hello");
    }

    #[test]
    fn value_under_another_keyring_is_refused() {
        let sealed = sealer().seal("t", b"k", b"secret");
        let other = sealer();
        assert_eq!(
            other.open("t", b"k", &sealed),
            Err(SealError::Authentication)
        );
    }

    #[test]
    fn value_naming_an_unknown_key_is_refused() {
        let s = sealer();
        let mut sealed = s.seal("t", b"k", b"secret");
        sealed[1..5].copy_from_slice(&9999u32.to_be_bytes());
        assert_eq!(
            s.open("t", b"k", &sealed),
            Err(SealError::UnknownKey(KeyId(9999)))
        );
    }

    #[test]
    fn values_sealed_under_a_retired_key_still_open_after_rotation() {
        let mut ring = Keyring::generate();
        let old = Sealer::new(ring.clone()).seal("t", b"k", b"old");
        ring.rotate();
        let s = Sealer::new(ring);
        assert_eq!(s.open("t", b"k", &old).unwrap(), b"old");
        let new = s.seal("t", b"k", b"new");
        assert_ne!(new[1..5], old[1..5]);
    }

    proptest! {
        #[test]
        fn round_trip(table in "[a-z_]{1,20}", key in proptest::collection::vec(any::<u8>(), 0..40),
                      msg in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let s = sealer();
            let sealed = s.seal(&table, &key, &msg);
            prop_assert_eq!(s.open(&table, &key, &sealed).unwrap(), msg);
        }

        #[test]
        fn any_flipped_bit_is_refused(msg in proptest::collection::vec(any::<u8>(), 0..256),
                                      pos in any::<proptest::sample::Index>(), bit in 0u8..8) {
            let s = sealer();
            let mut sealed = s.seal("t", b"k", &msg);
            let i = pos.index(sealed.len());
            sealed[i] ^= 1 << bit;
            prop_assert!(s.open("t", b"k", &sealed).is_err());
        }

        #[test]
        fn any_truncation_is_refused(msg in proptest::collection::vec(any::<u8>(), 0..256),
                                     cut in any::<proptest::sample::Index>()) {
            let s = sealer();
            let sealed = s.seal("t", b"k", &msg);
            let len = cut.index(sealed.len());
            prop_assert!(s.open("t", b"k", &sealed[..len]).is_err());
        }

        #[test]
        fn value_moved_to_another_row_or_table_is_refused(
            msg in proptest::collection::vec(any::<u8>(), 0..256),
            other_key in proptest::collection::vec(any::<u8>(), 0..40),
            other_table in "[a-z_]{1,20}") {
            let s = sealer();
            let sealed = s.seal("t", b"k", &msg);
            if other_key.as_slice() != b"k" {
                prop_assert_eq!(s.open("t", &other_key, &sealed), Err(SealError::Authentication));
            }
            if other_table != "t" {
                prop_assert_eq!(s.open(&other_table, b"k", &sealed), Err(SealError::Authentication));
            }
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = sealer().open("t", b"k", &bytes);
        }
    }
}
