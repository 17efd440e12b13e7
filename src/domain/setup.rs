//! The one-time owner setup link printed at start.
//!
//! The token is 256 random bits, handed out once as part of a link, and stored only as its
//! blind index; a new link replaces every older one, and each works for 24 hours.

use time::{Duration, OffsetDateTime};

use crate::clock::Clock;
use crate::crypto::random;
use crate::store::setup_tokens::{self, SetupToken};
use crate::store::{Store, StoreError};

pub const SETUP_LINK_LIFETIME: Duration = Duration::hours(24);
const INDEX_DOMAIN: &str = "setup-token";

/// A freshly issued setup token. Printed once; never logged.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a presented token turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum SetupTokenState {
    Valid {
        expires_at: OffsetDateTime,
    },
    /// Unknown, replaced or expired: one answer for all, so nothing is revealed.
    NotValid,
}

/// Issues a new owner setup token, replacing any earlier one.
pub fn issue(store: &Store, clock: &dyn Clock) -> Result<IssuedToken, StoreError> {
    let token = random::token();
    let now = clock.now();
    let record = SetupToken {
        created_at: now,
        expires_at: now + SETUP_LINK_LIFETIME,
    };
    let index = store.blind_index().index(INDEX_DOMAIN, token.as_bytes());
    store.write(|tx| setup_tokens::replace_all(tx, &index, &record))?;
    Ok(IssuedToken {
        token,
        expires_at: record.expires_at,
    })
}

/// Checks a presented token without using it up.
pub fn check(store: &Store, clock: &dyn Clock, token: &str) -> Result<SetupTokenState, StoreError> {
    // A malformed token cannot match; skip the lookup but answer the same way.
    if token.len() != 43 {
        return Ok(SetupTokenState::NotValid);
    }
    let index = store.blind_index().index(INDEX_DOMAIN, token.as_bytes());
    let found = store.read(|tx| setup_tokens::find(tx, &index))?;
    Ok(match found {
        Some(t) if t.expires_at > clock.now() => SetupTokenState::Valid {
            expires_at: t.expires_at,
        },
        _ => SetupTokenState::NotValid,
    })
}

/// What the owner typed on the setup page.
pub struct OwnerForm {
    /// The practice's name as clients should see it.
    pub practice: String,
    pub name: String,
    pub email: String,
    pub password: zeroize::Zeroizing<String>,
    pub confirm: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for OwnerForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnerForm { .. }")
    }
}

/// True once an owner account exists.
pub fn owner_exists(store: &Store) -> Result<bool, StoreError> {
    let all = store.read(crate::store::accounts::all)?;
    Ok(all.iter().any(|a| a.role == crate::policy::Role::Owner))
}

/// Checks a display name and an email address as typed.
pub fn check_name_and_email(name: &str, email: &str) -> Result<(), crate::domain::ServiceError> {
    use crate::domain::ServiceError;
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::invalid(
            "name",
            "Please enter a name (up to 200 characters).",
        ));
    }
    let email = email.trim();
    let plausible = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !plausible {
        return Err(ServiceError::invalid(
            "email",
            "Please enter an email address like name@example.org.",
        ));
    }
    Ok(())
}

impl crate::domain::Services {
    /// Creates the owner from the one-time setup link. The link works once: it is removed
    /// in the same transaction that creates the owner. Returns a session that must enroll
    /// the second sign-in step next.
    pub async fn create_owner(
        &self,
        ip: Option<std::net::IpAddr>,
        token: &str,
        form: OwnerForm,
    ) -> Result<crate::domain::sessions::SessionToken, crate::domain::ServiceError> {
        use crate::domain::ServiceError;
        use crate::store::accounts::{self, Account, AccountStatus};
        let now = self.now();
        if check(&self.store, self.clock.as_ref(), token)? == SetupTokenState::NotValid {
            return Err(ServiceError::NotFound);
        }
        check_name_and_email(&form.name, &form.email)?;
        let practice = form.practice.trim().to_owned();
        if practice.is_empty() || practice.chars().count() > 120 {
            return Err(ServiceError::invalid(
                "practice",
                "Please enter your practice's name (up to 120 characters).",
            ));
        }
        crate::crypto::password::check_new(&form.password, &form.confirm)?;
        let hash = self
            .hasher
            .hash(form.password)
            .await
            .ok_or(ServiceError::PasswordHashing)?;
        let token_index = self
            .store
            .blind_index()
            .index(INDEX_DOMAIN, token.as_bytes());
        let email_index = self.store.blind_index().email(&form.email);
        let account = Account {
            id: crate::policy::AccountId::generate(),
            role: crate::policy::Role::Owner,
            name: form.name.trim().to_owned(),
            email: form.email.trim().to_owned(),
            status: AccountStatus::Active,
            password_hash: Some(hash),
            totp: None,
            recovery_codes: Vec::new(),
            failed_logins: Vec::new(),
            created_at: now,
            email_confirmed_at: None,
            email_alerts: true,
        };
        let actor = crate::policy::Actor::account(account.id, account.role, ip);
        let started = self.store.write(|tx| {
            // Re-check inside the transaction: exactly one request can use the link.
            let valid = tx
                .get::<SetupToken>(&token_index)?
                .is_some_and(|t| t.expires_at > now);
            if !valid {
                return Err(ServiceError::NotFound);
            }
            if crate::store::accounts::practice_for_update(tx)?
                .iter()
                .any(|a| a.role == crate::policy::Role::Owner)
            {
                return Err(ServiceError::NotFound);
            }
            tx.clear::<SetupToken>()?;
            crate::store::practice::save(
                tx,
                &crate::store::practice::PracticeProfile {
                    name: practice.clone(),
                },
            )?;
            accounts::put(tx, &account)?;
            accounts::index_email(tx, &email_index, account.id)?;
            self.queue_confirmation(tx, &actor, &account, now)?;
            crate::domain::audit::record(
                tx,
                now,
                &actor,
                crate::domain::audit::Event::SetupOwnerCreated,
                crate::domain::audit::AuditTarget::new().account(account.id),
                crate::domain::audit::Outcome::Ok,
            )?;
            Ok(self.start_session(
                tx,
                &account,
                crate::store::sessions::SessionStage::EnrollingTotp,
                now,
                false,
            )?)
        });
        self.wake_mail();
        started
    }
}

impl super::Services {
    /// What a setup link is now (the setup page, before any account exists).
    pub fn setup_link_state(&self, token: &str) -> Result<SetupTokenState, StoreError> {
        check(&self.store, self.clock.as_ref(), token)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests start their manual clocks at the real time
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::crypto::{Keyring, Sealer};

    #[test]
    fn setup_link_works_for_24_hours_and_only_the_newest_works() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create(&dir.path().join("db"), Sealer::new(Keyring::generate())).unwrap();
        let clock = ManualClock::new(OffsetDateTime::now_utc());
        let first = issue(&store, &clock).unwrap();
        assert!(matches!(
            check(&store, &clock, &first.token).unwrap(),
            SetupTokenState::Valid { .. }
        ));
        let second = issue(&store, &clock).unwrap();
        assert_eq!(
            check(&store, &clock, &first.token).unwrap(),
            SetupTokenState::NotValid
        );
        assert!(matches!(
            check(&store, &clock, &second.token).unwrap(),
            SetupTokenState::Valid { .. }
        ));
        clock.advance(Duration::hours(24) + Duration::seconds(1));
        assert_eq!(
            check(&store, &clock, &second.token).unwrap(),
            SetupTokenState::NotValid
        );
        assert_eq!(
            check(&store, &clock, "short").unwrap(),
            SetupTokenState::NotValid
        );
        assert!(!format!("{second:?}").contains(&second.token));
    }
}
