//! The account lifecycle as a state × action table: invited → active → switched off, and
//! which links and sign-ins each state must take or refuse.

use time::macros::datetime;
use zeroize::Zeroizing;

use super::clients::NewClient;
use super::testing::services_at;
use super::Services;
use crate::policy::{AccountId, Actor, Role};
use crate::store::accounts::{self, AccountStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Invited,
    Active,
    Disabled,
}

const PASSWORD: &str = "a long client password";

fn owner() -> Actor {
    Actor::account(AccountId::generate(), Role::Owner, None)
}

fn pw(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.to_owned())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A client in `state`, and an invitation link made while it was still invited.
fn client_in(services: &Services, state: State) -> (AccountId, String) {
    let owner = owner();
    let id = services
        .create_client(
            &owner,
            NewClient {
                legal_name: "Casey Table".into(),
                email: format!("{}@example.org", AccountId::generate()),
                ..NewClient::default()
            },
        )
        .unwrap();
    let early = services.invite_client(&owner, id).unwrap();
    if state != State::Invited {
        let token = services.invite_client(&owner, id).unwrap();
        runtime()
            .block_on(services.accept_invite(None, &token, pw(PASSWORD), pw(PASSWORD)))
            .unwrap();
    }
    if state == State::Disabled {
        services.disable_account(&owner, id).unwrap();
    }
    (id, early)
}

fn status(services: &Services, id: AccountId) -> AccountStatus {
    services
        .store
        .read(|tx| accounts::get(tx, id))
        .unwrap()
        .unwrap()
        .status
}

#[test]
fn each_state_takes_only_the_links_and_sign_ins_meant_for_it() {
    let (_dir, services, _clock) = services_at(datetime!(2026-12-01 10:00 UTC));
    let rt = runtime();
    for state in [State::Invited, State::Active, State::Disabled] {
        let (id, early_invite) = client_in(&services, state);
        let owner = owner();
        // A new invitation: only for an account never activated.
        let invite = services.invite_client(&owner, id);
        assert_eq!(invite.is_ok(), state == State::Invited, "{state:?}: invite");
        // A reset link: only for an active account.
        let reset = services.reset_password_link(&Actor::LocalAdmin, id);
        assert_eq!(
            reset.is_ok(),
            state == State::Active,
            "{state:?}: reset link"
        );
        // An invitation made before activation never works afterwards.
        let late = rt.block_on(services.accept_invite(
            None,
            &early_invite,
            pw("another long password"),
            pw("another long password"),
        ));
        assert!(late.is_err(), "{state:?}: an early invitation is dead");
        // Signing in with the right password: only an active account.
        let email = services
            .store
            .read(|tx| accounts::get(tx, id))
            .unwrap()
            .unwrap()
            .email;
        let signed = rt.block_on(services.sign_in_password(None, &email, pw(PASSWORD)));
        assert_eq!(signed.is_ok(), state == State::Active, "{state:?}: sign-in");
        if let Ok(token) = reset {
            // Switched off after the link was made: the link is dead too.
            services.disable_account(&owner, id).unwrap();
            let used = rt.block_on(services.accept_invite(
                None,
                &token,
                pw("a reset long password"),
                pw("a reset long password"),
            ));
            assert!(used.is_err(), "a reset link dies with the switch-off");
            assert_eq!(status(&services, id), AccountStatus::Disabled);
        }
        assert_ne!(
            status(&services, id),
            AccountStatus::Active,
            "{state:?}: nothing above left the account active"
        );
    }
}
