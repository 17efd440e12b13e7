//! Sessions with an injected clock: the idle and absolute limits, last use held in
//! memory and written at most once a minute, and the writes that must not happen.

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::domain::testing::services_at;
use crate::domain::SessionTimeouts;

use crate::policy::AccountId;

use time::Duration;

fn world(role: Role) -> (tempfile::TempDir, Services, ManualClock, Account) {
    let (dir, services, clock) = services_at(OffsetDateTime::now_utc());
    let account = Account {
        id: AccountId::generate(),
        role,
        name: "n".into(),
        email: "e@example.org".into(),
        status: AccountStatus::Active,
        password_hash: None,
        totp: None,
        recovery_codes: vec![],
        failed_logins: vec![],
        created_at: clock.now(),
        email_confirmed_at: None,
        email_alerts: true,
    };
    services
        .store
        .write(|tx| accounts::put(tx, &account))
        .unwrap();
    (dir, services, clock, account)
}

fn start(services: &Services, account: &Account) -> SessionToken {
    let now = services.now();
    services
        .store
        .write(|tx| services.start_session(tx, account, SessionStage::Full, now, true))
        .unwrap()
}

#[test]
fn practice_session_ends_after_15_idle_minutes() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    clock.advance(Duration::minutes(14));
    assert!(matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::Valid { .. }
    ));
    clock.advance(Duration::minutes(14));
    assert!(
        matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ),
        "use resets the idle clock"
    );
    clock.advance(Duration::minutes(15) + Duration::seconds(1));
    assert!(matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::TimedOut
    ));
    assert!(
        matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Invalid
        ),
        "gone for good"
    );
}

#[test]
fn client_session_idles_30_minutes_and_no_session_outlives_12_hours() {
    let (_d, services, clock, account) = world(Role::Client);
    let token = start(&services, &account);
    clock.advance(Duration::minutes(29));
    assert!(matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::Valid { .. }
    ));
    for _ in 0..25 {
        clock.advance(Duration::minutes(29));
        if !matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ) {
            break;
        }
    }
    assert!(clock.now() - account.created_at <= Duration::hours(12) + Duration::minutes(30));
    assert!(!matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::Valid { .. }
    ));
}

#[test]
fn session_of_a_disabled_account_is_refused() {
    let (_d, services, _clock, mut account) = world(Role::Staff);
    let token = start(&services, &account);
    account.status = AccountStatus::Disabled;
    services
        .store
        .write(|tx| accounts::put(tx, &account))
        .unwrap();
    assert!(matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::Invalid
    ));
}

#[test]
fn reauthentication_counts_for_five_minutes() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    let Resolved::Valid { session, .. } = services.resolve_session(&token.0).unwrap() else {
        panic!("valid")
    };
    assert!(services.recently_reauthenticated(&session));
    clock.advance(Duration::minutes(5) + Duration::seconds(1));
    assert!(!services.recently_reauthenticated(&session));
}

fn stored_last_seen(services: &Services, token: &SessionToken) -> Option<OffsetDateTime> {
    let index = services.session_index(&token.0);
    services
        .store
        .read(|tx| tx.get::<Session>(&index))
        .unwrap()
        .map(|s| s.last_seen)
}

#[test]
fn using_a_session_writes_at_most_once_a_minute_and_unknown_tokens_never() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    let started = clock.now();
    let commits = services.store.commits();
    for _ in 0..20 {
        clock.advance(Duration::seconds(2));
        assert!(matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ));
    }
    assert_eq!(services.store.commits(), commits, "40 s of use: no write");
    assert_eq!(stored_last_seen(&services, &token), Some(started));
    clock.advance(Duration::seconds(21));
    services.resolve_session(&token.0).unwrap();
    assert_eq!(
        services.store.commits(),
        commits + 1,
        "a minute on: one write"
    );
    assert_eq!(stored_last_seen(&services, &token), Some(clock.now()));
    let before = services.store.commits();
    for bogus in ["x".repeat(43), "short".into(), String::new()] {
        assert!(matches!(
            services.resolve_session(&bogus).unwrap(),
            Resolved::Invalid
        ));
    }
    assert_eq!(
        services.store.commits(),
        before,
        "unknown tokens write nothing"
    );
}

#[test]
fn idle_time_counts_from_the_last_use_held_in_memory() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    // Used every 50 s for 20 minutes: never idle, though most uses are not stored.
    for _ in 0..24 {
        clock.advance(Duration::seconds(50));
        assert!(matches!(
            services.resolve_session(&token.0).unwrap(),
            Resolved::Valid { .. }
        ));
    }
    let last_use = clock.now();
    assert!(stored_last_seen(&services, &token).unwrap() >= last_use - PERSIST_EVERY);
    clock.advance(Duration::minutes(15) + Duration::seconds(1));
    assert!(matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::TimedOut
    ));
    assert_eq!(stored_last_seen(&services, &token), None, "removed");
}

#[test]
fn after_a_restart_an_idle_timeout_comes_early_never_late() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    clock.advance(Duration::seconds(59));
    services.resolve_session(&token.0).unwrap();
    // A new process on the same store knows only the stored use (the sign-in).
    let restarted = Services::new(
        services.store.clone(),
        std::sync::Arc::new(clock.clone()),
        SessionTimeouts::default(),
    );
    clock.advance(Duration::minutes(14) + Duration::seconds(30));
    assert!(
        matches!(
            restarted.resolve_session(&token.0).unwrap(),
            Resolved::TimedOut
        ),
        "14:30 after the last use but 15:29 after the stored one: ended (early, by < 1 min)"
    );
}

#[test]
fn writing_last_use_never_brings_back_a_signed_out_session() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    let index = services.session_index(&token.0);
    services.resolve_session(&token.0).unwrap();
    let actor = Actor::account(account.id, account.role, None);
    services.sign_out(&actor, &token.0).unwrap();
    // The write of a request that resolved before the sign-out lands after it.
    clock.advance(Duration::minutes(2));
    services.persist_last_seen(&index, clock.now()).unwrap();
    assert_eq!(stored_last_seen(&services, &token), None);
    assert!(matches!(
        services.resolve_session(&token.0).unwrap(),
        Resolved::Invalid
    ));
}

#[test]
fn a_timed_out_session_is_recorded_once_however_many_requests_find_it() {
    let (_d, services, clock, account) = world(Role::Owner);
    let token = start(&services, &account);
    clock.advance(Duration::minutes(16));
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| services.resolve_session(&token.0).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(outcomes
        .iter()
        .all(|r| matches!(r, Resolved::TimedOut | Resolved::Invalid)));
    let timeouts = services
        .store
        .read(crate::store::audit::all)
        .unwrap()
        .into_iter()
        .filter(|(_, e)| e.action == Event::SessionIdleTimeout.name())
        .count();
    assert_eq!(timeouts, 1);
}
