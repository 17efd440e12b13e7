//! The keyring: data keys (with ids, so they can rotate) and the blind-index key.
//!
//! On disk it is `keyring.age`, a standard age file encrypted to two X25519 recipients: the
//! machine's unlock identity and the owner's offline recovery identity. `age -d -i
//! recovery-key.txt keyring.age` prints it.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::random;
use crate::fsutil;

const FORMAT: u32 = 1;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Identifies one data key inside the keyring; stored in every sealed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A 256-bit data key. Wiped on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey {
    #[zeroize(skip)]
    id: KeyId,
    bytes: [u8; 32],
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({}, [redacted])", self.id)
    }
}

impl DataKey {
    fn generate(id: KeyId) -> Self {
        Self {
            id,
            bytes: *random::secret_32(),
        }
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

/// All key material the store needs. Wiped on drop; never printed.
#[derive(Clone)]
pub struct Keyring {
    active: KeyId,
    data_keys: Vec<DataKey>,
    index_key: DataKey,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("keys", &self.data_keys.len())
            .finish_non_exhaustive()
    }
}

/// Why a keyring could not be read or written. Holds no key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("could not read or write the keyring file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the keyring file is not a valid age file: {0}")]
    NotAge(#[source] age::DecryptError),
    #[error("could not encrypt the keyring: {0}")]
    Encrypt(#[source] age::EncryptError),
    #[error("the keyring cannot be opened with this key (it was made for another data directory or the key is wrong)")]
    WrongKey,
    #[error("the keyring file's contents are damaged or of an unknown format")]
    Malformed,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyringFile {
    format: u32,
    active: u32,
    data_keys: Vec<KeyEntry>,
    index_key: Zeroizing<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: u32,
    key: Zeroizing<String>,
}

fn decode_key(text: &str) -> Result<[u8; 32], KeyringError> {
    let raw = Zeroizing::new(B64.decode(text).map_err(|_| KeyringError::Malformed)?);
    raw.as_slice()
        .try_into()
        .map_err(|_| KeyringError::Malformed)
}

impl Keyring {
    /// A fresh keyring with one data key and an index key.
    pub fn generate() -> Self {
        let first = KeyId(1);
        Self {
            active: first,
            data_keys: vec![DataKey::generate(first)],
            index_key: DataKey::generate(KeyId(0)),
        }
    }

    /// The key new values are sealed under.
    pub fn active(&self) -> &DataKey {
        // The constructor and `rotate` keep `active` pointing at a held key.
        self.get(self.active)
            .unwrap_or_else(|| unreachable!("active key {} is always held", self.active))
    }

    pub fn get(&self, id: KeyId) -> Option<&DataKey> {
        self.data_keys.iter().find(|k| k.id == id)
    }

    pub fn index_key(&self) -> &[u8; 32] {
        &self.index_key.bytes
    }

    /// Adds a new data key and makes it active; old keys stay to open old values.
    pub fn rotate(&mut self) -> KeyId {
        let next = KeyId(self.data_keys.iter().map(|k| k.id.0).max().unwrap_or(0) + 1);
        self.data_keys.push(DataKey::generate(next));
        self.active = next;
        next
    }

    fn to_file(&self) -> KeyringFile {
        KeyringFile {
            format: FORMAT,
            active: self.active.0,
            data_keys: self
                .data_keys
                .iter()
                .map(|k| KeyEntry {
                    id: k.id.0,
                    key: Zeroizing::new(B64.encode(k.bytes)),
                })
                .collect(),
            index_key: Zeroizing::new(B64.encode(self.index_key.bytes)),
        }
    }

    fn from_file(file: &KeyringFile) -> Result<Self, KeyringError> {
        if file.format != FORMAT {
            return Err(KeyringError::Malformed);
        }
        let mut data_keys = Vec::with_capacity(file.data_keys.len());
        for entry in &file.data_keys {
            data_keys.push(DataKey {
                id: KeyId(entry.id),
                bytes: decode_key(&entry.key)?,
            });
        }
        let ring = Self {
            active: KeyId(file.active),
            data_keys,
            index_key: DataKey {
                id: KeyId(0),
                bytes: decode_key(&file.index_key)?,
            },
        };
        if ring.get(ring.active).is_none() {
            return Err(KeyringError::Malformed);
        }
        Ok(ring)
    }

    /// Encrypts the keyring to `recipients` as an age file.
    pub fn encrypt(&self, recipients: &[&dyn age::Recipient]) -> Result<Vec<u8>, KeyringError> {
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(&self.to_file()).map_err(|_| KeyringError::Malformed)?,
        );
        let encryptor = age::Encryptor::with_recipients(recipients.iter().copied())
            .map_err(KeyringError::Encrypt)?;
        let mut out = Vec::new();
        let mut writer = encryptor.wrap_output(&mut out)?;
        writer.write_all(&json)?;
        writer.finish()?;
        Ok(out)
    }

    /// Decrypts an age-encrypted keyring with `identity`.
    pub fn decrypt(bytes: &[u8], identity: &dyn age::Identity) -> Result<Self, KeyringError> {
        let decryptor = age::Decryptor::new(bytes).map_err(KeyringError::NotAge)?;
        let mut reader = decryptor
            .decrypt(std::iter::once(identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed => {
                    KeyringError::WrongKey
                }
                other => KeyringError::NotAge(other),
            })?;
        let mut json = Zeroizing::new(Vec::new());
        reader
            .read_to_end(&mut json)
            .map_err(|_| KeyringError::Malformed)?;
        let file: KeyringFile =
            serde_json::from_slice(&json).map_err(|_| KeyringError::Malformed)?;
        Self::from_file(&file)
    }

    /// Writes the keyring to `path` atomically (temporary file, fsync, rename), mode 0600.
    pub fn write(
        &self,
        path: &Path,
        recipients: &[&dyn age::Recipient],
    ) -> Result<(), KeyringError> {
        let bytes = self.encrypt(recipients)?;
        fsutil::write_private_atomic(path, &bytes)?;
        Ok(())
    }

    pub fn read(path: &Path, identity: &dyn age::Identity) -> Result<Self, KeyringError> {
        let bytes = std::fs::read(path)?;
        Self::decrypt(&bytes, identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_round_trips_through_age_for_each_recipient() {
        let machine = age::x25519::Identity::generate();
        let recovery = age::x25519::Identity::generate();
        let mut ring = Keyring::generate();
        ring.rotate();
        let bytes = ring
            .encrypt(&[&machine.to_public(), &recovery.to_public()])
            .unwrap();
        for id in [&machine, &recovery] {
            let back = Keyring::decrypt(&bytes, id).unwrap();
            assert_eq!(back.active().id(), KeyId(2));
            assert_eq!(back.active().bytes(), ring.active().bytes());
            assert_eq!(back.index_key(), ring.index_key());
        }
        let stranger = age::x25519::Identity::generate();
        assert!(matches!(
            Keyring::decrypt(&bytes, &stranger),
            Err(KeyringError::WrongKey)
        ));
    }

    #[test]
    fn debug_output_holds_no_key_bytes() {
        let ring = Keyring::generate();
        let text = format!("{ring:?} {:?}", ring.active());
        assert!(text.contains("redacted"));
        assert!(!text.contains(&B64.encode(ring.active().bytes())));
    }
}
