//! `authz_matrix`: every route as every role, against records owned by client A and by
//! client B. Checks the status and that a body never holds another client's canary text.
//! A route missing from [`TABLE`] fails the test.

use std::collections::BTreeSet;

use crate::kit::Server;
use crate::visitor::{location, Visitor, PASSWORD};
use crate::world::{start_thread, World};

const CANARY_A: &str = "CanaryAlphaQuokka";
const CANARY_B: &str = "CanaryBravoNarwhal";
/// An internal note in client A's thread: no client may ever see it.
const CANARY_NOTE: &str = "CanaryNoteMarmoset";

/// One row per route: method, path pattern, then the status each role gets.
type Row = (&'static str, &'static str, u16, u16, u16, u16, u16, u16);

/// The expected status of every route, by who sends it (a route is sent with an empty
/// form and the page's form token). The columns:
/// - `out`: not signed in — anonymous, a disabled account's session, an ended session;
/// - `own` and `other`: a client, against their own record and against another client's
///   (the same for a route without `{id}` or `{thread}`);
/// - `staff`, `clin` (a clinician) and `owner`.
///
/// `{id}` is client A's or B's, `{thread}` their conversation and `{file}` its file, `{form}`
/// a real form; `{n}`, `{sub}`, `{link}` and `{template}` exist nowhere, tokens are unknown.
/// A new route: add its row.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    // method path                                          out  own other staff clin owner
    ("get",  "/healthz",                                    200, 200, 200, 200, 200, 200),
    ("get",  "/assets/{path:.*}",                           200, 200, 200, 200, 200, 200),
    ("get",  "/",                                           200, 303, 303, 303, 303, 303),
    ("post", "/unlock",                                     303, 303, 303, 303, 303, 303),
    ("post", "/signin",                                     401, 401, 401, 401, 401, 401),
    ("get",  "/signin/code",                                303, 303, 303, 303, 303, 303),
    ("post", "/signin/code",                                303, 303, 303, 303, 303, 303),
    ("post", "/signout",                                    303, 303, 303, 303, 303, 303),
    ("get",  "/signed-out",                                 200, 200, 200, 200, 200, 200),
    // Clients without sign-in codes may turn them on (the empty code is refused).
    ("get",  "/mfa/setup",                                  303, 200, 200, 303, 303, 303),
    ("post", "/mfa/setup",                                  303, 401, 401, 303, 303, 303),
    ("get",  "/reauth",                                     303, 200, 200, 200, 200, 200),
    ("post", "/reauth",                                     303, 401, 401, 401, 401, 401),
    ("get",  "/setup/{token}",                              404, 404, 404, 404, 404, 404),
    ("post", "/setup/{token}",                              404, 404, 404, 404, 404, 404),
    ("get",  "/invite/{token}",                             404, 404, 404, 404, 404, 404),
    ("post", "/invite/{token}",                             404, 404, 404, 404, 404, 404),
    ("get",  "/home",                                       303, 200, 200, 200, 200, 200),
    ("get",  "/confirm-email/{token}",                      404, 404, 404, 404, 404, 404),
    ("post", "/confirm-email/{token}",                      404, 404, 404, 404, 404, 404),
    ("get",  "/f/{token}",                                  404, 404, 404, 404, 404, 404),
    ("post", "/f/{token}",                                  404, 404, 404, 404, 404, 404),
    ("get",  "/settings/email",                             303, 200, 200, 200, 200, 200),
    ("post", "/settings/email",                             303, 303, 303, 303, 303, 303),
    // No mail server in this test: asking for a link is refused with a reason.
    ("post", "/settings/email/confirm",                     303, 400, 400, 400, 400, 400),
    // No mail server here: the client's page says so.
    ("post", "/clients/{id}/confirm-email",                 303, 403, 403, 200, 200, 200),
    ("post", "/clients/{id}/email-alerts",                  303, 403, 403, 303, 303, 303),
    ("get",  "/clients",                                    303, 403, 403, 200, 200, 200),
    ("post", "/clients",                                    303, 403, 403, 400, 400, 400),
    ("get",  "/clients/new",                                303, 403, 403, 200, 200, 200),
    ("get",  "/clients/{id}",                               303, 403, 403, 200, 200, 200),
    // Clients A and B are active: an invitation would take their account over.
    ("post", "/clients/{id}/invite",                        303, 403, 403, 409, 409, 409),
    ("post", "/clients/{id}/invite/revoke",                 303, 403, 403, 200, 200, 200),
    ("post", "/clients/{id}/require-mfa",                   303, 403, 403, 403, 403, 200),
    ("get",  "/team",                                       303, 403, 403, 403, 403, 200),
    ("get",  "/team/invite",                                303, 403, 403, 403, 403, 200),
    ("post", "/team/invite",                                303, 403, 403, 403, 403, 400),
    // Only the owner sends reset links; the page shows the link, or why there is none.
    ("post", "/accounts/{id}/reset-password",               303, 403, 403, 403, 403, 200),
    ("post", "/accounts/{id}/disable",                      303, 403, 403, 403, 403, 303),
    ("post", "/accounts/{id}/reset-mfa",                    303, 403, 403, 403, 403, 303),
    ("get",  "/messages",                                   303, 200, 200, 403, 200, 200),
    ("post", "/messages",                                   303, 400, 400, 403, 400, 400),
    ("get",  "/messages/new",                               303, 200, 200, 403, 200, 200),
    ("get",  "/messages/{thread}",                          303, 200, 403, 403, 200, 200),
    ("post", "/messages/{thread}",                          303, 400, 403, 403, 400, 400),
    ("get",  "/messages/{thread}/files/{file}",             303, 200, 403, 403, 200, 200),
    ("post", "/messages/{thread}/note",                     303, 403, 403, 403, 400, 400),
    ("post", "/messages/{thread}/close",                    303, 403, 403, 403, 303, 303),
    ("get",  "/settings/templates",                         303, 403, 403, 403, 403, 200),
    ("post", "/settings/templates",                         303, 403, 403, 403, 403, 400),
    ("get",  "/settings/templates/new",                     303, 403, 403, 403, 403, 200),
    ("post", "/settings/templates/{template}/delete",       303, 403, 403, 403, 403, 404),
    ("get",  "/settings/auto-reply",                        303, 403, 403, 403, 403, 200),
    ("post", "/settings/auto-reply",                        303, 403, 403, 403, 403, 400),
    ("get",  "/forms",                                      303, 403, 403, 403, 200, 200),
    ("post", "/forms",                                      303, 403, 403, 403, 400, 400),
    ("get",  "/forms/new",                                  303, 403, 403, 403, 200, 200),
    ("get",  "/forms/{form}",                               303, 403, 403, 403, 200, 200),
    ("post", "/forms/{form}/fields",                        303, 403, 403, 403, 400, 400),
    ("get",  "/forms/{form}/fields/new",                    303, 403, 403, 403, 200, 200),
    ("post", "/forms/{form}/public-link",                   303, 403, 403, 403, 200, 200),
    // {n} is a question that does not exist.
    ("get",  "/forms/{form}/fields/{n}",                    303, 403, 403, 403, 404, 404),
    ("post", "/forms/{form}/fields/{n}",                    303, 403, 403, 403, 404, 404),
    ("post", "/forms/{form}/fields/{n}/up",                 303, 403, 403, 403, 404, 404),
    ("post", "/forms/{form}/fields/{n}/down",               303, 403, 403, 403, 404, 404),
    ("post", "/forms/{form}/fields/{n}/remove",             303, 403, 403, 403, 404, 404),
    // An unknown link id: nothing to find, whoever asks.
    ("post", "/form-links/{link}/revoke",                   303, 404, 404, 404, 404, 404),
    ("post", "/clients/{id}/accept-intake",                 303, 403, 403, 303, 303, 303),
    ("post", "/clients/{id}/appointments",                  303, 403, 403, 400, 400, 400),
    ("get",  "/clients/{id}/appointments/new",              303, 403, 403, 200, 200, 200),
    ("post", "/clients/{id}/form-links",                    303, 403, 403, 400, 400, 400),
    ("get",  "/clients/{id}/form-links/new",                303, 403, 403, 200, 200, 200),
    // Submissions are clinical: clinicians and the owner; {sub} does not exist.
    ("get",  "/clients/{id}/submissions/{sub}",             303, 403, 403, 403, 404, 404),
    ("get",  "/clients/{id}/submissions/{sub}/files/{file}",303, 403, 403, 403, 404, 404),
    ("get",  "/retention",                                  303, 403, 403, 403, 403, 200),
    ("post", "/retention/clock",                            303, 403, 403, 403, 403, 303),
    ("post", "/clients/{id}/legal-hold",                    303, 403, 403, 403, 403, 303),
    ("get",  "/audit",                                      303, 403, 403, 403, 403, 200),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    ClientA,
    ClientB,
    Staff,
    Clinician,
    Disabled,
    Expired,
    Owner,
}

use Who::*;

/// Whose record a route with `{id}` is sent against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Of {
    A,
    B,
}

/// The row of `method path`, if the table has one.
fn row(method: &str, path: &str) -> Option<&'static Row> {
    TABLE.iter().find(|r| r.0 == method && r.1 == path)
}

/// The expected status of `method path` as `who` against `of`'s record.
fn expected(who: Who, method: &str, path: &str, of: Of) -> u16 {
    let &(_, _, out, own, other, staff, clinician, owner) = row(method, path)
        .unwrap_or_else(|| panic!("route {method} {path} is missing from the authz_matrix table"));
    match (who, of) {
        (Anonymous | Disabled | Expired, _) => out,
        (ClientA, Of::A) | (ClientB, Of::B) => own,
        (ClientA, Of::B) | (ClientB, Of::A) => other,
        (Staff, _) => staff,
        (Clinician, _) => clinician,
        (Owner, _) => owner,
    }
}

fn routes() -> BTreeSet<(String, String)> {
    alcove::web::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn authz_table_has_one_row_per_route() {
    let rows: Vec<(String, String)> = TABLE
        .iter()
        .map(|r| (r.0.to_owned(), r.1.to_owned()))
        .collect();
    let unique: BTreeSet<(String, String)> = rows.iter().cloned().collect();
    assert_eq!(unique.len(), rows.len(), "a route has two rows");
    let routes = routes();
    let missing: Vec<_> = routes.difference(&unique).collect();
    assert!(missing.is_empty(), "routes without a row: {missing:?}");
    let stale: Vec<_> = unique.difference(&routes).collect();
    assert!(stale.is_empty(), "rows for no route: {stale:?}");
    for &(method, path, _, own, other, ..) in TABLE {
        let per_record = path.contains("{id}") || path.contains("{thread}");
        assert!(
            per_record || own == other,
            "{method} {path} names no record: own and other must be the same"
        );
    }
}

/// A real form's id (the first on the owner's form list).
static FORM_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Routes that end the session or change accounts run last for each role.
fn ends_or_changes(path: &str) -> bool {
    path == "/signout" || path.starts_with("/accounts/")
}

fn concrete(path: &str, id: &str, (thread, file): &(String, String)) -> String {
    let form = FORM_ID.get().map_or("", String::as_str);
    path.replace("{form}", form)
        .replace("{n}", "999")
        .replace("{link}", "00112233445566778899aabbccddeeff")
        .replace("{sub}", "00112233445566778899aabbccddeeff")
        .replace("{id}", id)
        .replace("{thread}", thread)
        .replace("{file}", file)
        .replace("{template}", "00112233445566778899aabbccddeeff")
        .replace("{token}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .replace("{path:.*}", "alcove.css")
}

/// A client whose new-client form carries the canary in the name and the admin note.
fn client_fields(canary: &str) -> [(&str, &str); 4] {
    [
        ("preferred_name", ""),
        ("phone", ""),
        ("date_of_birth", ""),
        ("admin_note", canary),
    ]
}

#[test]
fn authz_matrix() {
    let routes = routes();
    let world = World::builder()
        .client_with(CANARY_A, "a@example.org", &client_fields(CANARY_A))
        .client_with(CANARY_B, "b@example.org", &client_fields(CANARY_B))
        .staff("Sam Staff", "sam@example.org")
        .clinician("Cleo Clinician", "cleo@example.org")
        .staff("Gus Gone", "gus@example.org")
        .start();
    let server = &world.server;
    let mut owner = world.owner();
    let (id_a, mut client_a) = world.client(CANARY_A);
    let (id_b, mut client_b) = world.client(CANARY_B);
    assert_eq!(client_a.get("/home").status, 200);
    assert_eq!(client_b.get("/home").status, 200);
    let staff = world.visitor("Sam Staff");
    let clinician = world.visitor("Cleo Clinician");
    let mut disabled = world.visitor("Gus Gone");
    // Switch Gus off from the owner's team page.
    let team = owner.get("/team");
    let gus = &team.body[team.body.find("Gus Gone").unwrap()..];
    let at = gus.find("/accounts/").unwrap();
    let action = gus[at..].split('"').next().unwrap().to_owned();
    let gus_id = action
        .trim_start_matches("/accounts/")
        .split('/')
        .next()
        .unwrap();
    let disable = format!("/accounts/{gus_id}/disable");
    assert_eq!(owner.post(&disable, &team.body, &[]).status, 303);
    assert_eq!(
        disabled.get("/home").status,
        303,
        "a disabled account's session is gone"
    );
    // An ended session: signed in, then signed out; the old cookie is replayed.
    let mut expired = Visitor::new(server);
    {
        let mut a2 = sign_in_again(server, "a@example.org");
        let home = a2.get("/home");
        let old = a2.cookies.clone();
        a2.post("/signout", &home.body, &[]);
        expired.cookies = old;
    }

    // A conversation with each client; client A's holds an internal note.
    let thread_a = conversation(&mut owner, &id_a, CANARY_A, Some(CANARY_NOTE));
    let thread_b = conversation(&mut owner, &id_b, CANARY_B, None);

    let forms = owner.get("/forms").body;
    let at = forms.find("href=\"/forms/").expect("a form") + "href=\"/forms/".len();
    let id: String = forms[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(id.len(), 32, "{forms}");
    FORM_ID.set(id).unwrap();

    // Sanity: the canaries are visible where they should be, so their absence means something.
    let mut probe = world.owner();
    assert!(probe
        .get(&format!("/clients/{id_a}"))
        .body
        .contains(CANARY_A));
    assert!(probe
        .get(&format!("/clients/{id_b}"))
        .body
        .contains(CANARY_B));
    let owner_view = probe.get(&format!("/messages/{}", thread_a.0)).body;
    assert!(owner_view.contains(CANARY_NOTE) && owner_view.contains("message-body"));
    let mut a_probe = world.visitor(CANARY_A);
    let a_view = a_probe.get(&format!("/messages/{}", thread_a.0)).body;
    let a_file = a_probe.get(&concrete(
        "/messages/{thread}/files/{file}",
        &id_a,
        &thread_a,
    ));
    assert!(a_file.body.contains(&format!("Attached for {CANARY_A}")));
    assert!(
        a_view.contains(&format!("Message for {CANARY_A}")),
        "{a_view}"
    );

    let mut identities = [
        (Anonymous, Visitor::new(server)),
        (ClientA, client_a),
        (ClientB, client_b),
        (Staff, staff),
        (Clinician, clinician),
        (Disabled, disabled),
        (Expired, expired),
        (Owner, owner),
    ];
    let mut checked = BTreeSet::new();
    let mut failures = Vec::new();
    for (who, visitor) in identities.iter_mut() {
        let start = if matches!(who, Anonymous | Disabled | Expired) {
            "/"
        } else {
            "/home"
        };
        let page = visitor.get(start).body;
        visitor.frozen = true;
        let mut ordered: Vec<&(String, String)> = routes.iter().collect();
        ordered.sort_by_key(|(_, p)| ends_or_changes(p));
        for (method, path) in ordered {
            for of in [Of::A, Of::B] {
                if of == Of::B && !path.contains("{id}") && !path.contains("{thread}") {
                    continue;
                }
                let (id, thread) = if of == Of::A {
                    (&id_a, &thread_a)
                } else {
                    (&id_b, &thread_b)
                };
                let url = concrete(path, id, thread);
                let reply = if method == "get" {
                    visitor.get(&url)
                } else {
                    visitor.post(&url, &page, &[])
                };
                let want = expected(*who, method, path, of);
                if reply.status != want {
                    failures.push(format!(
                        "{who:?} {method} {url}: got {}, want {want}",
                        reply.status
                    ));
                }
                let foreign: &[&str] = match who {
                    ClientA => &[CANARY_B, CANARY_NOTE],
                    ClientB => &[CANARY_A, CANARY_NOTE],
                    Staff => &[CANARY_NOTE, "Message for "],
                    Anonymous | Disabled | Expired => &[CANARY_A, CANARY_B, CANARY_NOTE],
                    _ => &[],
                };
                for canary in crate::canary::found(reply.body.as_bytes(), foreign) {
                    failures.push(format!("{who:?} {method} {url}: body holds {canary}"));
                }
                checked.insert((method.clone(), path.clone()));
            }
        }
    }
    assert_eq!(checked, routes, "every route was sent");
    assert!(
        failures.is_empty(),
        "authz_matrix failures:\n{}",
        failures.join("\n")
    );
}

/// A client signing in again in a second browser (to produce a session that then ends).
fn sign_in_again<'a>(server: &'a Server, email: &str) -> Visitor<'a> {
    let mut v = Visitor::new(server);
    let page = v.get("/");
    let r = v.post(
        "/signin",
        &page.body,
        &[("email", email), ("password", PASSWORD)],
    );
    assert_eq!(location(&r), "/home", "{}", r.body);
    v
}

/// Starts a conversation with a client (a message that names the canary) and optionally an
/// internal note, and a file; returns the thread id and the file id.
fn conversation(
    owner: &mut Visitor<'_>,
    client_id: &str,
    canary: &str,
    note: Option<&str>,
) -> (String, String) {
    let path = start_thread(
        owner,
        client_id,
        &format!("About {canary}"),
        &format!("Message for {canary}"),
    );
    if let Some(note) = note {
        let page = owner.get(&path);
        let n = owner.post(&format!("{path}/note"), &page.body, &[("note", note)]);
        assert_eq!(n.status, 303, "{}", n.body);
    }
    // A file in the thread whose name and content carry the canary.
    let page = owner.get(&path);
    let content = format!("Attached for {canary}\n");
    let sent = owner.post_multipart(
        &path,
        &page.body,
        &[("body", "")],
        Some((&format!("{canary}.txt"), content.as_bytes())),
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let page = owner.get(&path).body;
    let at = page.find("/files/").expect("a file link");
    let end = at + page[at..].find('"').unwrap();
    let file = page[at + "/files/".len()..end].to_owned();
    (path.trim_start_matches("/messages/").to_owned(), file)
}
