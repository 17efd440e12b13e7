//! Services decide what a page shows, and a page view leaves one audit event: the client
//! page records one `client.view` naming the parts it showed — not one event per part —
//! the practice home and the inbox one each. The navigation is the services' menu, and
//! the web layer asks the policy nothing itself (a check over `src/web`).

use std::path::Path;

use crate::kit::{alcove, Server};
use crate::visitor::{client_with_portal, join_by_invite, set_up_owner, team_member};
use crate::world::start_thread;

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

#[test]
fn the_inbox_leaves_exactly_one_audit_event_for_the_practice_and_for_a_client() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let mut owner = set_up_owner(&server).visitor;
    let (id, mut client) = client_with_portal(&mut owner, &server, "Ada Quokka", "ada@example.org");
    start_thread(&mut owner, &id, "Scheduling", "Shall we meet Monday?");
    start_thread(&mut owner, &id, "Forms", "Please fill this in.");
    let a = events(&data);
    let b = events(&data);
    let own = b - a;

    let inbox = owner.get("/messages");
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    assert!(inbox.body.contains("Scheduling") && inbox.body.contains("Ada Quokka"));
    let c = events(&data);
    assert_eq!(
        c - b - own,
        1,
        "one GET of the practice's inbox, one audit event"
    );

    let theirs = client.get("/messages");
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(theirs.body.contains("Scheduling") && theirs.body.contains("Forms"));
    assert!(
        theirs.body.contains("1 new"),
        "each has the practice's message unread"
    );
    assert!(
        !theirs.body.contains("<th scope=\"col\">Client</th>")
            && inbox.body.contains("<th scope=\"col\">Client</th>"),
        "only the practice sees whom a conversation is with"
    );
    assert_eq!(
        events(&data) - c - own,
        1,
        "one GET of a client's own inbox, one audit event"
    );
}

/// The links of a page's navigation bar.
fn nav_links(page: &str) -> Vec<String> {
    let start = page.find("class=\"app-nav\"").expect("a navigation bar");
    let nav = &page[start..start + page[start..].find("</nav>").unwrap()];
    nav.split("href=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_staff_account_s_menu_has_no_clinical_links() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut owner = set_up_owner(&server).visitor;
    let invite = team_member(&mut owner, "Sam Staff", "sam@example.org", "staff");
    let (mut staff, _) = join_by_invite(&server, &invite, "staff password long");

    let home = staff.get("/home");
    assert_eq!(home.status, 200, "{}", home.body);
    assert_eq!(
        nav_links(&home.body),
        ["/home", "/clients", "/settings/email"]
    );
    // The owner's menu has each link the staff member's lacks, so the bar is the same one.
    let owners = nav_links(&owner.get("/home").body);
    for clinical in ["/messages", "/forms", "/team", "/audit"] {
        assert!(owners.iter().any(|l| l == clinical), "{owners:?}");
    }
}

/// What in a line of `src/web` asks the policy or looks at a role, if anything.
fn decides(line: &str) -> Option<&'static str> {
    let code = line.split("//").next().unwrap_or("");
    let arm = |at: Option<usize>| at.zip(code.find("=>")).is_some_and(|(r, a)| r < a);
    [
        ("decide(", "calls the policy"),
        ("Decision::", "reads a policy decision"),
        ("is_client(", "checks a role"),
        ("is_practice(", "checks a role"),
        ("Role::Client", "checks for a client"),
        ("== Role::", "compares roles"),
        ("!= Role::", "compares roles"),
        ("role: Role::", "matches a role"),
        (".role ==", "compares roles"),
        (".role !=", "compares roles"),
    ]
    .into_iter()
    .find(|(needle, _)| code.contains(needle))
    .map(|(_, why)| why)
    .or_else(|| arm(code.find("Role::")).then_some("matches a role"))
}

#[test]
fn the_web_layer_asks_the_policy_nothing_and_checks_no_role() {
    // The check itself catches what it is for.
    assert!(
        decides("if policy::decide(&a, Action::ListClients, t) == Decision::Allow {").is_some()
    );
    assert!(decides("    role: Role::Client,").is_some());
    assert!(decides("Role::Owner | Role::Clinician => true,").is_some());
    assert!(decides("filter(|a| a.role != Role::Staff)").is_some());
    assert!(
        decides("\"clinician\" => Role::Clinician,").is_none(),
        "parsing a form is not a check"
    );

    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut files = Vec::new();
    crate::layering::rust_files(&web, &mut files);
    assert!(files.len() > 10, "read src/web");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if let Some(why) = decides(line) {
                found.push(format!(
                    "{}:{}: {why}: {}",
                    file.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the services decide what a page shows; src/web only renders it:\n{}",
        found.join("\n")
    );
}
