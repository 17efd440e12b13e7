//! The one access policy. SECURITY-SENSITIVE.
//!
//! Every read or write of client or account data asks [`decide`] first, with the actor,
//! the action and the target; services do, handlers never do. Deny by default: an action
//! not listed for a role is refused. The table-driven `authz_matrix` integration test sends
//! every route as every role and checks what this module answers.

mod actor;
mod table;

pub use actor::{AccountId, Actor, Role};
pub use table::{Rule, Scope, Who, RULES};

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the list of clients.
    ListClients,
    /// Create a client record.
    CreateClient,
    /// Read a client's profile (name, contact details, admin note).
    ViewClient,
    /// Create or revoke a client's invitation link.
    InviteClient,
    /// See one's own client home.
    ViewOwnHome,
    /// See the practice's team and invite a clinician or staff member.
    ManageTeam,
    /// Disable an account or reset its second sign-in step.
    ManageAccount,
    /// Read the audit log.
    ViewAudit,
    /// Walk the audit chain (`alcove audit verify`).
    VerifyAudit,
    /// Issue a password-reset link for an account (local administrator).
    ResetPassword,
    /// See the list of message threads (the practice: all; a client: their own).
    ListThreads,
    /// Read a thread's messages (a client: their own threads).
    ReadThread,
    /// Start a thread or write a message in it.
    WriteMessage,
    /// Read and write internal notes: practice only, never the client.
    InternalNotes,
    /// Close or reopen a thread.
    ManageThread,
    /// Change practice-wide settings (automatic replies).
    ManagePractice,
    /// Change one's own settings (email alerts, confirming one's address again).
    ManageOwnSettings,
    /// Record a client's choice about email alerts, or send their confirmation link again.
    SetClientAlerts,
    /// Take, list and check backups; see their status.
    ManageBackups,
    /// See the retention review list, place or release a legal hold, purge what is due.
    ManageRetention,
    /// Build and edit forms; create public intake links.
    ManageForms,
    /// See the list of forms, to send one to a client.
    ListForms,
    /// Send a client a form link; see and revoke a client's links.
    SendFormLink,
    /// Read a client's form submissions and communication preferences (clinical).
    ReadSubmissions,
    /// Enter and change a client's appointments.
    ManageAppointments,
}

impl Action {
    /// Every action, for the policy table's test. A new variant must be added here: the
    /// `match` below does not compile until it is.
    pub const ALL: &'static [Action] = &[
        Action::ListClients,
        Action::CreateClient,
        Action::ViewClient,
        Action::InviteClient,
        Action::ViewOwnHome,
        Action::ManageTeam,
        Action::ManageAccount,
        Action::ViewAudit,
        Action::VerifyAudit,
        Action::ResetPassword,
        Action::ListThreads,
        Action::ReadThread,
        Action::WriteMessage,
        Action::InternalNotes,
        Action::ManageThread,
        Action::ManagePractice,
        Action::ManageOwnSettings,
        Action::SetClientAlerts,
        Action::ManageBackups,
        Action::ManageRetention,
        Action::ManageForms,
        Action::ListForms,
        Action::SendFormLink,
        Action::ReadSubmissions,
        Action::ManageAppointments,
    ];

    /// The action's name in the audit log, from its row in the policy table.
    pub fn name(self) -> &'static str {
        table::rule_for(self).name
    }
}

/// Fails to compile when an action is missing from [`Action::ALL`]'s neighbourhood: add it
/// to `ALL` and to the policy table when adding it here.
#[allow(dead_code)]
const fn every_action_is_listed(action: Action) {
    use Action::*;
    match action {
        ListClients | CreateClient | ViewClient | InviteClient | ViewOwnHome | ManageTeam
        | ManageAccount | ViewAudit | VerifyAudit | ResetPassword | ListThreads | ReadThread
        | WriteMessage | InternalNotes | ManageThread | ManagePractice | ManageOwnSettings
        | SetClientAlerts | ManageBackups | ManageRetention | ManageForms | ListForms
        | SendFormLink | ReadSubmissions | ManageAppointments => {}
    }
}

/// Whose records an action touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The practice as a whole (lists, team, audit).
    Practice,
    /// One client's records; the id is the client's account id.
    Client(AccountId),
    /// One account (practice user or client) as an account.
    Account(AccountId),
}

impl Target {
    pub fn describe(&self) -> String {
        match self {
            Target::Practice => "practice".to_owned(),
            Target::Client(id) => format!("client:{id}"),
            Target::Account(id) => format!("account:{id}"),
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

/// Decides whether `actor` may do `action` on `target`: allowed only when the action's row
/// in [`table::RULES`] names the actor and the target is in the row's scope. Pure; deny by
/// default.
pub fn decide(actor: &Actor, action: Action, target: Target) -> Decision {
    let rule = table::rule_for(action);
    let (who, own) = match actor {
        Actor::Anonymous { .. } => return Decision::Deny,
        Actor::LocalAdmin => (Who::LocalAdmin, None),
        Actor::System(_) => (Who::System, None),
        Actor::Account { id, role, .. } => (
            match role {
                Role::Owner => Who::Owner,
                Role::Clinician => Who::Clinician,
                Role::Staff => Who::Staff,
                Role::Client => Who::Client,
            },
            Some(*id),
        ),
    };
    if !rule.who.contains(&who) {
        return Decision::Deny;
    }
    let client = who == Who::Client;
    let in_scope = match (rule.scope, target) {
        (Scope::Practice | Scope::PracticeOrClient, Target::Practice) => !client,
        (Scope::Client | Scope::PracticeOrClient, Target::Client(c)) => !client || own == Some(c),
        (Scope::Account, Target::Account(_) | Target::Practice) => !client,
        (Scope::OwnAccount, Target::Account(a)) => own == Some(a),
        _ => false,
    };
    if in_scope {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role) -> (Actor, AccountId) {
        let id = AccountId::generate();
        (Actor::account(id, role, None), id)
    }

    fn targets() -> [Target; 5] {
        [
            Target::Practice,
            Target::Client(AccountId::generate()),
            Target::Account(AccountId::generate()),
            Target::Client(AccountId([7; 16])),
            Target::Account(AccountId([7; 16])),
        ]
    }

    #[test]
    fn the_owner_gets_only_what_a_row_names() {
        let owner = Actor::account(AccountId([7; 16]), Role::Owner, None);
        for action in Action::ALL {
            let listed = table::rule_for(*action).who.contains(&Who::Owner);
            let allowed = targets()
                .iter()
                .any(|t| decide(&owner, *action, *t) == Decision::Allow);
            assert_eq!(listed, allowed, "{action:?}");
        }
        // The owner's row for a client's records does not reach the practice, and back.
        assert_eq!(
            decide(&owner, Action::ReadThread, Target::Practice),
            Decision::Deny
        );
        assert_eq!(
            decide(
                &owner,
                Action::ManageTeam,
                Target::Client(AccountId([1; 16]))
            ),
            Decision::Deny
        );
    }

    #[test]
    fn jobs_and_the_local_administrator_reach_only_their_rows() {
        for (actor, who) in [
            (Actor::LocalAdmin, Who::LocalAdmin),
            (Actor::System("backup"), Who::System),
        ] {
            for action in Action::ALL {
                let listed = table::rule_for(*action).who.contains(&who);
                let allowed = targets()
                    .iter()
                    .any(|t| decide(&actor, *action, *t) == Decision::Allow);
                assert_eq!(listed, allowed, "{who:?} {action:?}");
            }
        }
        assert_eq!(
            decide(&Actor::LocalAdmin, Action::ReadThread, Target::Practice),
            Decision::Deny,
            "the box's administrator never reads messages"
        );
    }

    #[test]
    fn own_settings_are_only_ones_own_even_for_the_owner() {
        for role in [Role::Owner, Role::Clinician, Role::Staff, Role::Client] {
            let (actor, id) = account(role);
            let other = AccountId::generate();
            assert_eq!(
                decide(&actor, Action::ManageOwnSettings, Target::Account(id)),
                Decision::Allow
            );
            assert_eq!(
                decide(&actor, Action::ManageOwnSettings, Target::Account(other)),
                Decision::Deny,
                "{role:?}"
            );
        }
        let (client, id) = account(Role::Client);
        assert_eq!(
            decide(&client, Action::SetClientAlerts, Target::Client(id)),
            Decision::Deny,
            "a client changes their choice in their own settings"
        );
    }

    #[test]
    fn a_client_reaches_only_their_own_records() {
        let (a, a_id) = account(Role::Client);
        let b_id = AccountId::generate();
        assert_eq!(
            decide(&a, Action::ViewOwnHome, Target::Client(a_id)),
            Decision::Allow
        );
        assert_eq!(
            decide(&a, Action::ViewClient, Target::Client(a_id)),
            Decision::Deny
        );
        assert_eq!(
            decide(&a, Action::ViewClient, Target::Client(b_id)),
            Decision::Deny
        );
        assert_eq!(
            decide(&a, Action::ViewOwnHome, Target::Client(b_id)),
            Decision::Deny
        );
        for action in [
            Action::ListClients,
            Action::CreateClient,
            Action::ManageTeam,
            Action::ViewAudit,
        ] {
            assert_eq!(
                decide(&a, action, Target::Practice),
                Decision::Deny,
                "{action:?}"
            );
        }
    }

    #[test]
    fn staff_and_clinicians_cannot_manage_the_team_or_read_the_audit_log() {
        for role in [Role::Staff, Role::Clinician] {
            let (actor, _) = account(role);
            assert_eq!(
                decide(&actor, Action::ListClients, Target::Practice),
                Decision::Allow
            );
            assert_eq!(
                decide(&actor, Action::ManageTeam, Target::Practice),
                Decision::Deny
            );
            assert_eq!(
                decide(&actor, Action::ViewAudit, Target::Practice),
                Decision::Deny
            );
            let other = AccountId::generate();
            assert_eq!(
                decide(&actor, Action::ManageAccount, Target::Account(other)),
                Decision::Deny
            );
        }
    }

    #[test]
    fn anonymous_may_do_nothing_and_the_owner_has_no_client_home() {
        let anon = Actor::Anonymous { ip: None };
        let id = AccountId::generate();
        for action in [
            Action::ListClients,
            Action::ViewClient,
            Action::ViewOwnHome,
            Action::ViewAudit,
        ] {
            assert_eq!(decide(&anon, action, Target::Client(id)), Decision::Deny);
            assert_eq!(decide(&anon, action, Target::Practice), Decision::Deny);
        }
        let (owner, owner_id) = account(Role::Owner);
        assert_eq!(
            decide(&owner, Action::ViewOwnHome, Target::Client(owner_id)),
            Decision::Deny
        );
        assert_eq!(
            decide(&owner, Action::ViewAudit, Target::Practice),
            Decision::Allow
        );
    }

    #[test]
    fn internal_notes_are_never_for_clients_and_messages_never_for_staff() {
        let (a, a_id) = account(Role::Client);
        assert_eq!(
            decide(&a, Action::ReadThread, Target::Client(a_id)),
            Decision::Allow
        );
        assert_eq!(
            decide(&a, Action::WriteMessage, Target::Client(a_id)),
            Decision::Allow
        );
        assert_eq!(
            decide(&a, Action::InternalNotes, Target::Client(a_id)),
            Decision::Deny
        );
        assert_eq!(
            decide(&a, Action::ManageThread, Target::Client(a_id)),
            Decision::Deny
        );
        let b_id = AccountId::generate();
        assert_eq!(
            decide(&a, Action::ReadThread, Target::Client(b_id)),
            Decision::Deny
        );
        let (staff, _) = account(Role::Staff);
        for action in [
            Action::ReadThread,
            Action::WriteMessage,
            Action::InternalNotes,
        ] {
            assert_eq!(decide(&staff, action, Target::Client(a_id)), Decision::Deny);
        }
        let (clinician, _) = account(Role::Clinician);
        assert_eq!(
            decide(&clinician, Action::InternalNotes, Target::Client(a_id)),
            Decision::Allow
        );
    }
}
