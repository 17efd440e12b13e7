//! The scheduler: each job runs on its cron expression (local time), once at start if a
//! run was missed while the computer was off, and records its result and next run for the
//! dashboard. Jobs end with the server's runtime; a job cut off mid-way leaves only
//! temporary files that the next run removes.

use std::time::Duration;

use chrono::{FixedOffset, Local, TimeZone as _};
use time::OffsetDateTime;

use crate::clock::Zone;
use crate::config::RetentionConfig;
use crate::config::{schedule, Config, ConfigError};
use crate::domain::backup::{BackupPlan, JOB_BACKUP, JOB_CHECK};
use crate::domain::drill::JOB_DRILL_REMINDER;
use crate::domain::Services;
use crate::policy::Actor;

/// Longest single sleep, so a changed clock is noticed within a minute.
const STEP: Duration = Duration::from_secs(60);

#[derive(Clone, Copy)]
enum Work {
    Backup,
    Check,
    DrillReminder,
    Purge,
    Reminders,
}

/// Name of the appointment reminder job (every 15 minutes).
pub const JOB_REMINDERS: &str = "reminders";

pub use crate::domain::retention::JOB_PURGE;

struct Job {
    name: &'static str,
    schedule: cron::Schedule,
    work: Work,
}

/// The first time after `t` that `schedule` fires, read as wall-clock time in `zone` (the
/// practice's: "02:30" means 02:30 where the practice is).
fn next_after(schedule: &cron::Schedule, zone: Zone, t: OffsetDateTime) -> Option<OffsetDateTime> {
    let secs = match zone {
        Zone::Machine => {
            let start = Local
                .timestamp_opt(t.unix_timestamp(), t.nanosecond())
                .earliest()?;
            schedule.after(&start).next()?.timestamp()
        }
        Zone::Named(tz) => {
            let start = tz
                .timestamp_opt(t.unix_timestamp(), t.nanosecond())
                .single()?;
            schedule.after(&start).next()?.timestamp()
        }
        Zone::Fixed(offset) => {
            let tz = FixedOffset::east_opt(offset.whole_seconds())?;
            let start = tz
                .timestamp_opt(t.unix_timestamp(), t.nanosecond())
                .single()?;
            schedule.after(&start).next()?.timestamp()
        }
    };
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

fn jobs(config: &Config) -> Result<Vec<Job>, ConfigError> {
    Ok(vec![
        Job {
            name: JOB_BACKUP,
            schedule: schedule("backup.schedule", &config.backup.schedule)?,
            work: Work::Backup,
        },
        Job {
            name: JOB_CHECK,
            schedule: schedule("backup.check_schedule", &config.backup.check_schedule)?,
            work: Work::Check,
        },
        Job {
            name: JOB_DRILL_REMINDER,
            schedule: schedule("backup.drill_schedule", &config.backup.drill_schedule)?,
            work: Work::DrillReminder,
        },
        Job {
            name: JOB_REMINDERS,
            schedule: schedule("(appointment reminders)", "0 */15 * * * *")?,
            work: Work::Reminders,
        },
        Job {
            name: JOB_PURGE,
            schedule: schedule("retention.schedule", &config.retention.schedule)?,
            work: Work::Purge,
        },
    ])
}

fn execute(services: &Services, plan: &BackupPlan, retention: &RetentionConfig, job: &Job) {
    let actor = Actor::System(job.name);
    let result = match job.work {
        Work::Backup => services
            .back_up(&actor, plan, &indicatif::ProgressBar::hidden())
            .map(|_| ()),
        Work::Check => services.check_backups(&actor, plan).map(|_| ()),
        Work::DrillReminder => services.remind_drill(&actor).map(|_| ()),
        Work::Purge => services.run_purge(&actor, retention).map(|_| ()),
        Work::Reminders => services.send_reminders(&actor).map(|_| ()),
    };
    if let Err(e) = result {
        tracing::error!(job = job.name, error = %e, "a scheduled job failed");
    }
}

/// Starts every job; returns at once. Call once the store is open.
pub fn start(services: Services, plan: BackupPlan, config: &Config) -> Result<(), ConfigError> {
    for job in jobs(config)? {
        let services = services.clone();
        let plan = plan.clone();
        let retention = config.retention.clone();
        actix_web::rt::spawn(async move { run(services, plan, retention, job).await });
    }
    Ok(())
}

async fn run_blocking(
    services: &Services,
    plan: &BackupPlan,
    retention: &RetentionConfig,
    job: &Job,
) {
    let (s, p, r) = (services.clone(), plan.clone(), retention.clone());
    let j = Job {
        name: job.name,
        schedule: job.schedule.clone(),
        work: job.work,
    };
    let _ = tokio::task::spawn_blocking(move || execute(&s, &p, &r, &j)).await;
}

async fn run(services: Services, plan: BackupPlan, retention: RetentionConfig, job: Job) {
    let last = services
        .job_statuses(&Actor::System(job.name))
        .ok()
        .and_then(|all| all.get(job.name).and_then(|s| s.last_run));
    if let Some(last) = last {
        let missed = next_after(&job.schedule, services.zone(), last)
            .is_some_and(|due| due <= services.now());
        // A clock that jumped makes every run look missed; the purge checks the clock
        // itself and refuses (retention_clock.rs), so this catch-up cannot purge on it.
        if missed {
            tracing::info!(
                job = job.name,
                "running a job missed while the server was off"
            );
            run_blocking(&services, &plan, &retention, &job).await;
        }
    }
    loop {
        let Some(next) = next_after(&job.schedule, services.zone(), services.now()) else {
            return;
        };
        if let Err(e) = services.set_next_run(job.name, Some(next)) {
            tracing::warn!(job = job.name, error = %e, "could not record the next run");
        }
        loop {
            let left = next - services.now();
            if left <= time::Duration::ZERO {
                break;
            }
            let wait = Duration::try_from(left).unwrap_or(STEP).min(STEP);
            tokio::time::sleep(wait).await;
        }
        run_blocking(&services, &plan, &retention, &job).await;
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{datetime, offset};

    use super::*;

    #[test]
    fn a_schedule_fires_at_the_practices_wall_clock_time() {
        let nine = schedule("test", "0 0 9 * * *").unwrap();
        let at = datetime!(2026-03-02 12:00 UTC);
        // 09:00 at UTC-5 is 14:00 UTC, later the same day.
        assert_eq!(
            next_after(&nine, Zone::Fixed(offset!(-5)), at),
            Some(datetime!(2026-03-02 14:00 UTC))
        );
        // 09:00 at UTC+2 (07:00 UTC) has passed: tomorrow.
        assert_eq!(
            next_after(&nine, Zone::Fixed(offset!(+2)), at),
            Some(datetime!(2026-03-03 07:00 UTC))
        );
    }

    #[test]
    fn a_schedule_in_a_named_zone_follows_its_daylight_saving() {
        let nine = schedule("test", "0 0 9 * * *").unwrap();
        let berlin = Zone::named("Europe/Berlin").unwrap();
        // Summer time (UTC+2): 09:00 in Berlin is 07:00 UTC.
        assert_eq!(
            next_after(&nine, berlin, datetime!(2026-07-01 00:00 UTC)),
            Some(datetime!(2026-07-01 07:00 UTC))
        );
        // Winter time (UTC+1): 08:00 UTC.
        assert_eq!(
            next_after(&nine, berlin, datetime!(2026-12-01 00:00 UTC)),
            Some(datetime!(2026-12-01 08:00 UTC))
        );
        // Across the spring change (29 March 2026): the day before at +1, the day of at +2.
        assert_eq!(
            next_after(&nine, berlin, datetime!(2026-03-28 09:00 UTC)),
            Some(datetime!(2026-03-29 07:00 UTC))
        );
    }

    #[test]
    fn the_monthly_drill_reminder_falls_on_the_first() {
        let monthly = schedule("backup.drill_schedule", "0 0 9 1 * *").unwrap();
        assert_eq!(
            next_after(
                &monthly,
                Zone::Fixed(offset!(UTC)),
                datetime!(2026-03-01 09:00 UTC)
            ),
            Some(datetime!(2026-04-01 09:00 UTC))
        );
    }
}
