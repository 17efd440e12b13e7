//! The policy as a table: one row per action, naming what the action may touch and who may
//! do it. SECURITY-SENSITIVE. Nobody is in a row unless written there: a new [`Action`]
//! without a row fails the unit test below, and until it has one nobody may do it — the
//! owner included.

use super::Action::{self, *};

/// What an action may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The practice as a whole (`Target::Practice`).
    Practice,
    /// One client's records (`Target::Client`): any client for the practice, only their
    /// own for a client.
    Client,
    /// The practice as a whole, or one client's records as in [`Scope::Client`].
    PracticeOrClient,
    /// One account (`Target::Account`), or the practice's accounts as a whole.
    Account,
    /// The actor's own account only.
    OwnAccount,
}

/// Who may act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Owner,
    Clinician,
    Staff,
    Client,
    /// A command run on the box itself (`alcove user …`).
    LocalAdmin,
    /// A background job.
    System,
}

/// One row: the action, its name in the audit log, its scope, and who may do it.
#[derive(Debug)]
pub struct Rule {
    pub action: Action,
    pub name: &'static str,
    pub scope: Scope,
    pub who: &'static [Who],
}

use Scope as S;
use Who::{
    Client as C, Clinician as Cl, LocalAdmin as Admin, Owner as O, Staff as St, System as Sys,
};

const fn rule(action: Action, name: &'static str, scope: Scope, who: &'static [Who]) -> Rule {
    Rule {
        action,
        name,
        scope,
        who,
    }
}

/// The whole policy. Messages, notes and submissions are clinical: clinicians and the
/// owner, never staff. A client reaches only their own home and threads.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule(ListClients,        "client.list",            S::Practice,         &[O, Cl, St]),
    rule(CreateClient,       "client.create",          S::Practice,         &[O, Cl, St]),
    rule(ViewClient,         "client.view",            S::Client,           &[O, Cl, St]),
    rule(InviteClient,       "client.invite",          S::Client,           &[O, Cl, St]),
    rule(ViewOwnHome,        "home.view",              S::Client,           &[C]),
    rule(ManageTeam,         "team.manage",            S::Practice,         &[O]),
    rule(ManageAccount,      "account.manage",         S::Account,          &[O, Admin]),
    rule(ViewAudit,          "audit.view",             S::Practice,         &[O, Admin]),
    rule(VerifyAudit,        "audit.verify",           S::Practice,         &[O, Admin, Sys]),
    rule(ResetPassword,      "account.reset_password", S::Account,          &[O, Admin]),
    rule(ListThreads,        "thread.list",            S::PracticeOrClient, &[O, Cl, C]),
    rule(ReadThread,         "thread.read",            S::Client,           &[O, Cl, C]),
    rule(WriteMessage,       "message.write",          S::Client,           &[O, Cl, C]),
    rule(InternalNotes,      "note.access",            S::Client,           &[O, Cl]),
    rule(ManageThread,       "thread.manage",          S::Client,           &[O, Cl]),
    rule(ManagePractice,     "practice.manage",        S::Practice,         &[O]),
    rule(ManageOwnSettings,  "settings.own",           S::OwnAccount,       &[O, Cl, St, C]),
    rule(SetClientAlerts,    "client.alerts",          S::Client,           &[O, Cl, St]),
    rule(ManageBackups,      "backup.manage",          S::Practice,         &[O, Admin, Sys]),
    rule(ManageRetention,    "retention.manage",       S::PracticeOrClient, &[O, Sys]),
    rule(ManageForms,        "form.manage",            S::Practice,         &[O, Cl]),
    rule(ListForms,          "form.list",              S::Practice,         &[O, Cl, St]),
    rule(SendFormLink,       "form.link",              S::Client,           &[O, Cl, St]),
    rule(ReadSubmissions,    "submission.read",        S::Client,           &[O, Cl]),
    rule(ManageAppointments, "appointment.manage",     S::Client,           &[O, Cl, St]),
];

/// The row for `action`. Every action has one (the unit test below checks).
pub fn rule_for(action: Action) -> &'static Rule {
    RULES.iter().find(|r| r.action == action).unwrap_or(&NOBODY)
}

/// What an action without a row gets: nobody, nothing.
static NOBODY: Rule = rule(ListClients, "unlisted", S::OwnAccount, &[]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_exactly_one_row_and_every_row_a_distinct_name() {
        for action in Action::ALL {
            let rows = RULES.iter().filter(|r| r.action == *action).count();
            assert_eq!(rows, 1, "{action:?} has {rows} rows");
        }
        assert_eq!(RULES.len(), Action::ALL.len());
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len(), "two actions share an audit name");
    }

    #[test]
    fn an_action_without_a_row_is_granted_to_nobody() {
        assert!(NOBODY.who.is_empty());
    }
}
