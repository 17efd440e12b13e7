//! Sign-in throttling. SECURITY-SENSITIVE.
//!
//! Per address (the blind index of the email typed, whether or not an account has it):
//! at most [`MAX_GUESSES_PER_HOUR`] guesses an hour are ever checked. A guess is *reserved*
//! under one lock before any password is hashed, so concurrent requests cannot all pass a
//! check made before the first of them fails; a guess that turns out right is handed back.
//! Known and unknown addresses are counted the same way, so a lockout says nothing about
//! whether the address belongs to someone.
//!
//! Per network address: past [`IP_SLOWDOWN_AFTER`] checked guesses in an hour, guesses from
//! that address go one at a time through a lane with a growing pause (a guess refused by an
//! address's lockout is answered at once and counts for nothing here). Guessing across accounts
//! slows down; nobody behind the address (a clinic's office, a proxy) is refused.
//!
//! Counts live in memory: a restart starts them afresh for every address alike.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

/// Guesses checked per address within an hour; the next one is refused until the hour of
/// the oldest has passed.
pub const MAX_GUESSES_PER_HOUR: usize = 10;
/// Attempts from one network address within an hour before its attempts are slowed.
pub const IP_SLOWDOWN_AFTER: usize = 100;
/// The pause per attempt once slowed, doubling every further `IP_SLOWDOWN_AFTER`, capped.
const IP_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);
const IP_PAUSE_MAX: std::time::Duration = std::time::Duration::from_secs(2);
/// Attempts from one network that may wait in its lane; more are turned away unchecked,
/// so nobody behind that network waits longer than this many pauses.
const IP_MAX_WAITING: usize = 16;
/// Tracked keys at most: past this, entries with nothing in the last hour are forgotten,
/// then the longest-quiet ones, so memory stays bounded (about 25 MB) whatever arrives.
const MAX_TRACKED: usize = 100_000;
const WINDOW: Duration = Duration::hours(1);

/// A guess reserved against an address; give it back with [`Throttle::release`] when the
/// password was right.
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    key: [u8; 32],
    at: OffsetDateTime,
    /// How many guesses were already reserved within the hour (0 for the first).
    pub earlier: usize,
}

#[derive(Default)]
struct IpEntry {
    attempts: Vec<OffsetDateTime>,
    lane: Arc<tokio::sync::Mutex<()>>,
    waiting: usize,
}

/// Too many attempts from one network are already waiting; this one was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The network an address belongs to: itself for IPv4, its /64 for IPv6 (one household or
/// host holds a whole /64).
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The counters. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Throttle {
    guesses: Arc<Mutex<HashMap<[u8; 32], Vec<OffsetDateTime>>>>,
    ips: Arc<Mutex<HashMap<IpAddr, IpEntry>>>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

fn prune(times: &mut Vec<OffsetDateTime>, now: OffsetDateTime) {
    // A clock that went back must not make old entries count for ever.
    times.retain(|t| *t <= now + WINDOW && now - *t < WINDOW);
}

/// Keeps `map` under [`MAX_TRACKED`]: forgets empty entries, then the longest-quiet ones
/// down to nine tenths, so the work is rare and amortized.
fn bound<K: std::hash::Hash + Eq + Clone, V>(
    map: &mut HashMap<K, V>,
    empty: impl Fn(&mut V) -> bool,
    latest: impl Fn(&V) -> Option<OffsetDateTime>,
) {
    if map.len() <= MAX_TRACKED {
        return;
    }
    map.retain(|_, v| !empty(v));
    let keep = MAX_TRACKED * 9 / 10;
    if map.len() > keep {
        let mut by_age: Vec<(Option<OffsetDateTime>, K)> =
            map.iter().map(|(k, v)| (latest(v), k.clone())).collect();
        by_age.sort_by_key(|(t, _)| *t);
        for (_, k) in by_age.into_iter().take(map.len() - keep) {
            map.remove(&k);
        }
    }
}

impl Throttle {
    /// Reserves one guess against `key`, or says until when the address is locked.
    pub fn reserve(
        &self,
        key: [u8; 32],
        now: OffsetDateTime,
    ) -> Result<Reservation, OffsetDateTime> {
        let mut map = self.guesses.lock().unwrap_or_else(|p| p.into_inner());
        bound(
            &mut map,
            |times| {
                prune(times, now);
                times.is_empty()
            },
            |times| times.iter().max().copied(),
        );
        let times = map.entry(key).or_default();
        prune(times, now);
        if times.len() >= MAX_GUESSES_PER_HOUR {
            let oldest = times.iter().min().copied().unwrap_or(now);
            return Err(oldest + WINDOW);
        }
        let earlier = times.len();
        times.push(now);
        Ok(Reservation {
            key,
            at: now,
            earlier,
        })
    }

    /// Gives a reserved guess back (the password was right).
    pub fn release(&self, reservation: Reservation) {
        let mut map = self.guesses.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(times) = map.get_mut(&reservation.key) {
            if let Some(pos) = times.iter().position(|t| *t == reservation.at) {
                times.remove(pos);
            }
        }
    }

    /// Forgets every failure of `key` (a complete, successful sign-in).
    pub fn clear(&self, key: &[u8; 32]) {
        let mut map = self.guesses.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }

    /// Until when `key` is locked, if it is.
    pub fn locked_until(&self, key: &[u8; 32], now: OffsetDateTime) -> Option<OffsetDateTime> {
        let mut map = self.guesses.lock().unwrap_or_else(|p| p.into_inner());
        let times = map.get_mut(key)?;
        prune(times, now);
        (times.len() >= MAX_GUESSES_PER_HOUR)
            .then(|| times.iter().min().copied().unwrap_or(now) + WINDOW)
    }

    /// Waits as long as `ip`'s network's recent attempts call for, and counts this attempt
    /// (at `now`; a right password hands it back with [`Self::ip_success`]). When too many
    /// attempts from that network already wait, answers [`Busy`] at once, counting nothing.
    pub async fn pass_ip(&self, ip: Option<IpAddr>, now: OffsetDateTime) -> Result<(), Busy> {
        let Some(ip) = ip.map(network) else {
            return Ok(());
        };
        let (lane, pause) = {
            let mut map = self.ips.lock().unwrap_or_else(|p| p.into_inner());
            bound(
                &mut map,
                |e| {
                    prune(&mut e.attempts, now);
                    e.attempts.is_empty() && e.waiting == 0
                },
                |e| e.attempts.iter().max().copied(),
            );
            let entry = map.entry(ip).or_default();
            prune(&mut entry.attempts, now);
            let seen = entry.attempts.len();
            if seen < IP_SLOWDOWN_AFTER {
                entry.attempts.push(now);
                return Ok(());
            }
            if entry.waiting >= IP_MAX_WAITING {
                return Err(Busy);
            }
            entry.attempts.push(now);
            entry.waiting += 1;
            let doublings = (seen / IP_SLOWDOWN_AFTER - 1).min(8) as u32;
            let pause = IP_PAUSE.saturating_mul(1 << doublings).min(IP_PAUSE_MAX);
            (entry.lane.clone(), pause)
        };
        // One at a time per network, first come first served.
        let turn = lane.lock().await;
        tokio::time::sleep(pause).await;
        drop(turn);
        let mut map = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = map.get_mut(&ip) {
            entry.waiting = entry.waiting.saturating_sub(1);
        }
        Ok(())
    }

    /// Hands back an attempt from `ip` whose password was right.
    pub fn ip_success(&self, ip: Option<IpAddr>, at: OffsetDateTime) {
        let Some(ip) = ip.map(network) else { return };
        let mut map = self.ips.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = map.get_mut(&ip) {
            if let Some(pos) = entry.attempts.iter().position(|t| *t == at) {
                entry.attempts.remove(pos);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(network(a), network(b));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(network(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[tokio::test]
    async fn past_the_slowdown_at_most_sixteen_wait_and_the_rest_are_turned_away() {
        let throttle = Throttle::default();
        let ip = Some("198.51.100.4".parse().unwrap());
        for _ in 0..IP_SLOWDOWN_AFTER {
            throttle.pass_ip(ip, t0()).await.unwrap();
        }
        let waiters: Vec<_> = (0..IP_MAX_WAITING)
            .map(|_| {
                let t = throttle.clone();
                tokio::spawn(async move { t.pass_ip(ip, t0()).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(throttle.pass_ip(ip, t0()).await, Err(Busy));
        for w in waiters {
            assert_eq!(w.await.unwrap(), Ok(()));
        }
        assert!(throttle.pass_ip(ip, t0()).await.is_ok(), "the lane drained");
    }

    fn t0() -> OffsetDateTime {
        time::macros::datetime!(2026-12-01 10:00 UTC)
    }

    #[test]
    fn the_eleventh_guess_within_an_hour_is_refused_until_the_first_expires() {
        let throttle = Throttle::default();
        let key = [7u8; 32];
        for i in 0..MAX_GUESSES_PER_HOUR {
            let _ = throttle
                .reserve(key, t0() + Duration::minutes(i as i64))
                .unwrap();
        }
        let until = throttle
            .reserve(key, t0() + Duration::minutes(30))
            .unwrap_err();
        assert_eq!(until, t0() + WINDOW);
        assert!(throttle.reserve(key, t0() + WINDOW).is_ok());
    }

    #[test]
    fn a_released_guess_does_not_count() {
        let throttle = Throttle::default();
        let key = [1u8; 32];
        for _ in 0..MAX_GUESSES_PER_HOUR * 3 {
            let r = throttle.reserve(key, t0()).unwrap();
            throttle.release(r);
        }
        assert!(throttle.locked_until(&key, t0()).is_none());
    }

    #[test]
    fn a_clock_that_went_back_does_not_lock_for_ever() {
        let throttle = Throttle::default();
        let key = [2u8; 32];
        for _ in 0..MAX_GUESSES_PER_HOUR {
            let _ = throttle.reserve(key, t0() + Duration::days(365)).unwrap();
        }
        assert!(throttle.reserve(key, t0()).is_ok());
    }

    #[test]
    fn the_map_stays_bounded() {
        let throttle = Throttle::default();
        for i in 0..(MAX_TRACKED as u32 + 50) {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            let _ = throttle.reserve(key, t0());
        }
        assert!(throttle.guesses.lock().unwrap().len() <= MAX_TRACKED);
        let later = t0() + Duration::hours(2);
        let _ = throttle.reserve([9u8; 32], later);
        assert!(throttle.guesses.lock().unwrap().len() <= MAX_TRACKED);
    }
}
