//! `alcove user …` and `alcove audit verify`, with the server running (admin socket) and
//! stopped (direct store access).

use crate::kit::alcove;
use crate::visitor::{location, sign_in, totp_next, Visitor, OWNER_EMAIL, OWNER_PASSWORD};
use crate::world::World;

fn run(data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = alcove(data).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn user_commands_work_through_the_running_server_and_are_audited() {
    let world = World::start();
    let (server, data) = (&world.server, &world.data);

    let socket = data.join("admin.sock");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let (ok, list, err) = run(data, &["user", "list"]);
    assert!(ok, "{err}");
    let line = list
        .lines()
        .find(|l| l.contains(OWNER_EMAIL))
        .expect("owner listed");
    assert!(
        line.contains("owner") && line.contains("active") && line.contains(" on "),
        "{line}"
    );

    let (ok, _, err) = run(data, &["user", "reset-mfa", "nobody@example.org"]);
    assert!(!ok);
    assert!(err.contains("No account has that email address"), "{err}");

    // A reset-password link lets the owner choose a new password.
    let (ok, text, err) = run(data, &["user", "reset-password", OWNER_EMAIL]);
    assert!(ok, "{err}");
    let link = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("https://"))
        .unwrap();
    let path = link.trim_start_matches(&server.origin).to_owned();
    let mut v = Visitor::new(server);
    let form = v.get(&path);
    assert!(
        form.body.contains("New password for Dana Reyes"),
        "{}",
        form.body
    );
    let r = v.post(
        &path,
        &form.body,
        &[
            ("password", "a brand new passphrase"),
            ("confirm", "a brand new passphrase"),
        ],
    );
    assert_eq!(r.status, 303);
    let mut w = Visitor::new(server);
    let r = sign_in(
        &mut w,
        OWNER_EMAIL,
        "a brand new passphrase",
        &totp_next(&world.owner_secret),
    );
    assert_eq!(location(&r), "/home", "{}", r.body);

    // reset-mfa: the next sign-in leads to setting up codes again.
    let (ok, _, err) = run(data, &["user", "reset-mfa", OWNER_EMAIL]);
    assert!(ok, "{err}");
    assert_eq!(w.get("/home").status, 303, "sessions ended");
    let mut x = Visitor::new(server);
    let page = x.get("/");
    let r = x.post(
        "/signin",
        &page.body,
        &[
            ("email", OWNER_EMAIL),
            ("password", "a brand new passphrase"),
        ],
    );
    assert_eq!(location(&r), "/mfa/setup");

    let (ok, text, err) = run(data, &["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(text.contains("Audit log intact"), "{text}");
    let _ = OWNER_PASSWORD;

    // Each command left an audit event naming the local administrator.
    server.halt();
    let store = alcove::datadir::open(data, None).unwrap();
    let mut by_admin = Vec::new();
    store
        .read(|tx| {
            alcove::store::audit::walk(tx, 0, |e| {
                if e.actor == "local-admin" {
                    by_admin.push(e.action.clone());
                }
                std::ops::ControlFlow::Continue(())
            })
        })
        .unwrap();
    let by_admin: Vec<&str> = by_admin.iter().map(String::as_str).collect();
    for action in ["password.reset_link", "mfa.reset", "audit.verify"] {
        assert!(by_admin.contains(&action), "{action} in {by_admin:?}");
    }
}

#[test]
fn commands_open_the_store_when_the_server_is_stopped_and_verify_catches_tampering() {
    let world = World::start();
    let (server, data) = (&world.server, &world.data);
    server.halt();
    assert!(
        !data.join("admin.sock").exists(),
        "the socket goes away with the server"
    );

    let (ok, list, err) = run(data, &["user", "list"]);
    assert!(ok, "{err}");
    assert!(list.contains(OWNER_EMAIL));
    let (ok, text, err) = run(data, &["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(text.contains("intact"));
    let (ok, _, err) = run(data, &["user", "disable", OWNER_EMAIL]);
    assert!(ok, "{err}");
    let (_, list, _) = run(data, &["user", "list"]);
    assert!(
        list.lines()
            .any(|l| l.contains(OWNER_EMAIL) && l.contains("disabled")),
        "{list}"
    );

    // Edit one stored event, as someone with the keys but not the chain would.
    {
        let store = alcove::datadir::open(data, None).unwrap();
        store
            .write(|tx| {
                let mut e: alcove::store::audit::AuditEvent =
                    tx.get(&alcove::store::audit::key(2))?.unwrap();
                e.outcome = "denied".into();
                alcove::store::audit::append(tx, &e)
            })
            .unwrap();
    }
    let (ok, _, err) = run(data, &["audit", "verify"]);
    assert!(!ok, "tampering must fail the check");
    assert!(err.contains("AUDIT LOG BROKEN at event 2"), "{err}");
}
