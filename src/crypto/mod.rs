//! Encryption at rest: sealed values, the age-wrapped keyring, blind indexes and the
//! unlock/recovery identities.
//!
//! Security-sensitive: every byte of client data that reaches the disk passes through
//! [`seal::Sealer`]. Nothing here hand-rolls a primitive; XChaCha20-Poly1305, HMAC-SHA256
//! and age come from their well-kept crates.

pub mod blind;
mod hash_pool;
pub mod keyring;
pub mod password;
pub mod random;
pub mod seal;
pub mod totp;
pub mod unlock;

pub use blind::BlindIndexer;
pub use keyring::{DataKey, KeyId, Keyring};
pub use seal::{SealError, Sealer};
pub use unlock::{RecoveryIdentity, UnlockError, UnlockIdentity};
