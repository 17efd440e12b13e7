//! The machine's unlock identity and the owner's recovery identity.
//!
//! The unlock identity opens `keyring.age` on this machine. It lives either in `unlock.key`
//! (mode 0600, for unattended boot) or in `unlock.key.age`, itself age-encrypted with the
//! owner's passphrase (scrypt), in which case the server starts sealed until someone types
//! the passphrase. The recovery identity is printed once at `init` and kept offline; it opens
//! the keyring and every backup.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::fsutil;

/// The most scrypt work (`log2 N`) an unlock file may ask for: 2^22 is about 4 GiB and
/// many seconds; `init` calibrates to about one second, far below it.
const MAX_UNLOCK_WORK_FACTOR: u8 = 22;

/// Why the unlock identity could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error("that passphrase is not the one this data directory was set up with")]
    WrongPassphrase,
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("that passphrase is too weak to protect the practice's data: {0} Choose a longer one (a few unrelated words work well) and put it in the file again")]
    WeakPassphrase(crate::crypto::password::PasswordProblem),
    #[error("this data directory is locked with a passphrase; give it with --passphrase-file or on the unlock page")]
    PassphraseRequired,
    #[error("the unlock key file is missing from the data directory")]
    Missing,
    #[error("the unlock key file is damaged: {0}")]
    Malformed(&'static str),
    #[error("could not read or write the unlock key file: {0}")]
    Io(#[from] std::io::Error),
}

/// The passphrase typed by the owner. Never printed.
pub struct Passphrase(SecretString);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

impl Passphrase {
    /// A passphrase as typed; one trailing line break (from a file or a form) is dropped.
    pub fn new(text: &str) -> Result<Self, UnlockError> {
        let trimmed = text.strip_suffix('\n').unwrap_or(text);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(UnlockError::EmptyPassphrase);
        }
        Ok(Self(SecretString::from(trimmed.to_owned())))
    }

    /// A new passphrase must be as strong as a password: 12 characters or more, not a
    /// well-known one, not one character repeated.
    pub fn check_new(&self) -> Result<(), UnlockError> {
        let text = self.0.expose_secret();
        crate::crypto::password::check_new(text, text).map_err(UnlockError::WeakPassphrase)
    }

    pub fn from_file(path: &Path) -> Result<Self, UnlockError> {
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        Self::new(&text)
    }
}

/// The machine's X25519 identity that opens `keyring.age`. Never printed.
pub struct UnlockIdentity(age::x25519::Identity);

impl fmt::Debug for UnlockIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnlockIdentity([redacted])")
    }
}

/// Where and how the unlock identity is kept.
pub enum UnlockFile {
    /// `unlock.key`: readable at boot, mode 0600.
    Plain,
    /// `unlock.key.age`: needs the owner's passphrase.
    Passphrase,
}

pub const PLAIN_FILE: &str = "unlock.key";
pub const SEALED_FILE: &str = "unlock.key.age";

impl UnlockIdentity {
    pub fn generate() -> Self {
        Self(age::x25519::Identity::generate())
    }

    pub fn identity(&self) -> &age::x25519::Identity {
        &self.0
    }

    pub fn recipient(&self) -> age::x25519::Recipient {
        self.0.to_public()
    }

    /// Which kind of unlock file `dir` holds, if any.
    pub fn kind_in(dir: &Path) -> Option<UnlockFile> {
        if dir.join(SEALED_FILE).exists() {
            Some(UnlockFile::Passphrase)
        } else if dir.join(PLAIN_FILE).exists() {
            Some(UnlockFile::Plain)
        } else {
            None
        }
    }

    /// Writes the identity into `dir`, encrypted with `passphrase` when one is given.
    pub fn write_to(&self, dir: &Path, passphrase: Option<&Passphrase>) -> Result<(), UnlockError> {
        let text = self.0.to_string();
        match passphrase {
            None => {
                let line = Zeroizing::new(format!("{}\n", text.expose_secret()));
                fsutil::write_private_atomic(&dir.join(PLAIN_FILE), line.as_bytes())?;
            }
            Some(pass) => {
                let encryptor = age::Encryptor::with_user_passphrase(pass.0.clone());
                let mut out = Vec::new();
                let mut writer = encryptor.wrap_output(&mut out)?;
                writer.write_all(text.expose_secret().as_bytes())?;
                writer.finish()?;
                fsutil::write_private_atomic(&dir.join(SEALED_FILE), &out)?;
            }
        }
        Ok(())
    }

    /// Reads the unattended unlock file from `dir`.
    pub fn read_plain(dir: &Path) -> Result<Self, UnlockError> {
        let path = dir.join(PLAIN_FILE);
        if !path.exists() {
            return Err(UnlockError::Missing);
        }
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        parse_identity(text.trim())
    }

    /// Decrypts `unlock.key.age` in `dir` with `passphrase`. Reads only; changes nothing.
    pub fn read_sealed(dir: &Path, passphrase: &Passphrase) -> Result<Self, UnlockError> {
        let path = dir.join(SEALED_FILE);
        if !path.exists() {
            return Err(UnlockError::Missing);
        }
        let bytes = std::fs::read(path)?;
        let decryptor = age::Decryptor::new(&bytes[..])
            .map_err(|_| UnlockError::Malformed("not an age file"))?;
        let mut identity = age::scrypt::Identity::new(passphrase.0.clone());
        // age bounds the work it accepts by timing this machine now: on a busy or slower
        // machine (a backup running, a restore onto a mini-PC) that bound falls below the
        // work factor the file was made with, and the owner's right passphrase would be
        // refused. The file is our own (0600, written at init), so a fixed bound holds.
        identity.set_max_work_factor(MAX_UNLOCK_WORK_FACTOR);
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                    UnlockError::WrongPassphrase
                }
                age::DecryptError::ExcessiveWork { .. } => {
                    UnlockError::Malformed("locked with more scrypt work than Alcove accepts")
                }
                _ => UnlockError::Malformed("not a passphrase-encrypted key"),
            })?;
        let mut text = Zeroizing::new(String::new());
        reader
            .read_to_string(&mut text)
            .map_err(|_| UnlockError::Malformed("the key inside is damaged"))?;
        parse_identity(text.trim())
    }

    /// Loads the identity, using `passphrase` when the directory is passphrase-locked.
    pub fn load(dir: &Path, passphrase: Option<&Passphrase>) -> Result<Self, UnlockError> {
        match (Self::kind_in(dir), passphrase) {
            (None, _) => Err(UnlockError::Missing),
            (Some(UnlockFile::Plain), _) => Self::read_plain(dir),
            (Some(UnlockFile::Passphrase), Some(p)) => Self::read_sealed(dir, p),
            (Some(UnlockFile::Passphrase), None) => Err(UnlockError::PassphraseRequired),
        }
    }
}

fn parse_identity(text: &str) -> Result<UnlockIdentity, UnlockError> {
    age::x25519::Identity::from_str(text)
        .map(UnlockIdentity)
        .map_err(|_| UnlockError::Malformed("not an age identity"))
}

/// The owner's recovery identity: opens the keyring and every backup. Never printed
/// except once, into the file the owner asked for.
pub struct RecoveryIdentity(age::x25519::Identity);

impl fmt::Debug for RecoveryIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryIdentity([redacted])")
    }
}

pub const RECOVERY_RECIPIENT_FILE: &str = "recovery.pub";

impl RecoveryIdentity {
    pub fn generate() -> Self {
        Self(age::x25519::Identity::generate())
    }

    pub fn recipient(&self) -> age::x25519::Recipient {
        self.0.to_public()
    }

    /// The file contents the owner keeps offline, in the format of `age-keygen`.
    pub fn file_contents(&self, created: &str) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "# Alcove recovery key, created {created}\n\
             # Keep this file offline (a USB stick in a safe, a printout). It opens the\n\
             # keyring and every backup. Anyone holding it can read your practice's data.\n\
             # public key: {}\n{}\n",
            self.recipient(),
            self.0.to_string().expose_secret()
        ))
    }

    /// Reads a recovery identity file (comment lines allowed).
    pub fn read(path: &Path) -> Result<Self, UnlockError> {
        Self::parse(&Zeroizing::new(std::fs::read_to_string(path)?))
    }

    /// Reads a recovery identity from the text of such a file.
    pub fn parse(text: &str) -> Result<Self, UnlockError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .ok_or(UnlockError::Malformed("no AGE-SECRET-KEY line"))?;
        age::x25519::Identity::from_str(line)
            .map(Self)
            .map_err(|_| UnlockError::Malformed("not an age identity"))
    }

    pub fn identity(&self) -> &age::x25519::Identity {
        &self.0
    }
}

/// Reads the recovery recipient (public key) kept in the data directory.
pub fn read_recovery_recipient(dir: &Path) -> Result<age::x25519::Recipient, UnlockError> {
    let text = std::fs::read_to_string(dir.join(RECOVERY_RECIPIENT_FILE))?;
    age::x25519::Recipient::from_str(text.trim())
        .map_err(|_| UnlockError::Malformed("recovery.pub is not an age recipient"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrase_locked_identity_needs_the_right_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let id = UnlockIdentity::generate();
        let good = Passphrase::new("correct horse battery staple\n").unwrap();
        id.write_to(dir.path(), Some(&good)).unwrap();
        let back = UnlockIdentity::load(dir.path(), Some(&good)).unwrap();
        assert_eq!(back.recipient().to_string(), id.recipient().to_string());
        let bad = Passphrase::new("wrong").unwrap();
        assert!(matches!(
            UnlockIdentity::load(dir.path(), Some(&bad)),
            Err(UnlockError::WrongPassphrase)
        ));
        assert!(matches!(
            UnlockIdentity::load(dir.path(), None),
            Err(UnlockError::PassphraseRequired)
        ));
    }

    #[test]
    fn empty_passphrase_is_refused() {
        assert!(matches!(
            Passphrase::new("\n"),
            Err(UnlockError::EmptyPassphrase)
        ));
    }

    #[test]
    fn recovery_file_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let id = RecoveryIdentity::generate();
        let path = dir.path().join("r.txt");
        std::fs::write(&path, id.file_contents("today").as_bytes()).unwrap();
        let back = RecoveryIdentity::read(&path).unwrap();
        assert_eq!(back.recipient().to_string(), id.recipient().to_string());
        assert!(format!("{back:?}").contains("redacted"));
    }
}
