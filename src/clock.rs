//! The clock, injected wherever behaviour depends on time (expiry, retention, timeouts),
//! so tests can move time instead of waiting for it.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
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

/// A clock that only moves when told to; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: time::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
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

/// Formats a time in this computer's time zone, which is the practice's (appointments are
/// entered that way): `2026-11-24 14:30`.
pub fn human_local(t: time::OffsetDateTime) -> String {
    use chrono::TimeZone as _;
    chrono::Local
        .timestamp_opt(t.unix_timestamp(), 0)
        .single()
        .map(|l| l.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| human(t))
}
