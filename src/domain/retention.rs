//! Retention: when each client's records are due to go (adults N years after last contact;
//! a client who was a minor then, until the age of majority plus N years), the owner's
//! review list of what falls due within 30 days, and legal holds. The purge itself is in
//! `retention_purge.rs`, its clock check in `retention_clock.rs`.
//!
//! Last contact is the latest of: a message in any of the client's conversations, a form
//! submission, an appointment that has begun, a full sign-in, and the account's creation.
//! A client with an appointment still to come is never due. A client without a usable date
//! of birth is never purged automatically: whether the minor rule applies is unknown, so the
//! owner reviews them. The purge waits `PURGE_GRACE` past the due date, which is at least the
//! largest clock step it accepts, so no accepted clock error can purge a record early.

use time::{Date, Duration, OffsetDateTime, Time};

use super::audit::{self, Event, Outcome};
use super::{ServiceError, Services};
use crate::config::RetentionConfig;
use crate::policy::{AccountId, Action, Actor, Role, Target};
use crate::store::accounts::{self, Account, ClientProfile};
use crate::store::contact::{self, Seen};
use crate::store::StoreError;

#[path = "retention_clock.rs"]
mod clock;
#[path = "retention_purge.rs"]
mod purge;

pub use clock::{MAX_CLOCK_STEP_DAYS, PURGE_GRACE_DAYS};
pub use purge::{PurgeReport, JOB_PURGE};

/// How far ahead the review list looks.
pub const REVIEW_DAYS: i64 = 30;

/// How long after its due date the purge removes a record (see the module header).
pub const PURGE_GRACE: Duration = Duration::days(PURGE_GRACE_DAYS);

/// One client in the review list.
pub struct Due {
    pub client: AccountId,
    pub name: String,
    pub last_contact: OffsetDateTime,
    pub due: OffsetDateTime,
    /// The rule applied, in words without PHI ("adult, 7 years after last contact").
    pub rule: String,
    pub held: bool,
    /// No usable date of birth: kept until the owner enters one, never purged by itself.
    pub birth_unknown: bool,
    /// The earliest the purge removes it (the due date plus `PURGE_GRACE`).
    pub purge_from: OffsetDateTime,
}

impl Due {
    /// Whether the purge may remove this client at `now` (before its in-transaction
    /// re-check).
    pub fn purgeable(&self, now: OffsetDateTime) -> bool {
        !self.held && !self.birth_unknown && self.purge_from <= now
    }
}

/// The review page: who falls due, and whether the last purge refused because of the clock.
pub struct Review {
    pub due: Vec<Due>,
    pub refused: Option<Refusal>,
    /// The server's clock as the purge sees it, for the owner to compare with a real clock.
    pub now: OffsetDateTime,
}

pub struct Refusal {
    pub at: Option<OffsetDateTime>,
    pub reason: String,
}

/// What a client's records say about contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contact {
    /// The latest contact that has happened (a record stamped by a clock that ran ahead
    /// can put it after now: that only keeps the client longer).
    pub last: OffsetDateTime,
    /// An appointment is still to come.
    pub upcoming: bool,
}

/// A client's contact: what their records say (`store::contact`), their last sign-in, and
/// the account's creation as the floor.
fn contact_of(account: &Account, profile: &ClientProfile, seen: Seen) -> Contact {
    let last = [Some(account.created_at), profile.last_sign_in, seen.last]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(account.created_at);
    Contact {
        last,
        upcoming: seen.upcoming,
    }
}

fn add_years(date: Date, years: i32) -> Date {
    let year = date.year() + years;
    date.replace_year(year)
        .or_else(|_| Date::from_calendar_date(year, date.month(), 28))
        .unwrap_or(date)
}

fn parse_birth(text: &str) -> Option<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// When a client's records fall due, and the rule that says so.
pub fn due_date(
    policy: &RetentionConfig,
    birth: Option<Date>,
    last_contact: OffsetDateTime,
) -> (OffsetDateTime, String) {
    let years = policy.adult_years as i32;
    let majority = policy.age_of_majority as i32;
    let contact_day = last_contact.date();
    if let Some(born) = birth {
        let of_age = add_years(born, majority);
        if contact_day < of_age {
            let due = add_years(of_age, years)
                .with_time(Time::MIDNIGHT)
                .assume_utc();
            return (
                due,
                format!("minor at last contact: kept to age {majority} plus {years} years"),
            );
        }
    }
    (
        last_contact + years_as_duration(last_contact, years),
        format!("adult: kept {years} years after last contact"),
    )
}

fn years_as_duration(from: OffsetDateTime, years: i32) -> Duration {
    let to = add_years(from.date(), years)
        .with_time(from.time())
        .assume_offset(from.offset());
    to - from
}

/// The verdict for one client, or `None` while an appointment is still to come.
fn assess(
    policy: &RetentionConfig,
    account: &Account,
    profile: &ClientProfile,
    contact: Contact,
) -> Option<Due> {
    if contact.upcoming {
        return None;
    }
    let birth = parse_birth(&profile.date_of_birth);
    let (due, mut rule) = due_date(policy, birth, contact.last);
    if birth.is_none() {
        rule = format!(
            "date of birth unknown: kept until you enter it (as an adult: {years} years after last contact)",
            years = policy.adult_years
        );
    }
    Some(Due {
        client: account.id,
        name: profile.legal_name.clone(),
        last_contact: contact.last,
        due,
        rule,
        held: profile.legal_hold,
        birth_unknown: birth.is_none(),
        purge_from: due + PURGE_GRACE,
    })
}

impl Services {
    /// Every client not booked ahead, with the date their records fall due, soonest first.
    /// Reads each client's account and a few index rows, never their records.
    fn all_due(&self, policy: &RetentionConfig) -> Result<Vec<Due>, ServiceError> {
        let now = self.now();
        let mut out = self.store.read(|tx| {
            let mut out = Vec::new();
            for (_, account) in tx.all::<Account>()? {
                if account.role != Role::Client {
                    continue;
                }
                let profile = accounts::profile(tx, account.id)?.unwrap_or_default();
                let seen = contact::seen(tx, account.id, now)?;
                let contact = contact_of(&account, &profile, seen);
                out.extend(assess(policy, &account, &profile, contact));
            }
            Ok::<_, StoreError>(out)
        })?;
        out.sort_by_key(|d| d.due);
        Ok(out)
    }

    /// The owner's review list: clients due within 30 days (and those past due but kept:
    /// held, or without a date of birth), with the purge's last clock refusal.
    pub fn retention_review(
        &self,
        actor: &Actor,
        policy: &RetentionConfig,
    ) -> Result<Review, ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Practice)?;
        self.audit_read(actor, Action::ManageRetention, Target::Practice)?;
        let now = self.now();
        let horizon = now + Duration::days(REVIEW_DAYS);
        let due = self
            .all_due(policy)?
            .into_iter()
            .filter(|d| d.due <= horizon)
            .collect();
        let state = self.store.read(crate::store::retention::load)?;
        Ok(Review {
            due,
            refused: state.refused.map(|reason| Refusal {
                at: state.refused_at,
                reason,
            }),
            now,
        })
    }

    /// Places or releases a legal hold on a client.
    pub fn set_legal_hold(
        &self,
        actor: &Actor,
        client: AccountId,
        on: bool,
    ) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Client(client))?;
        let now = self.now();
        self.store.write(|tx| {
            let mut p = accounts::profile_for_update(tx, client)?.ok_or(ServiceError::NotFound)?;
            p.legal_hold = on;
            accounts::put_profile(tx, client, &p)?;
            audit::record(
                tx,
                now,
                actor,
                if on {
                    Event::RetentionHold
                } else {
                    Event::RetentionRelease
                },
                Target::Client(client),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
