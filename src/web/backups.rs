//! The owner's dashboard note about backups: the last backup, the next one, the last
//! check, and the last full restore test (with a nudge after 90 days); and, for a month
//! after a restore, which links the restore voided and how to send new ones.

use alcove_frontend::Section;

use super::render::human_time;
use crate::domain::backup::{JOB_BACKUP, JOB_CHECK, JOB_RESTORE_TEST};
use crate::domain::doctor::Check;
use crate::domain::home::BackupOverview;

/// How old the last restore test may be before the dashboard asks for a new one.
const RESTORE_TEST_DAYS: i64 = 90;

/// After a restore: how many links it voided, and how to send new ones.
pub fn restore_section(backups: &BackupOverview) -> Option<Section> {
    let notice = backups.restore.as_ref()?;
    let v = notice.voided;
    let mut paragraphs = vec![format!(
        "This portal was restored from the backup {} on {}.",
        notice.backup,
        human_time(notice.restored_at)
    )];
    if v.total() == 0 {
        paragraphs.push("No invitation, password-reset, email-confirmation or form link was open in it, so none had to be voided.".into());
    } else {
        let kinds: Vec<String> = [
            (v.invitations, "invitation"),
            (v.password_resets, "password-reset link"),
            (v.email_confirmations, "email-confirmation link"),
            (v.form_links, "form link"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }))
        .collect();
        paragraphs.push(format!(
            "{} link{} sent before that backup {} voided ({}), so that none withdrawn after the backup can work again. Everyone who had one sees that the link is no longer valid.",
            v.total(),
            if v.total() == 1 { "" } else { "s" },
            if v.total() == 1 { "was" } else { "were" },
            kinds.join(", ")
        ));
        paragraphs.push("To send new ones: on a client's page, choose “Create invitation link” or “Send a form”; team members are invited again from Team and accounts; a new confirmation link is sent with “Send the confirmation link again”; a password reset with “Send a password-reset link” on the person's page.".into());
    }
    Some(Section {
        heading: Some("Restored from a backup".into()),
        paragraphs,
        actions: vec![super::kit::link("/clients", "Open client list", false)],
        ..Section::default()
    })
}

/// The last backup, the next one, the last check, purge and restore test.
pub fn backup_section(backups: &BackupOverview) -> Section {
    let jobs = &backups.jobs;
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
        .get(crate::domain::retention::JOB_PURGE)
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
    let now = backups.now;
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
    if let Some(s) = jobs.get(crate::domain::drill::JOB_DRILL_REMINDER) {
        match (s.ok || s.last_run.is_none(), s.next_run) {
            (false, _) => paragraphs.push(
                "A restore drill is due: bring the recovery key and run alcove backup drill --identity RECOVERY-KEY.".into(),
            ),
            (true, Some(next)) => paragraphs.push(format!(
                "Next restore-drill reminder: {}.",
                human_time(next)
            )),
            (true, None) => {}
        }
    }
    paragraphs.push(format!(
        "This portal runs Alcove {} (data schema {}).",
        env!("CARGO_PKG_VERSION"),
        crate::store::SCHEMA_VERSION
    ));
    Section {
        heading: Some("Backups".into()),
        paragraphs,
        ..Section::default()
    }
}

/// The owner's posture panel: the checks of `alcove doctor`, one line each.
pub fn posture_section(checks: &[Check]) -> Section {
    let paragraphs = checks
        .iter()
        .map(|c| match &c.hint {
            None => format!("OK — {}: {}.", c.name, c.detail),
            Some(h) => format!("PROBLEM — {}: {}. What to do: {h}.", c.name, c.detail),
        })
        .collect();
    Section {
        heading: Some("Posture (the same checks as alcove doctor)".into()),
        paragraphs,
        ..Section::default()
    }
}
