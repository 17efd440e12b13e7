//! Upgrades: each migration in one transaction with its version, the indexes they build,
//! and the rewinds the tests use.

use super::*;
use crate::crypto::{Keyring, Sealer};

const BEFORE_INDEXES: u32 = 9;

#[test]
fn the_upgrade_to_12_indexes_the_practices_accounts_and_no_client() {
    use crate::ids::Role;
    use crate::store::accounts::{self, Account};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(
        &dir.path().join(super::super::DB_FILE),
        Sealer::new(Keyring::generate()),
    )
    .unwrap();
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let people = [
        Account::invited(Role::Owner, "Olive Owner", "olive@example.org", now),
        Account::invited(Role::Staff, "Sam Staff", "sam@example.org", now),
        Account::invited(Role::Client, "Casey Client", "casey@example.org", now),
    ];
    store
        .write(|tx| people.iter().try_for_each(|a| accounts::put(tx, a)))
        .unwrap();
    let practice = |store: &Store| {
        let mut names: Vec<String> = store
            .write(accounts::practice_for_update)
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(practice(&store), ["Olive Owner", "Sam Staff"]);
    rewind(&store, 11).unwrap();
    assert!(practice(&store).is_empty(), "schema 11 has no such index");
    store.migrate(|_, _| Ok(())).unwrap();
    assert_eq!(version(&store).unwrap(), SCHEMA_VERSION);
    assert_eq!(practice(&store), ["Olive Owner", "Sam Staff"]);
    // A row naming a client (planted, or written by a bug) is refused, not alerted.
    store
        .write(|tx| tx.put_index(tables::PRACTICE_ACCOUNTS, people[2].id.as_bytes()))
        .unwrap();
    let listed = store.write(accounts::practice_for_update);
    assert!(
        matches!(listed, Err(StoreError::Sealed { .. })),
        "{listed:?}"
    );
}

#[test]
fn a_failing_step_after_the_migrations_keeps_the_old_version_and_tables() {
    use crate::ids::{AccountId, ThreadId};
    use crate::store::audit::{self, AuditEvent, AuditFilter};
    use crate::store::messages::{self, InboxOf, Message, MessageKind, Thread};
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.redb");
    let store = Store::create(&path, Sealer::new(Keyring::generate())).unwrap();
    let client = AccountId::generate();
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let thread = Thread {
        id: ThreadId::generate(),
        client,
        subject: "Scheduling".into(),
        closed: false,
        created_at: now,
        last_message_at: now,
        count: 1,
        client_read: 1,
        client_read_at: None,
        practice_read: 0,
        practice_read_at: None,
        last_auto_reply_at: None,
        last_from_client: 0,
        last_to_client: 0,
        client_sent: 0,
        client_sent_read: 0,
        practice_sent: 0,
        practice_sent_read: 0,
    };
    let message = Message {
        number: 1,
        kind: MessageKind::Message,
        author: client,
        author_name: "Casey".into(),
        from_client: true,
        automatic: false,
        body: "Can we move Tuesday?".into(),
        sent_at: now,
        attachments: Vec::new(),
    };
    let event = AuditEvent {
        seq: 1,
        at: "2024-10-04T10:00:00Z".into(),
        actor: format!("account:{client}"),
        role: "client".into(),
        action: "thread.start".into(),
        target: format!("client:{client} thread:{}", thread.id),
        ip: String::new(),
        outcome: "ok".into(),
        prev: String::new(),
        hash: String::new(),
    };
    let appointment = crate::store::appointments::Appointment {
        id: crate::ids::AppointmentId::generate(),
        client,
        starts_at: now + time::Duration::days(2),
        minutes: 50,
        setting: crate::store::appointments::Setting::Telehealth,
        note: String::new(),
        reminded: false,
    };
    let file = crate::store::attachments::Attachment {
        id: crate::ids::AttachmentId::generate(),
        thread: thread.id,
        client,
        message: 1,
        name: "letter.pdf".into(),
        kind: crate::store::attachments::FileKind::Pdf,
        size: 3,
        sha256: String::new(),
        chunks: 1,
        uploaded_by: client,
        created_at: now,
    };
    let files = || {
        store
            .write(|tx| crate::store::attachments::of_client_for_update(tx, client))
            .unwrap()
            .len()
    };
    // Schema 9: before the inbox, audit and file indexes (10 and 11) and everything after.
    rewind(&store, BEFORE_INDEXES).unwrap();
    // Written as a store of the version before kept them: no index rows.
    store
        .write(|tx| {
            tx.put(&thread.id.0, &thread)?;
            messages::put_message(tx, thread.id, &message)?;
            tx.put(&appointment.id.0, &appointment)?;
            tx.put(&file.id.0, &file)?;
            tx.put(&audit::key(1), &event)
        })
        .unwrap();
    let upcoming = || {
        store
            .read(|tx| crate::store::appointments::upcoming(tx, client, now, 50))
            .unwrap()
            .len()
    };
    let inbox = || {
        store
            .read(|tx| messages::inbox_page(tx, InboxOf::Practice, None, 50))
            .unwrap()
            .0
    };
    let about_client = || {
        let filter = AuditFilter {
            client: Some(client),
            account: None,
        };
        store
            .read(|tx| audit::page(tx, filter, None, 50))
            .unwrap()
            .0
    };
    let injected = || StoreError::Format { table: "injected" };
    let err = apply(&store, |_, _| Err(injected())).unwrap_err();
    assert!(matches!(err, StoreError::Format { table: "injected" }));
    assert_eq!(version(&store).unwrap(), BEFORE_INDEXES);
    assert!(inbox().is_empty(), "nothing of the failed upgrade is kept");
    assert!(about_client().is_empty());
    assert_eq!(upcoming(), 0);
    assert_eq!(files(), 0);
    let from = std::cell::Cell::new(None);
    apply(&store, |_, v| {
        from.set(Some(v));
        Ok(())
    })
    .unwrap();
    assert_eq!(from.get(), Some(BEFORE_INDEXES));
    assert_eq!(version(&store).unwrap(), SCHEMA_VERSION);
    let listed = inbox();
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].unread_by_practice(),
        "the upgrade read the messages"
    );
    assert_eq!(listed[0].unread_for(false), 1);
    assert_eq!(listed[0].unread_for(true), 0);
    assert_eq!(about_client(), vec![event]);
    assert_eq!(upcoming(), 1, "the appointment is noted under its client");
    assert_eq!(files(), 1, "the file is noted under its client");
}
