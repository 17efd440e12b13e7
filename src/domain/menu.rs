//! The navigation a signed-in person gets, as kanidm's `ui_hints`: which home they land on
//! and which sections their menu links to, each a question to the policy. Nothing is read,
//! so nothing is audited; the pages behind the links still check for themselves.

use crate::policy::{self, Action, Actor, Decision, Target};

/// Which home page `/home` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Home {
    /// The client's own space with the practice.
    Client,
    /// The practice's start page.
    Practice,
}

/// The links a person's navigation offers, besides home and their own email alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Menu {
    pub home: Home,
    pub messages: bool,
    pub clients: bool,
    pub forms: bool,
    pub team: bool,
    pub audit: bool,
}

/// The menu for `actor`.
pub fn menu(actor: &Actor) -> Menu {
    let may = |action, target| policy::decide(actor, action, target) == Decision::Allow;
    let practice = |action| may(action, Target::Practice);
    let own = actor.account_id().map(Target::Client);
    let own_may = |action| own.is_some_and(|own| may(action, own));
    Menu {
        home: if own_may(Action::ViewOwnHome) {
            Home::Client
        } else {
            Home::Practice
        },
        messages: practice(Action::ListThreads) || own_may(Action::ListThreads),
        clients: practice(Action::ListClients),
        forms: practice(Action::ManageForms),
        team: practice(Action::ManageTeam),
        audit: practice(Action::ViewAudit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, Role};

    fn of(role: Role) -> Menu {
        menu(&Actor::account(AccountId([7; 16]), role, None))
    }

    #[test]
    fn staff_get_no_clinical_links() {
        let m = of(Role::Staff);
        assert_eq!(m.home, Home::Practice);
        assert!(m.clients);
        assert!(!m.messages && !m.forms && !m.team && !m.audit);
    }

    #[test]
    fn a_client_lands_on_their_own_home_with_their_messages_only() {
        let m = of(Role::Client);
        assert_eq!(m.home, Home::Client);
        assert!(m.messages);
        assert!(!m.clients && !m.forms && !m.team && !m.audit);
    }

    #[test]
    fn the_owner_gets_every_link_and_a_clinician_all_but_team_and_audit() {
        let owner = of(Role::Owner);
        assert_eq!(owner.home, Home::Practice);
        assert!(owner.messages && owner.clients && owner.forms && owner.team && owner.audit);
        let clinician = of(Role::Clinician);
        assert!(clinician.messages && clinician.clients && clinician.forms);
        assert!(!clinician.team && !clinician.audit);
    }
}
