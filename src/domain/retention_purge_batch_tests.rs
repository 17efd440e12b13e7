//! The purge in pieces: old audit events a batch to a transaction (the kept chain still
//! verifies), and the compaction after it only when the files purged were worth it.

use super::*;

#[test]
fn old_audit_events_go_a_batch_at_a_time_and_the_kept_chain_verifies() {
    use crate::domain::audit::{self as chain, AuditTarget, Event};
    let w = world();
    let start = w.clock.now();
    let batch = crate::domain::retention::purge::AUDIT_BATCH;
    let old = 2 * batch + 500;
    w.services
        .store
        .write(|tx| {
            for i in 0..old {
                chain::record(
                    tx,
                    start + time::Duration::seconds(i as i64),
                    &w.owner,
                    Event::from(Action::ViewAudit),
                    AuditTarget::practice(),
                    Outcome::Ok,
                )?;
            }
            Ok::<_, crate::store::StoreError>(())
        })
        .unwrap();
    // Seven years on, past the six-year audit period: all of those go.
    years_later(&w, datetime!(2033-03-01 10:00 UTC));
    let kept_before = events(&w, "retention.clock_confirmed");
    let commits = w.services.store.commits();
    let report = purge(&w);
    let with_batches = w.services.store.commits() - commits;
    assert!(report.audit_events >= old as u64, "{report:?}");
    // The same run with nothing old left takes one audit transaction: the first took one
    // per batch (three), so at least two more.
    let commits = w.services.store.commits();
    assert_eq!(purge(&w).audit_events, 0);
    let without = w.services.store.commits() - commits;
    assert!(
        with_batches >= without + (old / batch) as u64,
        "one transaction per batch, not one for the whole log ({with_batches} vs {without})"
    );
    assert!(matches!(
        chain::verify(&w.services.store).unwrap(),
        chain::ChainState::Intact { .. }
    ));
    assert_eq!(events(&w, "retention.clock_confirmed"), kept_before);
    assert!(events(&w, "audit.view").is_empty());
    let summary = events(&w, "retention.audit_purge");
    assert_eq!(summary.len(), 1);
    assert!(summary[0]
        .target
        .contains(&format!("events:{}", report.audit_events)));
}

#[test]
fn the_file_is_compacted_only_after_purging_files_a_quarter_of_its_size() {
    use crate::domain::retention::purge::worth_compacting;
    let report = |clients, file_bytes| PurgeReport {
        clients,
        file_bytes,
        ..PurgeReport::default()
    };
    assert!(worth_compacting(&report(1, 250), 1000));
    assert!(!worth_compacting(&report(1, 249), 1000));
    assert!(
        !worth_compacting(&report(40, 0), 1000),
        "messages alone: no"
    );
    assert!(!worth_compacting(&report(0, 0), 0), "nothing purged: no");
}

#[test]
fn a_log_that_is_all_old_keeps_its_newest_event_and_the_chain_goes_on_from_it() {
    use crate::domain::audit::{self as chain, AuditTarget, Event};
    let w = world();
    let start = w.clock.now();
    let record = |at| {
        w.services.store.write(|tx| {
            chain::record(
                tx,
                at,
                &w.owner,
                Event::from(Action::ViewAudit),
                AuditTarget::practice(),
                Outcome::Ok,
            )
        })
    };
    for i in 0..10 {
        record(start + time::Duration::seconds(i)).unwrap();
    }
    let newest = w
        .services
        .store
        .read(crate::store::audit::head)
        .unwrap()
        .unwrap();
    // Every event is old: the batches stop at the newest one.
    let mut removed = 0;
    loop {
        let (gone, done) = w
            .services
            .store
            .write(|tx| crate::store::audit::purge_oldest(tx, 4, |_| true))
            .unwrap();
        removed += gone;
        if done {
            break;
        }
    }
    assert_eq!(removed, newest.seq - 1);
    let head = w.services.store.read(crate::store::audit::head).unwrap();
    assert_eq!(head.map(|e| e.seq), Some(newest.seq), "the head stays");
    // The next event follows it, and the whole kept chain checks, the new event included.
    record(start + time::Duration::seconds(60)).unwrap();
    match chain::verify(&w.services.store).unwrap() {
        // (Counted by sequence number: the purged ones included.)
        chain::ChainState::Intact { events, .. } => assert_eq!(events, newest.seq + 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sign_ins_before_the_profile_kept_them_are_found_across_read_batches() {
    use crate::domain::audit::{self as chain, AuditTarget, Event};
    let w = world();
    let casey = bare(&w, "Casey", "1990-01-01");
    let start = w.clock.now();
    let signed_in = start + time::Duration::days(3);
    // More events than one read batch (4,096) before the sign-in, as an old store has.
    w.services
        .store
        .write(|tx| {
            for i in 0..4200 {
                chain::record(
                    tx,
                    start + time::Duration::seconds(i),
                    &w.owner,
                    Event::from(Action::ViewAudit),
                    AuditTarget::practice(),
                    Outcome::Ok,
                )?;
            }
            chain::record(
                tx,
                signed_in,
                &w.owner,
                Event::SignInSuccess,
                AuditTarget::new().account(casey),
                Outcome::Ok,
            )
        })
        .unwrap();
    let last_sign_in = || {
        w.services
            .store
            .read(|tx| crate::store::accounts::profile(tx, casey))
            .unwrap()
            .unwrap()
            .last_sign_in
    };
    assert_eq!(last_sign_in(), None);
    w.services.backfill_sign_ins().unwrap();
    assert_eq!(last_sign_in(), Some(signed_in));
}
