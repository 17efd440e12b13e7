//! P7: pages at a group practice's size. Builds a store directly (not over HTTP) with
//! 10,000 clients, 1,000,000 messages in 50,000 conversations and 5,000,000 audit events,
//! then times the owner's inbox (first page), a conversation, a client's chart, a client's
//! durable reply (with its alerts to the practice) and the audit log filtered by one
//! client, each through the services as a page calls them (including its durable
//! read-audit event): p50 and p99 of 200 calls, target p99 < 20 ms. The baseline of the
//! same run is the same five on a store of 1/100 the size: one that read the whole store
//! would be 100 times slower there.
//!
//! Then the nightly purge on the big store, where a tenth of the clients (with their
//! 100,000 messages) and the oldest 100,000 audit events are past their retention: a writer
//! appends an audit event every millisecond meanwhile, and the longest it waited is the
//! figure (target ≤ 100 ms). The compaction the scheduled job runs after a purge holds
//! every transaction while it rewrites the file; it is timed on its own.
//!
//! `cargo bench --bench big_store` (SCALE=0.1 for a tenth of the store; BENCH_DIR for
//! where the temporary store goes: it takes about 3 GB at full size).

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The generated store's records are dated from the real clock, as a practice's would be.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use alcove::clock::SystemClock;
use alcove::config::RetentionConfig;
use alcove::crypto::{Keyring, Sealer};
use alcove::domain::audit::{record, AuditFilter, AuditTarget, Outcome};
use alcove::domain::inbox::InboxQuery;
use alcove::domain::retention::PurgeReport;
use alcove::domain::{Services, SessionTimeouts};
use alcove::ids::{AccountId, ThreadId};
use alcove::policy::{Action, Actor, Role};
use alcove::store::accounts::{self, Account, AccountStatus, ClientProfile};
use alcove::store::messages::{self, Message, MessageKind, Thread};
use alcove::store::Store;
use time::OffsetDateTime;

const MESSAGES_PER_THREAD: u64 = 20;
const THREADS_PER_CLIENT: usize = 5;
const BATCH: usize = 20_000;

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    services: Services,
    owner: Actor,
    clients: Vec<AccountId>,
    threads: Vec<ThreadId>,
    /// The first client past retention's reach (the ones before are the purge's).
    live: usize,
}

fn account(id: AccountId, role: Role, name: &str, now: OffsetDateTime) -> Account {
    Account {
        id,
        role,
        name: name.to_owned(),
        email: format!("{id}@example.org"),
        status: AccountStatus::Active,
        password_hash: None,
        totp: None,
        recovery_codes: Vec::new(),
        failed_logins: Vec::new(),
        created_at: now,
        email_confirmed_at: None,
        email_alerts: false,
    }
}

/// A store of `clients` clients (the first `expired` of them last seen nine years ago) and
/// `audit_events` events (the first `old_events` of them nine years old).
fn build(clients: usize, expired: usize, audit_events: usize, old_events: usize) -> World {
    let dir = match std::env::var_os("BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let store = Store::create(
        &dir.path().join("alcove.redb"),
        Sealer::new(Keyring::generate()),
    )
    .unwrap();
    let started = Instant::now();
    let now = OffsetDateTime::now_utc() - time::Duration::days(30);
    let long_ago = now - time::Duration::days(9 * 365);
    let when = |old: bool| if old { long_ago } else { now };
    let owner_id = AccountId::generate();
    store
        .write(|tx| accounts::put(tx, &account(owner_id, Role::Owner, "Dana Reyes", now)))
        .unwrap();
    let owner = Actor::account(owner_id, Role::Owner, None);
    let ids: Vec<AccountId> = (0..clients).map(|_| AccountId::generate()).collect();
    let gone: std::collections::HashSet<AccountId> = ids[..expired].iter().copied().collect();
    for part in ids.chunks(BATCH / 4) {
        store
            .write(|tx| {
                for id in part {
                    let at = when(gone.contains(id));
                    accounts::put(tx, &account(*id, Role::Client, "Client", at))?;
                    let profile = ClientProfile {
                        legal_name: format!("Client {id}"),
                        date_of_birth: "1970-01-01".into(),
                        ..ClientProfile::default()
                    };
                    accounts::put_profile(tx, *id, &profile)?;
                }
                Ok::<_, alcove::store::StoreError>(())
            })
            .unwrap();
    }
    let mut threads = Vec::new();
    let body = "A message of a few sentences, as a client would write one. ".repeat(4);
    let per_batch = BATCH / MESSAGES_PER_THREAD as usize;
    let plan: Vec<(AccountId, usize)> = ids
        .iter()
        .flat_map(|c| (0..THREADS_PER_CLIENT).map(move |i| (*c, i)))
        .collect();
    for (b, part) in plan.chunks(per_batch).enumerate() {
        let made = store
            .write(|tx| {
                let mut made = Vec::new();
                for (i, (client, n)) in part.iter().enumerate() {
                    let at = when(gone.contains(client))
                        + time::Duration::seconds((b * per_batch + i) as i64);
                    let id = ThreadId::generate();
                    for number in 1..=MESSAGES_PER_THREAD {
                        let from_client = number % 2 == 1;
                        messages::put_message(
                            tx,
                            id,
                            &Message {
                                number,
                                kind: MessageKind::Message,
                                author: if from_client { *client } else { owner_id },
                                author_name: String::new(),
                                from_client,
                                automatic: false,
                                body: body.clone(),
                                sent_at: at,
                                attachments: Vec::new(),
                            },
                        )?;
                    }
                    // Every fifth conversation has the client's last message unread.
                    let read = if n % 5 == 0 {
                        MESSAGES_PER_THREAD - 2
                    } else {
                        MESSAGES_PER_THREAD
                    };
                    messages::put_thread(
                        tx,
                        &Thread {
                            id,
                            client: *client,
                            subject: format!("Conversation {n}"),
                            closed: false,
                            created_at: at,
                            last_message_at: at,
                            count: MESSAGES_PER_THREAD,
                            client_read: MESSAGES_PER_THREAD,
                            client_read_at: None,
                            practice_read: read,
                            practice_read_at: None,
                            last_auto_reply_at: None,
                            last_from_client: MESSAGES_PER_THREAD - 1,
                            last_to_client: MESSAGES_PER_THREAD,
                            client_sent: MESSAGES_PER_THREAD / 2,
                            client_sent_read: MESSAGES_PER_THREAD / 2 - u64::from(n % 5 == 0),
                            practice_sent: MESSAGES_PER_THREAD / 2,
                            practice_sent_read: MESSAGES_PER_THREAD / 2,
                        },
                    )?;
                    made.push(id);
                }
                Ok::<_, alcove::store::StoreError>(made)
            })
            .unwrap();
        threads.extend(made);
    }
    let mut written = 0;
    while written < audit_events {
        let n = BATCH.min(audit_events - written);
        store
            .write(|tx| {
                for i in 0..n {
                    let k = written + i;
                    let client = ids[k % ids.len()];
                    let thread = threads[k % threads.len()];
                    record(
                        tx,
                        when(k < old_events) + time::Duration::milliseconds(k as i64),
                        &owner,
                        Action::ReadThread,
                        AuditTarget::new().client(client).thread(thread),
                        Outcome::Ok,
                    )?;
                }
                Ok::<_, alcove::store::StoreError>(())
            })
            .unwrap();
        written += n;
    }
    println!(
        "built {clients} clients, {} conversations ({} messages), {audit_events} audit events in {:.0} s",
        threads.len(),
        threads.len() as u64 * MESSAGES_PER_THREAD,
        started.elapsed().as_secs_f64()
    );
    let services = Services::new(
        store.clone(),
        Arc::new(SystemClock),
        SessionTimeouts::default(),
    );
    World {
        _dir: dir,
        store: store.clone(),
        services,
        owner,
        clients: ids,
        threads,
        live: expired,
    }
}

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
    )
}

/// p50 and p99 (ms) of each page over 200 calls, picking clients and conversations in turn.
fn pages(w: &World) -> Vec<(&'static str, (f64, f64))> {
    let runs = 200;
    let mut out = Vec::new();
    let time = |f: &dyn Fn(usize)| {
        let times: Vec<Duration> = (0..runs)
            .map(|i| {
                let t = Instant::now();
                f(i);
                t.elapsed()
            })
            .collect();
        percentiles(times)
    };
    let pick = |i: usize, n: usize| (i * 7919) % n;
    out.push((
        "inbox, first page",
        time(&|_| {
            let page = w.services.inbox(&w.owner, &InboxQuery::default()).unwrap();
            assert_eq!(page.threads.len(), 50);
        }),
    ));
    out.push((
        "a conversation",
        time(&|i| {
            let id = w.threads[pick(i, w.threads.len())];
            w.services.thread_page(&w.owner, id, None).unwrap();
        }),
    ));
    out.push((
        "a client's chart",
        time(&|i| {
            let id = w.clients[pick(i, w.clients.len())];
            w.services.client_chart(&w.owner, id).unwrap();
        }),
    ));
    out.push((
        "a client's reply",
        time(&|i| {
            // A client whose contact keeps them: the purge's clients stay untouched.
            let client = w.live + pick(i, w.clients.len() - w.live);
            let thread = w.threads[client * THREADS_PER_CLIENT + i % THREADS_PER_CLIENT];
            let actor = Actor::account(w.clients[client], Role::Client, None);
            w.services
                .write_message(
                    &actor,
                    thread,
                    "Thank you, see you then.",
                    MessageKind::Message,
                    None,
                )
                .unwrap();
        }),
    ));
    out.push((
        "audit log, one client",
        time(&|i| {
            let filter = AuditFilter {
                client: Some(w.clients[pick(i, w.clients.len())]),
                account: None,
            };
            let page = w.services.audit_page(&w.owner, filter, None).unwrap();
            assert!(!page.events.is_empty());
        }),
    ));
    out
}

/// Runs the purge while a writer appends an audit event every millisecond; returns the
/// purge's report and time, and the writer's waits (longest first).
fn purge_hold(w: &World) -> (PurgeReport, Duration, Vec<(Duration, Duration)>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    w.services.confirm_purge_clock(&w.owner).unwrap();
    let done = AtomicBool::new(false);
    let client = *w.clients.last().unwrap();
    let begun = Instant::now();
    std::thread::scope(|s| {
        let (done, begun) = (&done, &begun);
        let writer = s.spawn(move || {
            let mut waits = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                w.store
                    .write(|tx| {
                        record(
                            tx,
                            OffsetDateTime::now_utc(),
                            &w.owner,
                            Action::ReadThread,
                            AuditTarget::new().client(client),
                            Outcome::Ok,
                        )
                    })
                    .unwrap();
                waits.push((t.elapsed(), t - *begun));
                std::thread::sleep(Duration::from_millis(1));
            }
            waits
        });
        let report = w
            .services
            .purge_due(&Actor::System("retention"), &RetentionConfig::default())
            .unwrap();
        let took = begun.elapsed();
        done.store(true, Ordering::Relaxed);
        let mut waits = writer.join().unwrap();
        waits.sort_by(|a, b| b.cmp(a));
        (report, took, waits)
    })
}

fn main() {
    let scale: f64 = std::env::var("SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let size = |n: f64| ((n * scale) as usize).max(100);
    let small = build(size(100.0), 0, size(50_000.0), 0);
    let base = pages(&small);
    drop(small);
    let big = build(
        size(10_000.0),
        size(1_000.0),
        size(5_000_000.0),
        size(100_000.0),
    );
    let ours = pages(&big);
    println!(
        "{:<24} {:>22} {:>22} {:>8}",
        "page", "store / 100 p50 p99", "full store p50 p99", "p99 x"
    );
    for ((name, (bp50, bp99)), (_, (p50, p99))) in base.iter().zip(&ours) {
        println!(
            "{name:<24} {bp50:>9.2} {bp99:>9.2} ms {p50:>9.2} {p99:>9.2} ms {:>7.2}{}",
            p99 / bp99,
            if *p99 < 20.0 { "" } else { "  (over 20 ms)" }
        );
    }
    let (report, took, waits) = purge_hold(&big);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let longest: Vec<String> = waits
        .iter()
        .take(3)
        .map(|(wait, at)| format!("{:.1} ms at {:.2} s", ms(*wait), at.as_secs_f64()))
        .collect();
    println!(
        "purge: {} clients ({} messages), {} audit events in {:.1} s; the writer's longest waits over {} writes: {}{}",
        report.clients,
        report.messages,
        report.audit_events,
        took.as_secs_f64(),
        waits.len(),
        longest.join(", "),
        if waits.first().is_some_and(|(d, _)| ms(*d) > 100.0) { "  (over 100 ms)" } else { "" }
    );
    let t = Instant::now();
    big.store.compact().unwrap();
    println!(
        "compaction after it (holds every transaction): {:.1} s",
        t.elapsed().as_secs_f64()
    );
}
