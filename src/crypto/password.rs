//! Passwords: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), hashed on a
//! fixed few threads that reuse their memory, so a sign-in storm can neither starve other
//! requests nor grow the server's memory. Length 12 to 128, no composition rules, no
//! truncation, and a refusal of well-known passwords.

use zeroize::Zeroizing;

use super::hash_pool::{self, Job, Pool};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Why a new password was refused, in words for the person choosing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error(
        "Use at least 12 characters. A few unrelated words make a strong, memorable password."
    )]
    TooShort,
    #[error("Use at most 128 characters.")]
    TooLong,
    #[error("That password is too common and easy to guess. Please choose another.")]
    Common,
    #[error("The two passwords do not match.")]
    Mismatch,
}

/// Well-known passwords of 12 or more characters (shorter ones fail the length rule).
const COMMON: &[&str] = include!("common_passwords.in");

/// Checks a new password against the rules.
pub fn check_new(password: &str, confirm: &str) -> Result<(), PasswordProblem> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let one_char = lower.chars().all(|c| lower.starts_with(c));
    if one_char || COMMON.contains(&lower.as_str()) {
        return Err(PasswordProblem::Common);
    }
    if password != confirm {
        return Err(PasswordProblem::Mismatch);
    }
    Ok(())
}

/// At most this many hashes run at once, each holding 19 MiB while it runs.
pub const MAX_THREADS: usize = 2;
/// Jobs queued for the hashing threads; further callers wait, without a thread, for room.
const QUEUE: usize = 64;

/// A PHC string of a password nobody knows, with our parameters: verified against when the
/// email is unknown, so both answers cost the same work.
const DUMMY_HASH: &str = concat!(
    "$argon2id$v=19$m=19456,t=2,p=1$YWxjb3ZlLWR1bW15LXNhbHQ",
    "$Ml9i8L0c0mYqWm7l3Qo2c8GSEJ1s3kI5v1C0Gk3t9nY"
);

/// Hashes and verifies passwords on at most [`MAX_THREADS`] threads that reuse their memory
/// (see `hash_pool`), off the async workers.
#[derive(Clone)]
pub struct Hasher {
    pool: Pool,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher").finish_non_exhaustive()
    }
}

impl Hasher {
    /// A hasher with `max_concurrent` threads (at least 1, at most [`MAX_THREADS`]).
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            pool: Pool::new(max_concurrent.clamp(1, MAX_THREADS), QUEUE),
        }
    }

    pub async fn hash(&self, password: Zeroizing<String>) -> Option<String> {
        self.pool
            .run(|reply| Job::Hash { password, reply })
            .await
            .flatten()
    }

    /// True when `password` matches `hash`; with `None`, checks a dummy hash and says no.
    pub async fn verify(&self, password: Zeroizing<String>, hash: Option<String>) -> bool {
        let known = hash.is_some();
        let phc = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let ok = self
            .pool
            .run(|reply| Job::Verify {
                password,
                phc,
                reply,
            })
            .await
            .unwrap_or(false);
        ok && known
    }
}

/// Hashes on the calling thread with a memory block of its own (start-up and tests).
pub fn hash_blocking(password: &str) -> Option<String> {
    hash_pool::hash_with(&mut hash_pool::fresh_memory(), password)
}

/// Verifies on the calling thread with a memory block of its own (start-up and tests).
pub fn verify_blocking(password: &str, hash: &str) -> bool {
    hash_pool::verify_with(&mut hash_pool::fresh_memory(), password, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_for_new_passwords() {
        assert_eq!(check_new("short", "short"), Err(PasswordProblem::TooShort));
        let long = "a".repeat(129);
        assert_eq!(check_new(&long, &long), Err(PasswordProblem::TooLong));
        assert_eq!(
            check_new("Password1234", "Password1234"),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check_new("zzzzzzzzzzzzzz", "zzzzzzzzzzzzzz"),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check_new("river otter lantern", "river otter lantern!"),
            Err(PasswordProblem::Mismatch)
        );
        assert_eq!(
            check_new("river otter lantern", "river otter lantern"),
            Ok(())
        );
        // No truncation: 128 characters count in full.
        let max = "éa".repeat(64);
        assert_eq!(check_new(&max, &max), Ok(()));
    }

    #[test]
    fn hash_verifies_only_the_same_password_with_argon2id() {
        let h = hash_blocking("river otter lantern").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("river otter lantern", &h));
        assert!(!verify_blocking("river otter lanterN", &h));
        assert!(!verify_blocking("river otter lantern", "not a hash"));
    }

    /// Hashes stored before the hashing threads (argon2's own `PasswordHasher`) still
    /// verify, and argon2's own verifier accepts the hashes written now.
    #[test]
    fn stored_phc_strings_stay_compatible_both_ways() {
        use argon2::password_hash::rand_core::OsRng;
        use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
        use argon2::{Algorithm, Argon2, Params, PasswordVerifier as _, Version};
        let argon = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19 * 1024, 2, 1, None).unwrap(),
        );
        let old = argon
            .hash_password(b"river otter lantern", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_blocking("river otter lantern", &old));
        assert!(!verify_blocking("river otter lantern ", &old));
        // Written by the code before this change, for this password.
        assert!(verify_blocking(
            "quiet river lantern morning",
            STORED_BEFORE
        ));
        assert!(!verify_blocking(
            "quiet river lantern mornin",
            STORED_BEFORE
        ));
        let new = hash_blocking("river otter lantern").unwrap();
        let parsed = PasswordHash::new(&new).unwrap();
        assert!(argon
            .verify_password(b"river otter lantern", &parsed)
            .is_ok());
        assert!(argon
            .verify_password(b"river otter lanterN", &parsed)
            .is_err());
    }

    const STORED_BEFORE: &str = concat!(
        "$argon2id$v=19$m=19456,t=2,p=1$qvHA/ph/qi2CqC63odVS1A",
        "$Ard8CePo7EnVd3MSNGLGd+9H4oSxcBLOkoba72XA82Y"
    );

    #[tokio::test]
    async fn hasher_threads_answer_many_callers_and_the_dummy_says_no() {
        let hasher = Hasher::new(8);
        let h = hasher
            .hash(Zeroizing::new("river otter lantern".to_owned()))
            .await
            .unwrap();
        let checks: Vec<_> = (0..6)
            .map(|i| {
                let (hasher, h) = (hasher.clone(), h.clone());
                let password = if i % 2 == 0 {
                    "river otter lantern"
                } else {
                    "wrong"
                };
                tokio::spawn(async move {
                    hasher
                        .verify(Zeroizing::new(password.to_owned()), Some(h))
                        .await
                })
            })
            .collect();
        let mut results = Vec::new();
        for check in checks {
            results.push(check.await.unwrap());
        }
        assert_eq!(results, [true, false, true, false, true, false]);
        let dummy = hasher
            .verify(Zeroizing::new("river otter lantern".to_owned()), None)
            .await;
        assert!(!dummy);
        // The dummy is a well-formed hash with our parameters, so it costs the same work.
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
