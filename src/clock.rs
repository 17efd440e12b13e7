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
    /// A zone of the IANA time zone database (`time_zone = "Europe/Berlin"`), with its
    /// daylight-saving rules, whatever this computer's zone is.
    Named(chrono_tz::Tz),
}

impl Zone {
    /// The zone an IANA name (`Europe/Berlin`, `America/New_York`, `UTC`) names, or `None`
    /// when it names none.
    pub fn named(name: &str) -> Option<Zone> {
        name.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    /// `t` as a wall-clock time in this zone.
    pub fn wall_time(self, t: OffsetDateTime) -> Option<NaiveDateTime> {
        match self {
            Zone::Machine => chrono::Local
                .timestamp_opt(t.unix_timestamp(), 0)
                .single()
                .map(|l| l.naive_local()),
            Zone::Named(tz) => tz
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
            Zone::Named(tz) => Some(tz.from_local_datetime(&wall).earliest()?.timestamp()),
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

/// A clock in the practice's zone `zone` (`time_zone` in the configuration).
pub struct InZone {
    pub clock: SharedClock,
    pub zone: Zone,
}

impl Clock for InZone {
    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn zone(&self) -> Zone {
        self.zone
    }
}

/// The real clock moved by a fixed amount: a server whose clock is wrong, for tests.
#[derive(Debug, Clone, Copy)]
pub struct AheadClock(pub time::Duration);

impl Clock for AheadClock {
    fn now(&self) -> OffsetDateTime {
        SystemClock.now() + self.0
    }
}

/// The clock the server's services and jobs run on, in the practice's zone `zone`: the
/// system clock, or in a debug build with `ALCOVE_TEST_CLOCK_AHEAD_DAYS` set, one that many
/// days ahead (TLS keeps the real one).
pub fn server_clock(zone: Zone) -> SharedClock {
    let clock: SharedClock = Arc::new(SystemClock);
    #[cfg(debug_assertions)]
    let clock: SharedClock = match std::env::var(TEST_CLOCK_AHEAD_ENV)
        .ok()
        .and_then(|d| d.trim().parse::<i64>().ok())
    {
        Some(days) => {
            eprintln!(
                "debug build: the services' clock runs {days} days ahead ({TEST_CLOCK_AHEAD_ENV})"
            );
            Arc::new(AheadClock(time::Duration::days(days)))
        }
        None => clock,
    };
    Arc::new(InZone { clock, zone })
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

    fn wall(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_named_zone_follows_its_daylight_saving_rules() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        // Summer (UTC+2) and winter (UTC+1), both ways.
        let summer = datetime!(2026-07-01 12:30 UTC);
        assert_eq!(berlin.human(summer), "2026-07-01 14:30");
        assert_eq!(
            berlin.timestamp_of(wall("2026-07-01 14:30")),
            Some(summer.unix_timestamp())
        );
        let winter = datetime!(2026-12-01 13:30 UTC);
        assert_eq!(berlin.human(winter), "2026-12-01 14:30");
        assert_eq!(
            berlin.timestamp_of(wall("2026-12-01 14:30")),
            Some(winter.unix_timestamp())
        );
        // 29 March 2026, 02:00 → 03:00: 02:30 does not exist.
        assert_eq!(berlin.timestamp_of(wall("2026-03-29 02:30")), None);
        // 25 October 2026, 03:00 → 02:00: 02:30 comes twice, the earlier (UTC+2) is taken.
        assert_eq!(
            berlin.timestamp_of(wall("2026-10-25 02:30")),
            Some(datetime!(2026-10-25 00:30 UTC).unix_timestamp())
        );
        let new_york = Zone::named("America/New_York").unwrap();
        assert_eq!(new_york.human(summer), "2026-07-01 08:30");
        assert_eq!(new_york.human(winter), "2026-12-01 08:30");
    }

    #[test]
    fn only_a_time_zone_name_names_a_zone() {
        assert!(Zone::named("Europe/Berlin").is_some());
        assert!(Zone::named("UTC").is_some());
        for bad in ["Europe/Berln", "", "+02:00", "Berlin", "europe/berlin "] {
            assert_eq!(Zone::named(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_server_clock_carries_the_practice_zone() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        assert_eq!(server_clock(berlin).zone(), berlin);
        assert_eq!(server_clock(Zone::Machine).zone(), Zone::Machine);
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
