//! Links expire on an injected clock; editing a form with answers makes a new version and
//! the old answers keep theirs.

use time::macros::datetime;

use super::*;
use crate::clock::{Clock as _, ManualClock};
use crate::domain::form_builder::{Change, FieldInput};
use crate::domain::testing::services_at;
use crate::store::accounts::{Account, ClientProfile};

fn world() -> (tempfile::TempDir, Services, ManualClock, Actor, AccountId) {
    let (dir, services, clock) = services_at(datetime!(2026-04-01 09:00 UTC));
    let owner = Account::invited(Role::Owner, "Dana", "d@example.org", clock.now());
    let client = Account::invited(Role::Client, "Jo", "j@example.org", clock.now());
    services
        .store
        .write(|tx| {
            accounts::put(tx, &owner)?;
            accounts::put(tx, &client)?;
            accounts::put_profile(tx, client.id, &ClientProfile::default())
        })
        .unwrap();
    (
        dir,
        services,
        clock,
        Actor::account(owner.id, Role::Owner, None),
        client.id,
    )
}

#[test]
fn a_link_expires_after_seven_days() {
    let (_d, services, clock, owner, client) = world();
    let form = services.create_form(&owner, "Check-in", "").unwrap();
    let token = services
        .create_link(&owner, form, Some(client), false)
        .unwrap();
    assert!(services.open_link(&token).unwrap().is_ok());
    clock.advance(Duration::days(7) + Duration::minutes(1));
    assert!(matches!(
        services.open_link(&token).unwrap(),
        Err(LinkProblem::Expired)
    ));
    let anon = Actor::Anonymous { ip: None };
    assert!(matches!(
        services.submit(&token, &Vec::new(), &anon),
        Err(SubmitError::Link(LinkProblem::Expired))
    ));
    let links = services.links(&owner, Some(client)).unwrap();
    assert_eq!(links[0].1, LinkState::Expired);
}

#[test]
fn editing_a_form_with_answers_makes_a_new_version() {
    let (_d, services, _clock, owner, client) = world();
    let form = services
        .create_form(&owner, "Check-in", "How are you?")
        .unwrap();
    let question = |label| FieldInput {
        label,
        kind: "short_text",
        required: true,
        help: "",
        options: "",
    };
    assert_eq!(
        services
            .change_form(&owner, form, Change::Add(question("Mood")))
            .unwrap(),
        1
    );
    assert_eq!(
        services
            .change_form(&owner, form, Change::Add(question("Sleep")))
            .unwrap(),
        1,
        "no answers yet: same version"
    );
    let token = services
        .create_link(&owner, form, Some(client), true)
        .unwrap();
    let anon = Actor::Anonymous { ip: None };
    let answers = vec![
        ("q1".to_owned(), vec!["ok".to_owned()]),
        ("q2".to_owned(), vec!["7h".to_owned()]),
    ];
    let id = services.submit(&token, &answers, &anon).ok().unwrap();
    assert_eq!(
        services.change_form(&owner, form, Change::Up(1)).unwrap(),
        2,
        "answered: a new version"
    );
    let (sub, version) = services.submission(&owner, client, id).unwrap();
    assert_eq!(sub.version, 1);
    assert_eq!(
        version.fields[0].label, "Mood",
        "the answer keeps the form it answered"
    );
    let def = services.form(&owner, form).unwrap();
    assert_eq!(def.current().fields[0].label, "Sleep");
    assert!(matches!(
        services.submit(&token, &answers, &anon),
        Err(SubmitError::Link(LinkProblem::Used))
    ));
}
