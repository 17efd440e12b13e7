//! Who may try a passphrase on the sealed portal's unlock page, and when.
//!
//! Each passphrase check costs seconds of scrypt, so attempts are checked one at a time in
//! arrival order: a waiting owner is queued, never refused. Each network address has at
//! most one attempt in flight and, after its second wrong passphrase, waits a pause that
//! doubles with every further wrong one (1 s, 2 s, 4 s … up to 5 minutes; one typo is free). A stream of guesses
//! from one address therefore neither gets many checks nor pushes anyone else out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const FIRST_PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(300);
const MAX_TRACKED: usize = 10_000;
/// Attempts waiting for the checking slot at most; newcomers past it are asked to retry.
/// Each address has at most one, so filling the queue takes this many addresses.
const MAX_WAITING: usize = 32;

#[derive(Default)]
struct Entry {
    wrong: u32,
    next_at: Option<Instant>,
    in_flight: bool,
}

/// Why an attempt was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An attempt from the same address is still being checked.
    InFlight,
    /// Too many attempts from elsewhere are waiting; try again in a moment.
    Busy,
    /// Wrong passphrases from this address: wait this long.
    Wait(Duration),
}

#[derive(Clone)]
pub struct UnlockGate {
    queue: Arc<Semaphore>,
    addresses: Arc<Mutex<HashMap<Option<IpAddr>, Entry>>>,
}

impl Default for UnlockGate {
    fn default() -> Self {
        Self {
            queue: Arc::new(Semaphore::new(1)),
            addresses: Arc::default(),
        }
    }
}

/// An admitted attempt: holds the address's in-flight mark and, once [`Turn::wait`]
/// returns, the one checking slot. Report the result with [`Turn::finish`].
pub struct Turn {
    gate: UnlockGate,
    ip: Option<IpAddr>,
    permit: Option<OwnedSemaphorePermit>,
}

/// IPv4 as is, IPv6 by its /64: one host holds a whole /64.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

impl UnlockGate {
    /// Admits an attempt from `ip`, or says why not.
    pub fn admit(&self, ip: Option<IpAddr>) -> Result<Turn, Refusal> {
        let now = Instant::now();
        let mut map = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > MAX_TRACKED {
            map.retain(|_, e| e.in_flight || e.next_at.is_some_and(|t| t > now));
        }
        let waiting = map.values().filter(|e| e.in_flight).count();
        let ip = ip.map(network);
        let entry = map.entry(ip).or_default();
        if entry.in_flight {
            return Err(Refusal::InFlight);
        }
        if let Some(at) = entry.next_at.filter(|at| *at > now) {
            return Err(Refusal::Wait(at - now));
        }
        if waiting >= MAX_WAITING {
            return Err(Refusal::Busy);
        }
        entry.in_flight = true;
        Ok(Turn {
            gate: self.clone(),
            ip,
            permit: None,
        })
    }
}

impl Turn {
    /// Waits, in arrival order, for the checking slot.
    pub async fn wait(&mut self) {
        if self.permit.is_none() {
            self.permit = self.gate.queue.clone().acquire_owned().await.ok();
        }
    }

    /// Records the outcome: a wrong passphrase doubles this address's pause.
    pub fn finish(self, wrong: bool) {
        let mut map = self
            .gate
            .addresses
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if wrong {
            let entry = map.entry(self.ip).or_default();
            entry.wrong = entry.wrong.saturating_add(1);
            if entry.wrong >= 2 {
                let pause = FIRST_PAUSE
                    .saturating_mul(1 << (entry.wrong - 2).min(16))
                    .min(MAX_PAUSE);
                entry.next_at = Some(Instant::now() + pause);
            }
        } else {
            map.remove(&self.ip);
        }
        // Drop clears the in-flight mark (and frees the slot).
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut map = self
            .gate
            .addresses
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = map.get_mut(&self.ip) {
            entry.in_flight = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([127, 0, 0, last]))
    }

    #[test]
    fn one_attempt_in_flight_per_address() {
        let gate = UnlockGate::default();
        let turn = gate.admit(ip(2)).unwrap();
        assert_eq!(gate.admit(ip(2)).err(), Some(Refusal::InFlight));
        assert!(gate.admit(ip(1)).is_ok(), "another address is admitted");
        drop(turn);
        assert!(gate.admit(ip(2)).is_ok());
    }

    #[test]
    fn wrong_passphrases_double_the_pause_for_that_address_only() {
        let gate = UnlockGate::default();
        gate.admit(ip(2)).unwrap().finish(true);
        // One typo is free.
        gate.admit(ip(2)).unwrap().finish(true);
        let Err(Refusal::Wait(first)) = gate.admit(ip(2)) else {
            panic!("expected a pause")
        };
        assert!(first <= FIRST_PAUSE);
        std::thread::sleep(first);
        gate.admit(ip(2)).unwrap().finish(true);
        let Err(Refusal::Wait(second)) = gate.admit(ip(2)) else {
            panic!("expected a pause")
        };
        assert!(second > FIRST_PAUSE && second <= FIRST_PAUSE * 2);
        assert!(gate.admit(ip(1)).is_ok());
    }

    #[tokio::test]
    async fn waiting_attempts_are_served_in_arrival_order() {
        let gate = UnlockGate::default();
        let mut first = gate.admit(ip(2)).unwrap();
        first.wait().await;
        let mut second = gate.admit(ip(1)).unwrap();
        let waiter = tokio::spawn(async move {
            second.wait().await;
            second.finish(false);
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "the slot is still held");
        first.finish(true);
        waiter.await.unwrap();
    }
}
