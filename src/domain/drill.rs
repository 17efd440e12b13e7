//! The restore-drill reminder (`backup.drill_schedule`, monthly by default). A drill needs
//! the recovery key, which belongs off this computer, so the server never drills alone:
//! on each tick it checks whether a successful drill (or full restore test) ran since the
//! previous reminder, and if not, tells the owner by a PHI-free email and on the backups
//! page. The check and the queued email are one write transaction.

use time::{Duration, OffsetDateTime};

use super::audit::{self, AuditTarget, Event, Outcome};
use super::backup::JOB_RESTORE_TEST;
use super::{ServiceError, Services};
use crate::policy::{Action, Actor, Role, Target};
use crate::store::accounts::AccountStatus;
use crate::store::backups::JobStatus;
use crate::store::outbox::Mail;

pub const JOB_DRILL_REMINDER: &str = "drill-reminder";

/// Before the first reminder, a drill this recent counts as "since the last one".
const FIRST_LOOK_BACK: Duration = Duration::days(31);

/// What a reminder tick found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillReminder {
    /// A successful drill ran since the last reminder: nothing sent.
    NotDue,
    /// A drill is due; the owner was told (`emailed` owners with a confirmed address).
    Due { emailed: usize },
}

/// Is a drill due at `now`, given the last restore test and the last reminder?
fn due(
    now: OffsetDateTime,
    last_test: Option<&JobStatus>,
    last_reminder: Option<&JobStatus>,
) -> bool {
    let since = last_reminder
        .and_then(|s| s.last_run)
        .unwrap_or(now - FIRST_LOOK_BACK);
    match last_test {
        Some(JobStatus {
            last_run: Some(at),
            ok: true,
            ..
        }) => *at < since,
        _ => true,
    }
}

impl Services {
    /// One tick of the drill reminder.
    pub fn remind_drill(&self, actor: &Actor) -> Result<DrillReminder, ServiceError> {
        self.authorize(actor, Action::ManageBackups, Target::Practice)?;
        let now = self.now();
        let mail_on = self.mail.enabled;
        let result = self.store.write(|tx| {
            let last_test = tx.get::<JobStatus>(JOB_RESTORE_TEST.as_bytes())?;
            let mine = tx.get::<JobStatus>(JOB_DRILL_REMINDER.as_bytes())?;
            let result = if due(now, last_test.as_ref(), mine.as_ref()) {
                let mut emailed = 0;
                if mail_on {
                    for owner in crate::store::accounts::practice_for_update(tx)? {
                        if owner.role == Role::Owner
                            && owner.status == AccountStatus::Active
                            && owner.email_confirmed_at.is_some()
                        {
                            super::notify::queue_mail(tx, now, actor, &owner, Mail::DrillDue)?;
                            emailed += 1;
                        }
                    }
                }
                DrillReminder::Due { emailed }
            } else {
                DrillReminder::NotDue
            };
            let summary = match result {
                DrillReminder::NotDue => "a restore drill ran since the last reminder".to_owned(),
                DrillReminder::Due { .. } => match last_test.as_ref().and_then(|s| s.last_run) {
                    Some(at) => format!(
                        "a restore drill is due (the last restore test was on {})",
                        crate::clock::human(at)
                    ),
                    None => {
                        "a restore drill is due (no backup has been test-restored yet)".to_owned()
                    }
                },
            };
            tx.put(
                JOB_DRILL_REMINDER.as_bytes(),
                &JobStatus {
                    last_run: Some(now),
                    ok: result == DrillReminder::NotDue,
                    summary,
                    millis: 0,
                    next_run: mine.and_then(|s| s.next_run),
                },
            )?;
            audit::record(
                tx,
                now,
                actor,
                Event::JobDrillReminder,
                AuditTarget::practice(),
                Outcome::Ok,
            )?;
            Ok::<_, ServiceError>(result)
        })?;
        if matches!(result, DrillReminder::Due { emailed } if emailed > 0) {
            self.wake_mail();
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::clock::{Clock as _, ManualClock};
    use crate::domain::notify::MailSwitch;
    use crate::domain::testing::services_at;
    use crate::store::accounts::{self, Account};
    use crate::store::outbox::Notification;

    fn owner(services: &Services, clock: &ManualClock, email: &str, confirmed: bool) -> Account {
        let mut a = Account::invited(Role::Owner, "Dana", email, clock.now());
        a.status = AccountStatus::Active;
        a.email_confirmed_at = confirmed.then(|| clock.now());
        services.store.write(|tx| accounts::put(tx, &a)).unwrap();
        a
    }

    fn queued(services: &Services) -> Vec<(String, &'static str)> {
        services
            .store
            .read(|tx| tx.all::<Notification>())
            .unwrap()
            .into_iter()
            .map(|(_, n)| (n.to, n.mail.kind()))
            .collect()
    }

    fn drill(services: &Services, ok: bool) {
        let actor = Actor::LocalAdmin;
        services
            .record_restore_test(&actor, ok, 1200, "drill")
            .unwrap();
    }

    #[test]
    fn a_drill_is_due_monthly_until_one_succeeds() {
        let (_dir, services, clock) = services_at(datetime!(2026-03-01 09:00 UTC));
        let services = services.with_mail(MailSwitch {
            enabled: true,
            ..MailSwitch::default()
        });
        owner(&services, &clock, "owner@example.org", true);
        owner(&services, &clock, "unconfirmed@example.org", false);
        let job = Actor::System(JOB_DRILL_REMINDER);

        // Never drilled: due, one email to the confirmed owner only.
        assert_eq!(
            services.remind_drill(&job).unwrap(),
            DrillReminder::Due { emailed: 1 }
        );
        assert_eq!(
            queued(&services),
            vec![("owner@example.org".into(), "drill_due")]
        );

        // A month on, still no drill: due again.
        clock.advance(Duration::days(31));
        assert_eq!(
            services.remind_drill(&job).unwrap(),
            DrillReminder::Due { emailed: 1 }
        );

        // A failed drill does not count.
        clock.advance(Duration::days(3));
        drill(&services, false);
        clock.advance(Duration::days(28));
        assert!(matches!(
            services.remind_drill(&job).unwrap(),
            DrillReminder::Due { .. }
        ));

        // A successful drill after that reminder: the next tick sends nothing.
        clock.advance(Duration::days(10));
        drill(&services, true);
        clock.advance(Duration::days(21));
        let before = queued(&services).len();
        assert_eq!(services.remind_drill(&job).unwrap(), DrillReminder::NotDue);
        assert_eq!(queued(&services).len(), before);

        // The month after, with no new drill: due again.
        clock.advance(Duration::days(30));
        assert!(matches!(
            services.remind_drill(&job).unwrap(),
            DrillReminder::Due { .. }
        ));
        let status = services.job_statuses(&Actor::LocalAdmin).unwrap();
        let mine = &status[JOB_DRILL_REMINDER];
        assert!(!mine.ok && mine.summary.contains("a restore drill is due"));
    }

    #[test]
    fn a_recent_drill_before_the_first_reminder_counts() {
        let (_dir, services, clock) = services_at(datetime!(2026-03-01 09:00 UTC));
        drill(&services, true);
        clock.advance(Duration::days(20));
        let job = Actor::System(JOB_DRILL_REMINDER);
        assert_eq!(services.remind_drill(&job).unwrap(), DrillReminder::NotDue);
    }

    #[test]
    fn without_mail_the_reminder_is_still_recorded() {
        let (_dir, services, clock) = services_at(datetime!(2026-03-01 09:00 UTC));
        owner(&services, &clock, "owner@example.org", true);
        let job = Actor::System(JOB_DRILL_REMINDER);
        assert_eq!(
            services.remind_drill(&job).unwrap(),
            DrillReminder::Due { emailed: 0 }
        );
        assert!(queued(&services).is_empty());
        let status = services.job_statuses(&Actor::LocalAdmin).unwrap();
        assert!(!status[JOB_DRILL_REMINDER].ok);
    }

    #[test]
    fn clients_and_staff_may_not_run_it() {
        let (_dir, services, _clock) = services_at(datetime!(2026-03-01 09:00 UTC));
        for role in [Role::Client, Role::Staff, Role::Clinician] {
            let actor = Actor::account(crate::ids::AccountId::generate(), role, None);
            assert!(services.remind_drill(&actor).is_err());
        }
    }
}
