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
    let commits = w.services.store.commits();
    // Seven years on, past the six-year audit period: all of those go.
    years_later(&w, datetime!(2033-03-01 10:00 UTC));
    let kept_before = events(&w, "retention.clock_confirmed");
    let report = purge(&w);
    assert!(report.audit_events >= old as u64, "{report:?}");
    assert!(
        w.services.store.commits() - commits > 4,
        "one transaction per batch, not one for the whole log"
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
