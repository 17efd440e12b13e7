//! When each session was last used, kept in memory so that resolving a session is a read
//! transaction, not a durable write. The stored `last_seen` is brought up to date at most
//! once per `PERSIST_EVERY` per session; after a restart the stored value is at most that
//! old, so an idle timeout can come that much early, never late.

use std::collections::HashMap;

use parking_lot::Mutex;
use time::{Duration, OffsetDateTime};

/// How stale a session's stored `last_seen` may get before a request writes it.
pub const PERSIST_EVERY: Duration = Duration::minutes(1);

/// Below this many entries the map is never swept.
const SWEEP_FLOOR: usize = 1024;

/// Blind index of a session → when it was last used, as far as this process knows.
#[derive(Default)]
pub struct SeenSessions {
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    at: HashMap<[u8; 32], OffsetDateTime>,
    /// The size at which the next sweep of forgotten sessions runs.
    sweep_at: usize,
}

impl SeenSessions {
    /// The later of `stored` and what this process saw.
    pub fn last_seen(&self, index: &[u8; 32], stored: OffsetDateTime) -> OffsetDateTime {
        let inner = self.inner.lock();
        inner.at.get(index).map_or(stored, |&seen| seen.max(stored))
    }

    /// Notes a use at `now`. Entries not used for `forget_after` are swept when the map has
    /// doubled since the last sweep, so the map holds no more than the live sessions.
    pub fn touch(&self, index: &[u8; 32], now: OffsetDateTime, forget_after: Duration) {
        let mut inner = self.inner.lock();
        let entry = inner.at.entry(*index).or_insert(now);
        *entry = (*entry).max(now);
        if inner.at.len() > inner.sweep_at.max(SWEEP_FLOOR) {
            inner.at.retain(|_, seen| now - *seen <= forget_after);
            inner.sweep_at = inner.at.len() * 2;
        }
    }

    /// The session ended (signed out, timed out, replaced).
    pub fn forget(&self, index: &[u8; 32]) {
        self.inner.lock().at.remove(index);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().at.len()
    }
}

impl std::fmt::Debug for SeenSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeenSessions").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 09:00 UTC);

    #[test]
    fn the_later_of_stored_and_seen_wins() {
        let seen = SeenSessions::default();
        let key = [1u8; 32];
        assert_eq!(
            seen.last_seen(&key, T0),
            T0,
            "nothing seen: the stored value"
        );
        seen.touch(&key, T0 + Duration::minutes(3), Duration::hours(1));
        assert_eq!(seen.last_seen(&key, T0), T0 + Duration::minutes(3));
        assert_eq!(
            seen.last_seen(&key, T0 + Duration::minutes(5)),
            T0 + Duration::minutes(5),
            "a newer stored value (another writer) wins"
        );
        seen.touch(&key, T0 + Duration::minutes(1), Duration::hours(1));
        assert_eq!(
            seen.last_seen(&key, T0),
            T0 + Duration::minutes(3),
            "a clock that stepped back does not move last use backwards"
        );
        seen.forget(&key);
        assert_eq!(seen.last_seen(&key, T0), T0);
    }

    #[test]
    fn live_sessions_stay_and_forgotten_ones_are_swept() {
        let seen = SeenSessions::default();
        let key = |tag: u8, i: u32| {
            let mut k = [tag; 32];
            k[..4].copy_from_slice(&i.to_le_bytes());
            k
        };
        for i in 0..2000 {
            seen.touch(&key(0, i), T0, Duration::minutes(30));
        }
        assert_eq!(seen.len(), 2000, "live sessions are never dropped");
        let later = T0 + Duration::hours(1);
        for i in 0..100 {
            seen.touch(&key(1, i), later, Duration::minutes(30));
        }
        assert_eq!(
            seen.len(),
            100,
            "the hour-old entries went once the map doubled"
        );
        assert_eq!(seen.last_seen(&key(0, 7), T0), T0);
    }
}
