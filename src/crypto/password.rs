//! Passwords: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), hashed on the
//! blocking pool with a bound on how many run at once, so a sign-in storm cannot starve
//! other requests. Length 12 to 128, no composition rules, no truncation, and a refusal of
//! well-known passwords.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

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

fn argon2() -> Argon2<'static> {
    #[allow(clippy::expect_used)]
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords off the async workers, a bounded number at a time.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so both answers take as long.
    dummy: Arc<String>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher").finish_non_exhaustive()
    }
}

impl Hasher {
    pub fn new(max_concurrent: usize) -> Self {
        let dummy = hash_blocking("alcove-dummy-password-for-timing").unwrap_or_default();
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy: Arc::new(dummy),
        }
    }

    pub async fn hash(&self, password: Zeroizing<String>) -> Option<String> {
        let _permit = self.permits.acquire().await.ok()?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .ok()
            .flatten()
    }

    /// True when `password` matches `hash`; with `None`, checks a dummy hash and says no.
    pub async fn verify(&self, password: Zeroizing<String>, hash: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| (*self.dummy).clone());
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
            .await
            .unwrap_or(false);
        ok && known
    }
}

pub fn hash_blocking(password: &str) -> Option<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

pub fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
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
    }
}
