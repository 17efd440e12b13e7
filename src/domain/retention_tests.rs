//! Retention with an injected clock: the adult and minor rules, a legal hold, the
//! tombstone, the review list, the audit period, and purged text gone from the file. The
//! purge's own safeguards (contact, re-checks, the clock, unknown birth dates, shared
//! addresses) are in `retention_purge_tests.rs`.

use time::macros::datetime;
use time::Duration;

use super::*;
use crate::clock::{Clock as _, ManualClock};
use crate::domain::audit as chain;
use crate::domain::clients::NewClient;
use crate::domain::testing::services_at;
use crate::store::accounts::Account;

const CANARY_ADULT: &str = "CANARY-retention-adult-4c1d";
const CANARY_MINOR: &str = "CANARY-retention-minor-8e2a";
const CANARY_HELD: &str = "CANARY-retention-held-1b7f";

fn count(hay: &[u8], needle: &str) -> usize {
    hay.windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
}

#[path = "retention_purge_tests.rs"]
mod purge;

struct World {
    dir: tempfile::TempDir,
    services: Services,
    clock: ManualClock,
    owner: Actor,
}

fn world() -> World {
    let (dir, services, clock) = services_at(datetime!(2026-01-05 10:00 UTC));
    let owner = Account::invited(Role::Owner, "Dana", "d@example.org", clock.now());
    services
        .store
        .write(|tx| accounts::put(tx, &owner))
        .unwrap();
    World {
        dir,
        services,
        clock,
        owner: Actor::account(owner.id, Role::Owner, None),
    }
}

fn client(w: &World, name: &str, born: &str, canary: &str) -> AccountId {
    let id = w
        .services
        .create_client(
            &w.owner,
            NewClient {
                legal_name: name.into(),
                preferred_name: String::new(),
                email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
                phone: String::new(),
                date_of_birth: born.into(),
                admin_note: canary.into(),
            },
        )
        .unwrap();
    let thread = w
        .services
        .start_thread(&w.owner, id, "Notes", canary, None)
        .unwrap();
    let mut upload = w.services.begin_upload(&w.owner, id, "notes.txt").unwrap();
    upload.push(format!("file {canary}\n").as_bytes()).unwrap();
    let file = upload.finish().unwrap();
    w.services
        .write_message(
            &w.owner,
            thread,
            "attached",
            crate::store::messages::MessageKind::Message,
            Some(file),
        )
        .unwrap();
    // A form answered, and an appointment.
    let form = w.services.create_form(&w.owner, "Check-in", "").unwrap();
    let question = crate::domain::form_builder::FieldInput {
        label: "How are you?",
        kind: "long_text",
        required: true,
        help: "",
        options: "",
    };
    w.services
        .change_form(
            &w.owner,
            form,
            crate::domain::form_builder::Change::Add(question),
        )
        .unwrap();
    let token = w
        .services
        .create_link(&w.owner, form, Some(id), true)
        .unwrap();
    let answers = vec![("q1".to_owned(), vec![format!("answer {canary}")])];
    assert!(w
        .services
        .submit(&token, &answers, &Actor::Anonymous { ip: None })
        .is_ok());
    let when = crate::domain::appointments::NewAppointment {
        date: "2026-02-01",
        time: "10:00",
        minutes: "50",
        setting: "in_person",
        note: canary,
    };
    w.services.add_appointment(&w.owner, id, when).unwrap();
    id
}

fn exists(w: &World, id: AccountId) -> bool {
    w.services
        .store
        .read(|tx| accounts::get(tx, id))
        .unwrap()
        .is_some()
}

fn raw(w: &World) -> Vec<u8> {
    std::fs::read(w.dir.path().join("db")).unwrap()
}

#[test]
fn adults_minors_and_held_clients_follow_their_rules_and_purged_text_is_gone() {
    let w = world();
    let policy = RetentionConfig::default();
    let sys = Actor::System("retention");
    let adult = client(&w, "Avery Adult", "1980-02-01", CANARY_ADULT);
    // 10 at last contact: kept to 18 (2033-09-01) plus 7 years.
    let minor = client(&w, "Milo Minor", "2015-09-01", CANARY_MINOR);
    let held = client(&w, "Hana Held", "1975-03-03", CANARY_HELD);
    w.services.set_legal_hold(&w.owner, held, true).unwrap();
    let before = w.services.store.read(|tx| {
        Ok::<_, crate::store::StoreError>((
            tx.all::<crate::store::submissions::Submission>()?.len(),
            tx.all::<crate::store::appointments::Appointment>()?.len(),
        ))
    });
    assert_eq!(before.unwrap(), (3, 3));
    assert!(w
        .services
        .retention_review(&w.owner, &policy)
        .unwrap()
        .due
        .is_empty());

    // Last contact was the appointment on 2026-02-01. Seven years on, less 12 days (the
    // owner confirms the clock after the simulated years): the adults are in the review
    // list, not yet purged.
    w.clock
        .advance(datetime!(2033-01-20 10:00 UTC) - w.clock.now());
    w.services.confirm_purge_clock(&w.owner).unwrap();
    let review = w.services.retention_review(&w.owner, &policy).unwrap().due;
    let listed: Vec<AccountId> = review.iter().map(|d| d.client).collect();
    assert!(listed.contains(&adult) && listed.contains(&held) && !listed.contains(&minor));
    assert!(review.iter().any(|d| d.client == held && d.held));
    assert_eq!(w.services.purge_due(&sys, &policy).unwrap().clients, 0);

    // Past the adult's date, within the grace: nothing yet.
    w.clock.advance(Duration::days(16));
    assert_eq!(w.services.purge_due(&sys, &policy).unwrap().clients, 0);
    // Past the grace: the adult goes, the held adult and the minor stay.
    w.clock.advance(Duration::days(27));
    let report = w.services.purge_due(&sys, &policy).unwrap();
    assert_eq!((report.clients, report.messages, report.files), (1, 2, 1));
    let left = w.services.store.read(|tx| {
        Ok::<_, crate::store::StoreError>((
            tx.all::<crate::store::submissions::Submission>()?.len(),
            tx.all::<crate::store::appointments::Appointment>()?.len(),
        ))
    });
    assert_eq!(
        left.unwrap(),
        (2, 2),
        "the adult's submission and appointment went"
    );
    assert!(!exists(&w, adult) && exists(&w, minor) && exists(&w, held));
    let file = raw(&w);
    assert_eq!(count(&file, CANARY_ADULT), 0);
    let tombstone = w
        .services
        .store
        .read(crate::store::audit::all)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .find(|e| e.action == "retention.purge")
        .expect("a tombstone");
    assert!(tombstone.target.contains(&format!("client:{adult}")));
    assert!(tombstone
        .target
        .contains("messages:2 files:1 submissions:1 appointments:1 rule:adult"));
    assert!(
        !tombstone.target.contains("Avery"),
        "the tombstone holds no PHI"
    );

    // The minor falls due at 18 + 7 = 2040-09-01, and goes after the grace.
    w.clock
        .advance(datetime!(2040-09-30 10:00 UTC) - w.clock.now());
    w.services.confirm_purge_clock(&w.owner).unwrap();
    let report = w.services.purge_due(&sys, &policy).unwrap();
    assert_eq!(report.clients, 0);
    // Events older than six years went, and the kept chain still verifies.
    assert!(report.audit_events > 0);
    w.clock.advance(Duration::days(2));
    let report = w.services.purge_due(&sys, &policy).unwrap();
    assert_eq!(report.clients, 1);
    assert!(
        !exists(&w, minor) && exists(&w, held),
        "the hold keeps its client"
    );
    assert!(matches!(
        chain::verify(&w.services.store).unwrap(),
        chain::ChainState::Intact { .. }
    ));
    let threads = w
        .services
        .store
        .read(crate::store::messages::all_threads)
        .unwrap();
    assert_eq!(
        threads.len(),
        1,
        "only the held client's conversation is left"
    );
    assert_eq!(count(&raw(&w), CANARY_MINOR), 0);

    // Releasing the hold lets the held client go at the next run.
    w.services.set_legal_hold(&w.owner, held, false).unwrap();
    assert_eq!(w.services.purge_due(&sys, &policy).unwrap().clients, 1);
    assert!(!exists(&w, held));
}

#[test]
fn due_dates_follow_the_rules() {
    let policy = RetentionConfig::default();
    let contact = datetime!(2026-05-10 12:00 UTC);
    let (due, rule) = due_date(&policy, None, contact);
    assert_eq!(due, datetime!(2033-05-10 12:00 UTC));
    assert!(rule.starts_with("adult"));
    let born = Date::from_calendar_date(2010, time::Month::February, 1).unwrap();
    let (due, rule) = due_date(&policy, Some(born), contact);
    assert_eq!(due, datetime!(2035-02-01 0:00 UTC));
    assert!(rule.starts_with("minor"));
    let leap = datetime!(2028-02-29 09:00 UTC);
    assert_eq!(
        due_date(&policy, None, leap).0.date(),
        Date::from_calendar_date(2035, time::Month::February, 28).unwrap()
    );
}
