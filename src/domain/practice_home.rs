//! The practice's start page: one call reads what the owner (or a clinician, or staff) is
//! shown, and the account list it needs is read, and audited, once.

use std::path::Path;

use super::accounts::AccountSummary;
use super::doctor::Check;
use super::{ServiceError, Services};
use crate::policy::{self, Action, Actor, Decision, Target};

/// The parts of the practice home the policy lets `actor` see.
pub struct PracticeHome {
    /// The team (who may sign in, who is locked out): for those who manage it.
    pub accounts: Option<Vec<AccountSummary>>,
    /// The checks of `alcove doctor`: for those who look after backups.
    pub posture: Option<Vec<Check>>,
    /// Links to automatic replies, forms and templates: for those who change them.
    pub settings: bool,
}

impl Services {
    pub fn practice_home(
        &self,
        actor: &Actor,
        data_dir: &Path,
        config: &crate::config::Config,
    ) -> Result<PracticeHome, ServiceError> {
        let may = |action| policy::decide(actor, action, Target::Practice) == Decision::Allow;
        let accounts = if may(Action::ManageTeam) {
            Some(self.list_accounts(actor)?)
        } else {
            None
        };
        let posture = match (&accounts, may(Action::ManageBackups)) {
            (_, false) => None,
            (Some(accounts), true) => Some(self.doctor_with(actor, data_dir, config, accounts)?),
            (None, true) => Some(self.doctor(actor, data_dir, config)?),
        };
        Ok(PracticeHome {
            accounts,
            posture,
            settings: may(Action::ManagePractice),
        })
    }
}
