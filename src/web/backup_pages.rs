//! The owner's dashboard note about backups: the last backup, the next one, the last
//! check, and the last full restore test (with a nudge after 90 days).

use alcove_frontend::Section;

use super::error::AppError;
use super::render::human_time;
use crate::domain::backup::{JOB_BACKUP, JOB_CHECK, JOB_RESTORE_TEST};
use crate::domain::Services;
use crate::policy::{self, Action, Actor, Decision, Target};

/// How old the last restore test may be before the dashboard asks for a new one.
const RESTORE_TEST_DAYS: i64 = 90;

pub fn backup_section(services: &Services, actor: &Actor) -> Result<Option<Section>, AppError> {
    if policy::decide(actor, Action::ManageBackups, Target::Practice) != Decision::Allow {
        return Ok(None);
    }
    let jobs = services.job_statuses(actor)?;
    let mut paragraphs = Vec::new();
    match jobs.get(JOB_BACKUP) {
        Some(s) if s.last_run.is_some() => paragraphs.push(format!(
            "Last backup: {} — {}.",
            s.last_run.map(human_time).unwrap_or_default(),
            if s.ok {
                format!("done: {}", s.summary)
            } else {
                format!("FAILED: {}", s.summary)
            }
        )),
        _ => paragraphs.push("No backup has been taken yet.".into()),
    }
    if let Some(next) = jobs.get(JOB_BACKUP).and_then(|s| s.next_run) {
        paragraphs.push(format!("Next backup: {}.", human_time(next)));
    }
    if let Some(s) = jobs.get(JOB_CHECK).filter(|s| s.last_run.is_some()) {
        paragraphs.push(format!(
            "Last check of the backup files: {} — {}.",
            s.last_run.map(human_time).unwrap_or_default(),
            if s.ok {
                s.summary.clone()
            } else {
                format!("PROBLEM: {}", s.summary)
            }
        ));
    }
    if let Some(s) = jobs
        .get(crate::jobs::JOB_PURGE)
        .filter(|s| s.last_run.is_some())
    {
        paragraphs.push(format!(
            "Last retention purge: {} — {}.",
            s.last_run.map(human_time).unwrap_or_default(),
            if s.ok {
                s.summary.clone()
            } else {
                format!("PROBLEM: {}", s.summary)
            }
        ));
    }
    let now = services.now();
    match jobs.get(JOB_RESTORE_TEST).and_then(|s| s.last_run.map(|t| (t, s))) {
        Some((at, s)) => {
            paragraphs.push(format!(
                "Last restore test: {} ({}, {:.1} s).",
                human_time(at),
                if s.ok { "it worked" } else { "it FAILED" },
                s.millis as f64 / 1000.0
            ));
            if now - at > time::Duration::days(RESTORE_TEST_DAYS) {
                paragraphs.push(format!(
                    "That was more than {RESTORE_TEST_DAYS} days ago. Test a backup again: alcove backup verify FILE --identity RECOVERY-KEY."
                ));
            }
        }
        None => paragraphs.push(
            "No backup has been test-restored yet. Test one: alcove backup verify FILE --identity RECOVERY-KEY.".into(),
        ),
    }
    Ok(Some(Section {
        heading: Some("Backups".into()),
        paragraphs,
        ..Section::default()
    }))
}
