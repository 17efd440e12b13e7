//! The purge's safeguards with an injected clock: what counts as contact (item 13), the
//! re-check inside each client's transaction (14), the clock check (15), an unknown date
//! of birth (16), and an address that another account holds (17).

use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::domain::audit::Outcome;
use crate::domain::retention::PurgeReport;
use crate::store::accounts::EmailEntry;
use crate::store::forms::FormDef;
use crate::store::sessions::SessionStage;

fn sys() -> Actor {
    Actor::System("retention")
}

fn set(w: &World, when: OffsetDateTime) {
    w.clock.advance(when - w.clock.now());
}

fn purge(w: &World) -> PurgeReport {
    w.services
        .run_purge(&sys(), &RetentionConfig::default())
        .unwrap()
}

/// Moves the clock (as if the server had been off that long) and has the owner confirm it.
fn years_later(w: &World, when: OffsetDateTime) {
    set(w, when);
    w.services.confirm_purge_clock(&w.owner).unwrap();
}

fn bare(w: &World, name: &str, born: &str) -> AccountId {
    w.services
        .create_client(
            &w.owner,
            NewClient {
                legal_name: name.into(),
                preferred_name: String::new(),
                email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
                phone: String::new(),
                date_of_birth: born.into(),
                admin_note: String::new(),
            },
        )
        .unwrap()
}

fn book(w: &World, client: AccountId, date: &str) {
    let when = crate::domain::appointments::NewAppointment {
        date,
        time: "10:00",
        minutes: "50",
        setting: "in_person",
        note: "",
    };
    w.services.add_appointment(&w.owner, client, when).unwrap();
}

fn builtin(w: &World, slug: &str) -> crate::ids::FormId {
    w.services
        .store
        .read(|tx| tx.all::<FormDef>())
        .unwrap()
        .into_iter()
        .find(|(_, f)| f.builtin.as_deref() == Some(slug))
        .unwrap()
        .1
        .id
}

fn answers(pairs: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
        .collect()
}

fn signs_in(w: &World, client: AccountId) {
    let account = w
        .services
        .store
        .read(|tx| accounts::get(tx, client))
        .unwrap()
        .unwrap();
    let now = w.clock.now();
    w.services
        .store
        .write(|tx| {
            w.services
                .start_session(tx, &account, SessionStage::Full, now, true)
        })
        .unwrap();
}

fn events(w: &World, action: &str) -> Vec<crate::store::audit::AuditEvent> {
    w.services
        .store
        .read(crate::store::audit::all)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.action == action)
        .collect()
}

#[test]
fn forms_past_appointments_and_sign_ins_are_contact_and_a_booked_client_is_never_due() {
    let w = world();
    let quiet = bare(&w, "Quinn Quiet", "1980-01-01");
    let forms = bare(&w, "Fern Forms", "1980-01-01");
    let visits = bare(&w, "Vic Visits", "1980-01-01");
    let signs = bare(&w, "Sid Signs", "1980-01-01");
    let legacy = bare(&w, "Lee Legacy", "1980-01-01");
    let booked = bare(&w, "Bo Booked", "1980-01-01");

    // Three years on, each but the quiet one is in touch without writing a message.
    years_later(&w, datetime!(2029-01-05 10:00 UTC));
    let form = builtin(&w, "release");
    let token = w
        .services
        .create_link(&w.owner, form, Some(forms), true)
        .unwrap();
    let def = w.services.form(&w.owner, form).unwrap();
    let filled: Vec<(String, Vec<String>)> = def
        .current()
        .fields
        .iter()
        .map(|f| {
            let v = f.options.first().cloned().unwrap_or_else(|| match f.kind {
                crate::store::forms::FieldType::Date => "2029-01-05".into(),
                crate::store::forms::FieldType::Email => "x@example.org".into(),
                _ => "yes".into(),
            });
            (f.key.clone(), vec![v])
        })
        .collect();
    w.services
        .submit(&token, &filled, &Actor::Anonymous { ip: None })
        .unwrap_or_else(|_| panic!("the release form is accepted"));
    book(&w, visits, "2029-02-01");
    signs_in(&w, signs);
    // A sign-in from before profiles kept it: only its audit event says so.
    w.services
        .store
        .write(|tx| {
            audit::record(
                tx,
                w.clock.now(),
                &Actor::account(legacy, Role::Client, None),
                audit::Event::SignInSuccess,
                audit::AuditTarget::new().account(legacy),
                Outcome::Ok,
            )
        })
        .unwrap();
    book(&w, booked, "2045-06-01");

    // Seven years and two months after they were added: only the quiet client goes.
    years_later(&w, datetime!(2033-03-10 10:00 UTC));
    let report = purge(&w);
    assert_eq!(report.clients, 1);
    assert!(!exists(&w, quiet));
    for kept in [forms, visits, signs, legacy, booked] {
        assert!(exists(&w, kept), "contact without messages keeps a client");
    }
    // The review list shows the contact that counted; the booked client is not on it.
    years_later(&w, datetime!(2036-01-20 10:00 UTC));
    let review = w
        .services
        .retention_review(&w.owner, &RetentionConfig::default())
        .unwrap()
        .due;
    let of = |id| {
        review
            .iter()
            .find(|d| d.client == id)
            .map(|d| d.last_contact)
    };
    assert_eq!(of(forms), Some(datetime!(2029-01-05 10:00 UTC)));
    assert_eq!(of(signs), Some(datetime!(2029-01-05 10:00 UTC)));
    assert_eq!(of(legacy), Some(datetime!(2029-01-05 10:00 UTC)));
    assert_eq!(
        of(visits).map(|t| t.date()),
        Some(time::macros::date!(2029 - 02 - 01))
    );
    assert_eq!(of(booked), None);

    // Seven years after that contact, plus the grace, they go; the booked client stays
    // while the appointment is still to come.
    years_later(&w, datetime!(2036-03-10 10:00 UTC));
    assert_eq!(purge(&w).clients, 4);
    years_later(&w, datetime!(2045-05-01 10:00 UTC));
    assert_eq!(purge(&w).clients, 0);
    assert!(exists(&w, booked), "a booked client is never due");
}

#[test]
fn each_purge_re_reads_the_hold_contact_and_bookings_inside_its_own_transaction() {
    let w = world();
    let policy = RetentionConfig::default();
    let held = bare(&w, "Hal Held", "1980-01-01");
    let wrote = bare(&w, "Wren Wrote", "1980-01-01");
    let booked = bare(&w, "Bea Booked", "1980-01-01");
    let gone = bare(&w, "Gus Gone", "1980-01-01");
    years_later(&w, datetime!(2033-03-10 10:00 UTC));
    let now = w.clock.now();
    // The purge's first reading: all four are due.
    let snapshot = w.services.all_due(&policy).unwrap();
    assert!(snapshot.iter().all(|d| d.purgeable(now)));
    assert_eq!(snapshot.len(), 4);
    // Between that reading and each client's transaction, three things change.
    w.services.set_legal_hold(&w.owner, held, true).unwrap();
    w.services
        .start_thread(&w.owner, wrote, "Checking in", "Are you still there?", None)
        .unwrap();
    book(&w, booked, "2033-04-01");
    for id in [held, wrote, booked] {
        assert!(w
            .services
            .purge_one(&sys(), &policy, id, now)
            .unwrap()
            .is_none());
        assert!(exists(&w, id));
    }
    assert!(w
        .services
        .purge_one(&sys(), &policy, gone, now)
        .unwrap()
        .is_some());
    assert!(!exists(&w, gone));
}

#[test]
fn a_clock_years_ahead_purges_no_one_says_why_and_waits_for_the_owner() {
    let w = world();
    let a = bare(&w, "Ada Ahead", "1980-01-01");
    let b = bare(&w, "Ben Ahead", "1980-01-01");
    assert!(purge(&w).refused.is_none(), "a sane first run");
    // The clock jumps ten years, as the missed-run catch-up at start would find it.
    set(&w, datetime!(2036-01-06 03:30 UTC));
    let report = purge(&w);
    let reason = report.refused.expect("refused");
    assert!(reason.contains("moved forward") && reason.contains("Nothing was purged"));
    assert_eq!(report.clients, 0);
    assert!(exists(&w, a) && exists(&w, b));
    let status = w.services.job_statuses(&sys()).unwrap();
    let job = &status[crate::domain::retention::JOB_PURGE];
    assert!(!job.ok && job.summary.starts_with("the purge did not run"));
    let refused = events(&w, "retention.clock_refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].outcome, "denied");
    let review = w
        .services
        .retention_review(&w.owner, &RetentionConfig::default())
        .unwrap();
    assert!(review.refused.is_some_and(|r| r.reason == reason));
    // A day later it still refuses: a refused run is no new reference point.
    w.clock.advance(Duration::days(1));
    assert!(purge(&w).refused.is_some());
    assert!(exists(&w, a) && exists(&w, b));
    // The owner confirms the clock: the next run purges, and the notice is gone.
    w.services.confirm_purge_clock(&w.owner).unwrap();
    assert_eq!(events(&w, "retention.clock_confirmed").len(), 1);
    w.clock.advance(Duration::hours(1));
    let report = purge(&w);
    assert!(report.refused.is_none());
    assert_eq!(report.clients, 2);
    let review = w
        .services
        .retention_review(&w.owner, &RetentionConfig::default())
        .unwrap();
    assert!(review.refused.is_none());
}

#[test]
fn a_clock_behind_the_newest_record_refuses_beyond_a_few_minutes() {
    let w = world();
    let a = bare(&w, "Ada Behind", "1980-01-01");
    years_later(&w, datetime!(2033-03-10 10:00 UTC));
    // A record written two hours later, then the clock steps back an hour.
    w.clock.advance(Duration::hours(2));
    w.services.set_legal_hold(&w.owner, a, false).unwrap();
    w.clock.advance(Duration::hours(-1));
    let reason = purge(&w).refused.expect("refused");
    assert!(reason.contains("behind the newest record"));
    assert!(exists(&w, a));
    // A time-sync correction of a minute is not a broken clock.
    w.clock.advance(Duration::hours(1) - Duration::minutes(1));
    let report = purge(&w);
    assert!(report.refused.is_none());
    assert_eq!(report.clients, 1);
}

#[test]
fn a_jump_between_events_since_the_last_run_refuses_even_after_newer_events() {
    let w = world();
    let a = bare(&w, "Ada Gap", "1980-01-01");
    assert!(purge(&w).refused.is_none());
    // The clock jumps while the server runs; pages are read (events) for a day after.
    set(&w, datetime!(2034-01-05 10:00 UTC));
    w.services
        .retention_review(&w.owner, &RetentionConfig::default())
        .unwrap();
    w.clock.advance(Duration::days(1));
    let reason = purge(&w).refused.expect("refused");
    assert!(reason.contains("moved forward 2922 days"), "{reason}");
    assert!(exists(&w, a));
}

#[test]
fn a_step_the_check_accepts_cannot_purge_before_the_due_date() {
    let w = world();
    // Created 2026-01-05 10:00, no other contact: due 2033-01-05 10:00.
    let a = bare(&w, "Ada Step", "1980-01-01");
    years_later(&w, datetime!(2033-01-04 10:00 UTC));
    assert_eq!(purge(&w).clients, 0);
    // The largest step the check lets through, taken at once: still not purged.
    w.clock.advance(Duration::days(MAX_CLOCK_STEP_DAYS));
    let report = purge(&w);
    assert!(report.refused.is_none());
    assert_eq!(report.clients, 0);
    assert!(exists(&w, a), "not before due + grace");
    w.clock.advance(Duration::days(2));
    assert_eq!(purge(&w).clients, 1);
}

#[test]
fn a_client_without_a_date_of_birth_is_listed_for_review_and_never_purged() {
    let w = world();
    let unknown = bare(&w, "Una Known", "");
    let garbled = bare(&w, "Gia Garbled", "1990-01-01");
    w.services
        .store
        .write(|tx| {
            let mut p = accounts::profile_for_update(tx, garbled)?.unwrap();
            p.date_of_birth = "31/12/1990".into();
            accounts::put_profile(tx, garbled, &p)
        })
        .unwrap();
    years_later(&w, datetime!(2040-01-01 10:00 UTC));
    assert_eq!(purge(&w).clients, 0);
    assert!(exists(&w, unknown) && exists(&w, garbled));
    let review = w
        .services
        .retention_review(&w.owner, &RetentionConfig::default())
        .unwrap()
        .due;
    for id in [unknown, garbled] {
        let d = review.iter().find(|d| d.client == id).expect("listed");
        assert!(d.birth_unknown && !d.purgeable(w.clock.now()));
        assert!(d.rule.starts_with("date of birth unknown"));
    }
    // Once the owner enters it, the client follows the rule.
    w.services
        .store
        .write(|tx| {
            let mut p = accounts::profile_for_update(tx, unknown)?.unwrap();
            p.date_of_birth = "1970-05-05".into();
            accounts::put_profile(tx, unknown, &p)
        })
        .unwrap();
    assert_eq!(purge(&w).clients, 1);
    assert!(!exists(&w, unknown) && exists(&w, garbled));
}

#[test]
fn purging_an_intake_that_reused_an_address_leaves_that_address_to_its_account() {
    let w = world();
    let email = "avery.adult@example.org";
    let index = w.services.store.blind_index().email(email);
    let owner_of_address = bare(&w, "Avery Adult", "1980-01-01");
    w.services
        .set_legal_hold(&w.owner, owner_of_address, true)
        .unwrap();
    let token = w
        .services
        .create_link(&w.owner, builtin(&w, "intake"), None, false)
        .unwrap();
    let posted = answers(&[
        ("legal_name", "Someone Else"),
        ("email", email),
        ("date_of_birth", "1985-03-03"),
        ("emergency_contact", "A friend"),
        ("reason", "Reasons"),
        ("prior_therapy", "No"),
    ]);
    w.services
        .submit(&token, &posted, &Actor::Anonymous { ip: None })
        .unwrap_or_else(|_| panic!("the intake is accepted"));
    let indexed = |w: &World| {
        w.services
            .store
            .read(|tx| tx.get::<EmailEntry>(&index))
            .unwrap()
            .map(|e| e.account)
    };
    assert_eq!(indexed(&w), Some(owner_of_address));
    years_later(&w, datetime!(2034-01-01 10:00 UTC));
    assert_eq!(purge(&w).clients, 1, "the intake goes");
    assert_eq!(
        indexed(&w),
        Some(owner_of_address),
        "the other account keeps its address"
    );
    // The account's own purge removes its own entry.
    w.services
        .set_legal_hold(&w.owner, owner_of_address, false)
        .unwrap();
    assert_eq!(purge(&w).clients, 1);
    assert_eq!(indexed(&w), None);
}

#[test]
fn a_hold_placed_while_the_purge_runs_is_either_refused_or_kept() {
    let w = world();
    let clients: Vec<AccountId> = (0..16)
        .map(|i| bare(&w, &format!("Race Client {i}"), "1980-01-01"))
        .collect();
    years_later(&w, datetime!(2033-03-10 10:00 UTC));
    let (purger, holder) = (w.services.clone(), w.services.clone());
    let run = std::thread::spawn(move || {
        purger
            .run_purge(&sys(), &RetentionConfig::default())
            .unwrap()
    });
    let owner = w.owner.clone();
    let targets = clients.clone();
    let holds = std::thread::spawn(move || {
        targets
            .iter()
            .map(|id| holder.set_legal_hold(&owner, *id, true).is_ok())
            .collect::<Vec<bool>>()
    });
    let report = run.join().unwrap();
    let held = holds.join().unwrap();
    let mut purged = 0;
    for (id, hold_took) in clients.iter().zip(held) {
        if hold_took {
            assert!(exists(&w, *id), "a hold that took keeps its client");
        } else {
            assert!(
                !exists(&w, *id),
                "a hold refused only because the client was gone"
            );
        }
        purged += u64::from(!exists(&w, *id));
    }
    assert_eq!(report.clients, purged);
    assert_eq!(events(&w, "retention.purge").len() as u64, purged);
}

#[test]
fn two_purges_at_once_remove_each_client_once() {
    let w = world();
    for i in 0..8 {
        bare(&w, &format!("Twice Client {i}"), "1980-01-01");
    }
    years_later(&w, datetime!(2033-03-10 10:00 UTC));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let s = w.services.clone();
            std::thread::spawn(move || s.purge_due(&sys(), &RetentionConfig::default()).unwrap())
        })
        .collect();
    let total: u64 = runs.into_iter().map(|r| r.join().unwrap().clients).sum();
    assert_eq!(total, 8);
    assert_eq!(events(&w, "retention.purge").len(), 8);
}

#[path = "retention_purge_batch_tests.rs"]
mod batch;
