//! Guessing against the real binary: concurrent wrong passwords, what a lockout reveals,
//! one network's failures, and the sealed portal's unlock page.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::kit::{init_data_dir, require_tool, Server};
use crate::visitor::{Visitor, OWNER_EMAIL, OWNER_PASSWORD};
use crate::world::World;

/// A page with its per-request parts (form token, times) taken out, for comparing.
fn normalized(body: &str) -> String {
    let mut out = String::new();
    for part in body.split("value=\"") {
        if out.is_empty() {
            out.push_str(part);
        } else {
            out.push_str("value=\"");
            out.push_str(part.split_once('"').map_or(part, |(_, rest)| rest));
        }
    }
    match out.find("paused until ") {
        Some(at) => {
            let end = at + out[at..].find(" UTC").unwrap_or(0);
            format!("{}{}", &out[..at], &out[end..])
        }
        None => out,
    }
}

fn attempt(server: &Server, email: &str, password: &str) -> (u16, String) {
    let mut v = Visitor::new(server);
    let page = v.get("/");
    let r = v.post(
        "/signin",
        &page.body,
        &[("email", email), ("password", password)],
    );
    (r.status, r.body)
}

#[test]
fn concurrent_wrong_passwords_check_at_most_ten_guesses() {
    let world = World::start();
    let server = &world.server;
    // Each attacker has its own pre-session cookie and form token, as a browser would.
    let mut attackers: Vec<(Visitor<'_>, String)> = (0..200)
        .map(|_| {
            let mut v = Visitor::new(server);
            let page = v.get("/").body;
            (v, page)
        })
        .collect();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = attackers
            .iter_mut()
            .enumerate()
            .map(|(i, (v, page))| {
                scope.spawn(move || {
                    let guess = format!("wrong guess number {i}");
                    v.on_new_connection()
                        .post(
                            "/signin",
                            page,
                            &[("email", OWNER_EMAIL), ("password", &guess)],
                        )
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        checked, 10,
        "exactly ten guesses were checked: {statuses:?}"
    );
    assert_eq!(refused, 190, "{statuses:?}");
    let (status, body) = attempt(server, OWNER_EMAIL, OWNER_PASSWORD);
    assert_eq!(status, 429, "even the right password waits out the hour");
    assert!(body.contains("paused until"), "{body}");
}

#[test]
fn a_lockout_looks_the_same_for_a_known_and_an_unknown_address() {
    let world = World::start();
    let server = &world.server;
    let unknown = "nobody-here@riverside.example";
    let mut last = Vec::new();
    for email in [OWNER_EMAIL, unknown] {
        for _ in 0..10 {
            assert_eq!(attempt(server, email, "not the password at all").0, 401);
        }
        let (status, body) = attempt(server, email, "not the password at all");
        last.push((status, normalized(&body.replace(email, "EMAIL"))));
    }
    assert_eq!(last[0].0, 429);
    assert_eq!(last[0], last[1], "same status and page for both");
    // Neither locked answer checks a password, so neither takes a hash's time: both are
    // refused before the hashing queue (see domain/throttle.rs).
}

#[test]
fn a_hundred_failures_from_one_network_do_not_lock_the_owner_out() {
    let world = World::start();
    let server = &world.server;
    // 110 failures from this address, spread over many addresses typed (none locked).
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for i in 0..28 {
                    let email = format!("person{t}-{i}@elsewhere.example");
                    assert_eq!(attempt(server, &email, "a wrong password here").0, 401);
                }
            });
        }
    });
    // Slowed, not refused: the owner's right password still signs in.
    let mut v = Visitor::new(server);
    let started = Instant::now();
    let r = crate::visitor::sign_in(
        &mut v,
        OWNER_EMAIL,
        OWNER_PASSWORD,
        &crate::visitor::totp_next(&world.owner_secret),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(v.get("/home").status, 200);
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Posts a passphrase to `/unlock` from the loopback address `from` (127.0.0.x), with curl
/// so the source address can be chosen. Returns the status.
fn unlock_from(server: &Server, cert: &std::path::Path, from: &str, passphrase: &str) -> u16 {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--interface",
            from,
        ])
        .arg("--cacert")
        .arg(cert)
        .args(["-H", &format!("Origin: {}", server.origin)])
        .args(["--data-urlencode", &format!("passphrase={passphrase}")])
        .arg(server.url("/unlock"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn a_stream_of_wrong_unlock_guesses_gets_few_checks_and_never_refuses_the_owner() {
    if !require_tool("curl") {
        return;
    }
    const PASS: &str = "violet harbour seventeen lanterns";
    let dir = tempfile::tempdir().unwrap();
    let data = init_data_dir(dir.path(), Some(PASS)).data;
    let server = Server::start(&data, &[]);
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, server.cert_pem()).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (checked, owner_status) = std::thread::scope(|scope| {
        let attackers: Vec<_> = (0..3)
            .map(|_| {
                let (server, cert, stop) = (&server, &cert, &stop);
                scope.spawn(move || {
                    let mut statuses = Vec::new();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        statuses.push(unlock_from(server, cert, "127.0.0.2", "a wrong guess"));
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    statuses
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(4));
        let owner = unlock_from(&server, &cert, "127.0.0.1", PASS);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let all: Vec<u16> = attackers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        (all.iter().filter(|s| **s == 403).count(), owner)
    });
    assert_eq!(
        owner_status, 200,
        "the owner's passphrase is checked, not refused"
    );
    assert!(
        (1..=5).contains(&checked),
        "about four seconds of guessing got {checked} passphrase checks"
    );
    assert_eq!(server.get("/healthz").body, "ok");
}

#[test]
fn init_refuses_a_weak_passphrase_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::kit::passphrase_file(dir.path(), "weak.txt", "x\n");
    let data = dir.path().join("data");
    let out = crate::kit::alcove(&data)
        .arg("init")
        .arg("--passphrase-file")
        .arg(&file)
        .arg("--recovery-out")
        .arg(dir.path().join("recovery.txt"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("too weak"), "{err}");
    assert!(err.contains("12 characters"), "{err}");
    assert!(!data.join("keyring.age").exists(), "nothing is created");
    assert!(!dir.path().join("recovery.txt").exists());
}
