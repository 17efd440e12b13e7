//! The practice's team: the owner invites clinicians and staff by single-use link.

use super::audit::{self, Event, Outcome};
use super::setup::check_name_and_email;
use super::{ServiceError, Services};
use crate::policy::{Action, Actor, Role, Target};
use crate::store::accounts::{self, Account};
use crate::store::invites::InviteKind;

impl Services {
    /// Creates a clinician or staff account and returns its invitation link token.
    pub fn invite_team_member(
        &self,
        actor: &Actor,
        name: &str,
        email: &str,
        role: Role,
    ) -> Result<String, ServiceError> {
        self.authorize(actor, Action::ManageTeam, Target::Practice)?;
        if !matches!(role, Role::Clinician | Role::Staff) {
            return Err(ServiceError::invalid("role", "Choose clinician or staff."));
        }
        check_name_and_email(name, email)?;
        let now = self.now();
        let email_index = self.store.blind_index().email(email);
        let account = Account::invited(role, name, email, now);
        let token = self.store.write(|tx| {
            if accounts::email_taken(tx, &email_index)? {
                return Err(ServiceError::invalid(
                    "email",
                    "Another account already uses this email address.",
                ));
            }
            accounts::put(tx, &account)?;
            accounts::index_email(tx, &email_index, account.id)?;
            self.queue_confirmation(tx, actor, &account, now)?;
            let token = self.issue_invite(tx, actor, account.id, InviteKind::Join, now)?;
            audit::record(
                tx,
                now,
                actor,
                Event::TeamInvite,
                Target::Account(account.id),
                Outcome::Ok,
            )?;
            Ok(token)
        })?;
        self.wake_mail();
        Ok(token)
    }

    /// The team page: the practice's accounts (clients are listed with the clients), for
    /// the owner. A refusal is audited.
    pub fn team_members(
        &self,
        actor: &Actor,
    ) -> Result<Vec<super::accounts::AccountSummary>, ServiceError> {
        self.authorize(actor, Action::ManageTeam, Target::Practice)?;
        let mut accounts = self.list_accounts(actor)?;
        accounts.retain(|a| a.role.is_practice());
        Ok(accounts)
    }
}
