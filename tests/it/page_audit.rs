//! A page view leaves one audit event: the client page, for each practice role, records
//! one `client.view` naming the parts it showed — not one event per part.

use crate::browser_kit::{client_with_portal, set_up_owner};
use crate::kit::{alcove, Server};

/// The number of events in the audit chain, as `alcove audit verify` reports it.
fn events(data: &std::path::Path) -> usize {
    let out = alcove(data).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    text.split("Audit log intact: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in: {text}"))
}

#[test]
fn the_client_page_leaves_exactly_one_audit_event_naming_what_it_showed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let mut owner = set_up_owner(&server).visitor;
    let (id, _) = client_with_portal(&mut owner, &server, "Ada Quokka", "ada@example.org");

    // What a run of `audit verify` adds by itself.
    let a = events(&data);
    let b = events(&data);
    let own = b - a;

    let page = owner.get(&format!("/clients/{id}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Forms received"),
        "the owner sees the clinical parts"
    );
    let c = events(&data);
    assert_eq!(
        c - b - own,
        1,
        "one GET of the client page, one audit event"
    );

    let audit = owner.get("/audit").body;
    assert!(
        audit.contains(&format!(
            "client:{id} shown:profile,appointments,form-links,submissions,preferences"
        )),
        "{audit}"
    );

    // A page that fails its check leaves one refusal, not a partial page.
    let d = events(&data);
    assert_eq!(
        owner
            .get("/clients/0123456789abcdef0123456789abcdef")
            .status,
        404
    );
    assert_eq!(
        events(&data) - d - own,
        0,
        "nothing is read of a record that is not there"
    );
}

#[test]
fn the_practice_home_leaves_exactly_one_audit_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let mut owner = set_up_owner(&server).visitor;
    let a = events(&data);
    let b = events(&data);
    let own = b - a;
    let home = owner.get("/home");
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(
        home.body.contains("Posture"),
        "the owner's home shows the checks"
    );
    assert!(home.body.contains("Team and accounts"), "and the team");
    assert_eq!(
        events(&data) - b - own,
        1,
        "the account list the checks and the team section share is read once"
    );
}
