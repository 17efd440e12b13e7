//! The purge's clock check. A purge deletes for good, and its dates come from the clock, so
//! before it removes anything it compares the clock with the audit log (every change and
//! read leaves an event stamped with the clock of its time):
//!
//! * the clock must not be behind the newest event (more than a few minutes' slack);
//! * no step between the last sane run and now, from event to event and from the newest
//!   event to now, may be larger than `MAX_CLOCK_STEP_DAYS`. A server that is running
//!   writes events every day (its own jobs do), so a larger gap is a clock that jumped, or a
//!   server that was off for over a month; either way the owner looks first.
//!
//! A refused run removes nothing, says why on the owner's home and the retention page, and
//! leaves a denied audit event; the reference point stays where it was, so running again
//! refuses again until the owner confirms that the clock is right. The purge waits
//! `PURGE_GRACE_DAYS` (equal to the largest accepted step) past each due date, so a clock
//! error the check lets through cannot purge anything before its date.
//!
//! Not defended: a clock moved forward in steps each under the bound, day after day.

use std::collections::HashMap;
use std::ops::ControlFlow;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::super::audit::{self as chain, AuditTarget, Event, Outcome};
use super::super::{ServiceError, Services};
use crate::clock::human;
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::accounts;
use crate::store::audit::{self, AuditEvent};
use crate::store::retention::{self as state, PurgeClock};
use crate::store::{ReadTx, StoreError, WriteTx};

/// The largest step of the clock the purge accepts without the owner's confirmation.
pub const MAX_CLOCK_STEP_DAYS: i64 = 30;
/// How long after its due date a record is purged: at least the largest accepted step.
pub const PURGE_GRACE_DAYS: i64 = MAX_CLOCK_STEP_DAYS;
const MAX_STEP: Duration = Duration::days(MAX_CLOCK_STEP_DAYS);
/// How far behind the newest event the clock may be (a correction by time sync).
const SLACK: Duration = Duration::minutes(5);

fn at(event: &AuditEvent) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(&event.at, &Rfc3339).ok()
}

fn jumped(from: OffsetDateTime, to: OffsetDateTime) -> String {
    format!(
        "the server's clock moved forward {} days at once (from {} to {}), more than the {MAX_CLOCK_STEP_DAYS} days the purge accepts. Nothing was purged. If the clock is right now (the server was off that long), confirm it on the Retention page",
        (to - from).whole_days(),
        human(from),
        human(to)
    )
}

/// Why the clock cannot be trusted for a purge at `now`, in words for the owner.
pub(super) fn clock_problem(
    tx: &ReadTx<'_>,
    now: OffsetDateTime,
) -> Result<Option<String>, StoreError> {
    let kept = state::load(tx)?;
    let start = if kept.sane_at.is_some() {
        kept.sane_seq + 1
    } else {
        0
    };
    let mut newest = kept.sane_at;
    let mut problem = None;
    audit::walk(tx, start, |event| {
        let Some(when) = at(event) else {
            problem = Some(format!(
                "audit event {} has no readable time, so the clock cannot be checked. Nothing was purged",
                event.seq
            ));
            return ControlFlow::Break(());
        };
        if let Some(before) = newest {
            if when - before > MAX_STEP {
                problem = Some(jumped(before, when));
                return ControlFlow::Break(());
            }
        }
        newest = Some(newest.map_or(when, |n| n.max(when)));
        ControlFlow::Continue(())
    })?;
    if problem.is_some() {
        return Ok(problem);
    }
    let Some(newest) = newest else {
        return Ok(None);
    };
    if now + SLACK < newest {
        return Ok(Some(format!(
            "the server's clock ({}) is behind the newest record ({}), so it cannot be trusted. Nothing was purged. Set the clock right; if it is right now and the records were stamped by a clock that ran ahead, confirm it on the Retention page",
            human(now),
            human(newest)
        )));
    }
    if now - newest > MAX_STEP {
        return Ok(Some(jumped(newest, now)));
    }
    Ok(None)
}

/// Inside one client's purge transaction: the clock is still not behind the newest event.
pub(super) fn still_sane(tx: &WriteTx<'_>, now: OffsetDateTime) -> Result<bool, StoreError> {
    Ok(audit::last(tx)?
        .as_ref()
        .and_then(at)
        .is_none_or(|newest| now + SLACK >= newest))
}

/// Records a sane run: later checks start from here.
pub(super) fn mark_sane(tx: &WriteTx<'_>, now: OffsetDateTime) -> Result<(), StoreError> {
    let mut kept = state::load_for_update(tx)?;
    kept.sane_at = Some(now);
    kept.sane_seq = audit::last(tx)?.map_or(0, |e| e.seq);
    kept.refused = None;
    kept.refused_at = None;
    state::save(tx, &kept)
}

impl Services {
    /// Records why a purge run refused (the reference point stays), with a denied event.
    pub(super) fn refuse_purge(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        reason: &str,
    ) -> Result<(), ServiceError> {
        tracing::warn!("the retention purge refused to run: the clock is not sane");
        self.store.write(|tx| {
            let mut kept: PurgeClock = state::load_for_update(tx)?;
            kept.refused = Some(reason.to_owned());
            kept.refused_at = Some(now);
            state::save(tx, &kept)?;
            chain::record(
                tx,
                now,
                actor,
                Event::RetentionClockRefused,
                Target::Practice,
                Outcome::Denied,
            )?;
            Ok(())
        })
    }

    /// The owner says the server's clock is right now: the purge's clock check starts again
    /// from this moment (a gap or records from the future before it are accepted).
    pub fn confirm_purge_clock(&self, actor: &Actor) -> Result<(), ServiceError> {
        self.authorize(actor, Action::ManageRetention, Target::Practice)?;
        let now = self.now();
        self.store.write(|tx| {
            mark_sane(tx, now)?;
            chain::record(
                tx,
                now,
                actor,
                Event::RetentionClockConfirmed,
                AuditTarget::new().field("clock", now.format(&Rfc3339).unwrap_or_default()),
                Outcome::Ok,
            )?;
            Ok(())
        })
    }

    /// Once per store: sign-ins from before profiles kept them, read from the audit log,
    /// become each client's last sign-in (the later of the two wins).
    pub(super) fn backfill_sign_ins(&self) -> Result<(), ServiceError> {
        if self
            .store
            .read(|tx| Ok::<_, StoreError>(state::load(tx)?.sign_ins_backfilled))?
        {
            return Ok(());
        }
        // A read transaction per batch: one held over millions of events made the first
        // commit after it free every page it had pinned, holding writers for 150 ms.
        // (Sign-ins made meanwhile set `last_sign_in` themselves.)
        const BATCH: usize = 4096;
        let mut latest: HashMap<AccountId, OffsetDateTime> = HashMap::new();
        let mut next = 0;
        loop {
            let batch = self.store.read(|tx| audit::events_from(tx, next, BATCH))?;
            for e in &batch {
                if e.outcome != "ok" || !e.action.starts_with("signin.success") {
                    continue;
                }
                let id = e.target.strip_prefix("account:").and_then(AccountId::parse);
                if let (Some(id), Some(when)) = (id, at(e)) {
                    let slot = latest.entry(id).or_insert(when);
                    *slot = (*slot).max(when);
                }
            }
            match batch.last() {
                // (Sequence numbers grow with the keys they are sealed to; stop otherwise.)
                Some(last) if batch.len() == BATCH && last.seq >= next => next = last.seq + 1,
                _ => break,
            }
        }
        self.store.write(|tx| {
            for (id, when) in &latest {
                if let Some(mut p) = accounts::profile_for_update(tx, *id)? {
                    if p.last_sign_in.is_none_or(|t| t < *when) {
                        p.last_sign_in = Some(*when);
                        accounts::put_profile(tx, *id, &p)?;
                    }
                }
            }
            let mut kept = state::load_for_update(tx)?;
            kept.sign_ins_backfilled = true;
            state::save(tx, &kept)?;
            Ok::<_, StoreError>(())
        })?;
        Ok(())
    }
}
