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

#[cfg(test)]
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
