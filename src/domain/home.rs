//! What the practice home shows beside `practice_home`: the backups panel (only for those
//! who look after backups; for anyone else the answer is `None`, not a refusal) and the
//! team's state, counted here so the web layer does not sort accounts by role.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use super::practice_home::PracticeHome;
use super::{ServiceError, Services};
use crate::policy::{self, Action, Actor, Decision, Target};
use crate::store::accounts::AccountStatus;
use crate::store::backups::{JobStatus, RestoreNotice};

/// How long the home tells of a restore's voided links.
pub const RESTORE_NOTICE_DAYS: i64 = 30;

/// The backups panel: the scheduled jobs' last runs, and a recent restore.
pub struct BackupOverview {
    /// By job name (`JOB_BACKUP`, …).
    pub jobs: BTreeMap<String, JobStatus>,
    /// The last restore, while it is less than `RESTORE_NOTICE_DAYS` old.
    pub restore: Option<RestoreNotice>,
    pub now: OffsetDateTime,
}

/// Accounts locked out now, and practice accounts still without sign-in codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeamState {
    pub locked: usize,
    pub without_codes: usize,
}

impl PracticeHome {
    /// The team's state, when the home shows the team.
    pub fn team_state(&self) -> Option<TeamState> {
        self.accounts.as_ref().map(|accounts| TeamState {
            locked: accounts.iter().filter(|a| a.locked).count(),
            without_codes: accounts
                .iter()
                .filter(|a| a.role.is_practice() && a.status == AccountStatus::Active && !a.mfa)
                .count(),
        })
    }
}

impl Services {
    /// The backups panel for those who manage backups; `None` for everyone else.
    pub fn backup_overview(&self, actor: &Actor) -> Result<Option<BackupOverview>, ServiceError> {
        if policy::decide(actor, Action::ManageBackups, Target::Practice) != Decision::Allow {
            return Ok(None);
        }
        let now = self.now();
        let restore = self
            .restore_notice(actor)?
            .filter(|n| now - n.restored_at <= Duration::days(RESTORE_NOTICE_DAYS));
        Ok(Some(BackupOverview {
            jobs: self.job_statuses(actor)?,
            restore,
            now,
        }))
    }
}
