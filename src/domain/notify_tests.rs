//! "Already waiting": a second alert of a kind waits for the first, found by the pointer
//! the outbox keeps (not a read of the whole outbox), and a sent or given-up alert no
//! longer counts.

use time::macros::datetime;

use super::*;
use crate::clock::{Clock as _, ManualClock};
use crate::domain::testing::services_at;
use crate::ids::ThreadId;
use crate::store::messages::MessageKind;

fn active(services: &Services, clock: &ManualClock, role: Role, email: &str) -> Account {
    let mut a = Account::invited(role, "Someone", email, clock.now());
    a.status = AccountStatus::Active;
    a.email_confirmed_at = Some(clock.now());
    services.store.write(|tx| accounts::put(tx, &a)).unwrap();
    a
}

/// The alerts to `account` still waiting to go (sent ones are gone, given-up ones stay).
fn waiting(services: &Services, account: AccountId) -> Vec<(Vec<u8>, Notification)> {
    services
        .store
        .read(|tx| tx.all::<Notification>())
        .unwrap()
        .into_iter()
        .filter(|(_, n)| n.account == account && !n.gave_up)
        .collect()
}

fn write(services: &Services, owner: &Actor, thread: ThreadId, body: &str) {
    services
        .write_message(owner, thread, body, MessageKind::Message, None)
        .unwrap();
}

#[test]
fn a_second_alert_waits_for_the_first_and_a_sent_or_given_up_one_no_longer_counts() {
    let (_dir, services, clock) = services_at(datetime!(2026-03-01 09:00 UTC));
    let services = services.with_mail(MailSwitch {
        enabled: true,
        ..MailSwitch::default()
    });
    let owner = active(&services, &clock, Role::Owner, "owner@example.org");
    let casey = active(&services, &clock, Role::Client, "casey@example.org");
    let owner = Actor::account(owner.id, Role::Owner, None);
    let thread = services
        .start_thread(&owner, casey.id, "Scheduling", "First", None)
        .unwrap();
    assert_eq!(waiting(&services, casey.id).len(), 1);
    write(&services, &owner, thread, "Second");
    assert_eq!(waiting(&services, casey.id).len(), 1, "the second waits");

    // An upgrade from schema 12 points to the alerts already waiting.
    services.store.rewind_schema_for_tests(12).unwrap();
    services.store.migrate(|_, _| Ok(())).unwrap();
    write(&services, &owner, thread, "Third");
    assert_eq!(
        waiting(&services, casey.id).len(),
        1,
        "still one after the upgrade"
    );

    let (key, sent) = waiting(&services, casey.id).remove(0);
    services.alert_delivered(&key, &sent).unwrap();
    write(&services, &owner, thread, "Fourth");
    let after_sent = waiting(&services, casey.id);
    assert_eq!(
        after_sent.len(),
        1,
        "a sent alert no longer counts: a new one"
    );

    clock.advance(GIVE_UP_AFTER + Duration::hours(1));
    services
        .alert_failed(&after_sent[0].0, "could not connect")
        .unwrap();
    assert!(waiting(&services, casey.id).is_empty(), "given up");
    write(&services, &owner, thread, "Fifth");
    assert_eq!(
        waiting(&services, casey.id).len(),
        1,
        "a given-up alert no longer counts"
    );

    // Kinds that never wait for one another keep no pointer (its key would say in clear
    // that, say, a password was changed).
    let pointers = || {
        services
            .store
            .read(|tx| tx.count(crate::store::tables::OUTBOX_WAITING))
            .unwrap()
    };
    let before = pointers();
    services
        .store
        .write(|tx| queue_mail(tx, clock.now(), &owner, &casey, Mail::PasswordChanged))
        .unwrap();
    assert_eq!(pointers(), before);
}
