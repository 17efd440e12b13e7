//! An acknowledged write survives `kill -9`: replies are posted from several connections
//! at once, the server is killed with SIGKILL at a random moment, and after a restart on
//! the same data directory every reply that got its 303 is in the store, and the audit
//! chain is intact. Bounded: 8 cycles, each killed within half a second of its first
//! acknowledged reply.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::kit::{alcove, Server};
use crate::visitor::{form_token, Visitor};
use crate::world::{start_thread, World};

const CYCLES: u32 = 8;
const POSTERS: usize = 4;

/// A small seeded generator: the seed is printed, so a failing run can be replayed with
/// `ALCOVE_CRASH_SEED`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn seed() -> u64 {
    std::env::var("ALCOVE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64 | 1)
        })
}

/// Posts replies to `thread` until the server goes away; returns the acknowledged ones.
fn post_until_killed(
    mut v: Visitor<'_>,
    token: &str,
    thread: &str,
    tag: &str,
    acks: &AtomicUsize,
) -> Vec<String> {
    let mut acknowledged = Vec::new();
    let started = Instant::now();
    for i in 0.. {
        let body = format!("{tag}-{i}");
        match v.try_post_raw(thread, &[("csrf", token), ("body", &body)]) {
            Some(r) if r.status == 303 => {
                acknowledged.push(body);
                acks.fetch_add(1, Ordering::SeqCst);
            }
            Some(r) if r.status >= 500 => break,
            Some(r) => panic!("reply refused with {}: {}", r.status, r.body),
            None => break,
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never killed");
    }
    acknowledged
}

#[test]
fn every_acknowledged_reply_survives_kill_9() {
    let seed = seed();
    eprintln!("crash test seed: {seed} (ALCOVE_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let mut world = World::builder()
        .client("Ana Crash", "ana.crash@example.org")
        .start();
    let data = world.data.clone();
    let client = world.client_id("Ana Crash");
    let cookies = world.owner().cookies.clone();
    let mut expected: Vec<(String, Vec<String>)> = Vec::new();

    for cycle in 0..CYCLES {
        let thread = {
            let mut owner = Visitor::new(&world.server);
            owner.cookies = cookies.clone();
            start_thread(&mut owner, &client, &format!("Cycle {cycle}"), "start")
        };
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        // Killed at a random moment once the first reply is acknowledged, however slow the
        // machine: the moment falls among the writes, never before them.
        let kill_after = Duration::from_millis(rng.below(500));
        let acks = AtomicUsize::new(0);
        // Each poster's connection and form token first, so that all are posting when
        // the kill comes.
        let posters: Vec<(Visitor<'_>, String)> = (0..POSTERS)
            .map(|_| {
                let mut v = Visitor::new(&world.server);
                v.cookies = cookies.clone();
                let page = v.get(&thread);
                let token = form_token(&page.body).expect("the conversation has a reply form");
                (v, token)
            })
            .collect();
        std::thread::scope(|scope| {
            for (p, (v, token)) in posters.into_iter().enumerate() {
                let (thread, acknowledged, acks) = (&thread, &acknowledged, &acks);
                scope.spawn(move || {
                    let tag = format!("c{cycle}p{p}");
                    let got = post_until_killed(v, &token, thread, &tag, acks);
                    acknowledged.lock().unwrap().extend(got);
                });
            }
            let waiting = Instant::now();
            while acks.load(Ordering::SeqCst) == 0 {
                assert!(
                    waiting.elapsed() < Duration::from_secs(30),
                    "cycle {cycle}: no reply acknowledged in 30 s"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(kill_after);
            world.server.kill_hard();
        });
        let acknowledged = Arc::try_unwrap(acknowledged).unwrap().into_inner().unwrap();
        expected.push((thread, acknowledged));
        world.server = Server::start(&data, &[]);
    }
    world.server.halt();

    let store = alcove::datadir::open(&data, None).expect("the store opens after the kills");
    for (thread, acknowledged) in &expected {
        let id = alcove::ids::ThreadId::parse(thread.trim_start_matches("/messages/"))
            .expect("a thread path");
        let stored: BTreeSet<String> = store
            .read(|tx| {
                let t = alcove::store::messages::get_thread(tx, id)?.expect("the thread");
                alcove::store::messages::messages(tx, id, 1, t.count)
            })
            .unwrap()
            .into_iter()
            .map(|m| m.body)
            .collect();
        let lost: Vec<&String> = acknowledged
            .iter()
            .filter(|b| !stored.contains(*b))
            .collect();
        assert!(
            lost.is_empty(),
            "acknowledged but lost after kill -9 (seed {seed}): {lost:?}"
        );
    }
    drop(store);
    let out = alcove(&data).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("intact"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let total: usize = expected.iter().map(|(_, a)| a.len()).sum();
    eprintln!("{CYCLES} kills, {total} acknowledged replies, none lost");
}
