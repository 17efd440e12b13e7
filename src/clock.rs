//! The clock, injected wherever behaviour depends on time (expiry, retention, timeouts),
//! so tests can move time instead of waiting for it. It carries the practice's time zone
//! too (appointments are entered and shown in it), so a test sets both. This is the one
//! module that reads the wall clock or the computer's zone (clippy.toml bans it elsewhere).

use std::sync::{Arc, Mutex};

use chrono::{NaiveDateTime, TimeZone as _};
use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// The practice's time zone: this computer's unless the clock says otherwise.
    fn zone(&self) -> Zone {
        Zone::Machine
    }
}

/// The practice's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    /// This computer's zone, with its daylight-saving rules (the server's default).
    #[default]
    Machine,
    /// A fixed offset from UTC (tests; a zone without daylight saving).
    Fixed(time::UtcOffset),
}

impl Zone {
    /// `t` as a wall-clock time in this zone.
    pub fn wall_time(self, t: OffsetDateTime) -> Option<NaiveDateTime> {
        match self {
            Zone::Machine => chrono::Local
                .timestamp_opt(t.unix_timestamp(), 0)
                .single()
                .map(|l| l.naive_local()),
            Zone::Fixed(offset) => chrono::DateTime::from_timestamp(
                t.unix_timestamp() + i64::from(offset.whole_seconds()),
                0,
            )
            .map(|d| d.naive_utc()),
        }
    }

    /// The moment (Unix seconds) a wall-clock time in this zone names: the earlier one when
    /// a clock change makes it ambiguous, `None` when it does not exist on that day.
    pub fn timestamp_of(self, wall: NaiveDateTime) -> Option<i64> {
        match self {
            Zone::Machine => Some(
                chrono::Local
                    .from_local_datetime(&wall)
                    .earliest()?
                    .timestamp(),
            ),
            Zone::Fixed(offset) => {
                Some(wall.and_utc().timestamp() - i64::from(offset.whole_seconds()))
            }
        }
    }

    /// Formats a time for people in this zone: `2026-11-24 14:30`.
    pub fn human(self, t: OffsetDateTime) -> String {
        self.wall_time(t)
            .map(|w| w.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| human(t))
    }
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place that reads the wall clock (clippy.toml bans it everywhere else).
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to; for tests. Its zone is the computer's unless
/// set with [`ManualClock::in_zone`].
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<OffsetDateTime>>,
    zone: Zone,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
            zone: Zone::Machine,
        }
    }

    /// The same clock, in the practice zone `zone`.
    pub fn in_zone(mut self, zone: Zone) -> Self {
        self.zone = zone;
        self
    }

    pub fn advance(&self, by: time::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn zone(&self) -> Zone {
        self.zone
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The environment variable a debug build (the test suite's) reads to run its services'
/// clock this many days ahead of the real one. Release builds never read it.
pub const TEST_CLOCK_AHEAD_ENV: &str = "ALCOVE_TEST_CLOCK_AHEAD_DAYS";

/// The real clock moved by a fixed amount: a server whose clock is wrong, for tests.
#[derive(Debug, Clone, Copy)]
pub struct AheadClock(pub time::Duration);

impl Clock for AheadClock {
    fn now(&self) -> OffsetDateTime {
        SystemClock.now() + self.0
    }
}

/// The clock the server's services and jobs run on: the system clock, or in a debug build
/// with `ALCOVE_TEST_CLOCK_AHEAD_DAYS` set, one that many days ahead (TLS keeps the real one).
pub fn server_clock() -> SharedClock {
    #[cfg(debug_assertions)]
    if let Some(days) = std::env::var(TEST_CLOCK_AHEAD_ENV)
        .ok()
        .and_then(|d| d.trim().parse::<i64>().ok())
    {
        eprintln!(
            "debug build: the services' clock runs {days} days ahead ({TEST_CLOCK_AHEAD_ENV})"
        );
        return Arc::new(AheadClock(time::Duration::days(days)));
    }
    Arc::new(SystemClock)
}

/// Formats a time for people: `2026-11-24 19:40 UTC`.
pub fn human(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn a_fixed_zone_shows_and_reads_wall_times_in_that_zone() {
        let zone = Zone::Fixed(offset!(-5));
        let t = datetime!(2026-11-24 19:40 UTC);
        assert_eq!(zone.human(t), "2026-11-24 14:40");
        let wall = zone.wall_time(t).unwrap();
        assert_eq!(zone.timestamp_of(wall), Some(t.unix_timestamp()));
        assert_eq!(Zone::Fixed(offset!(+9:30)).human(t), "2026-11-25 05:10");
    }

    #[test]
    fn a_manual_clock_carries_its_zone() {
        let clock = ManualClock::new(datetime!(2026-01-01 0:00 UTC));
        assert_eq!(clock.zone(), Zone::Machine);
        let clock = clock.in_zone(Zone::Fixed(offset!(+2)));
        assert_eq!(clock.zone(), Zone::Fixed(offset!(+2)));
        assert_eq!(clock.zone().human(clock.now()), "2026-01-01 02:00");
    }
}
