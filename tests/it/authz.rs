//! `authz_matrix`: every route as every role, against records owned by client A and by
//! client B. Checks the status and that a body never holds another client's canary text.
//! A route missing from the table below fails the test.

use std::collections::BTreeSet;

use crate::browser_kit::{
    invite_path_in, join_by_invite, location, set_up_owner, team_member, Visitor,
};
use crate::kit::Server;

const CANARY_A: &str = "CanaryAlphaQuokka";
const CANARY_B: &str = "CanaryBravoNarwhal";
/// An internal note in client A's thread: no client may ever see it.
const CANARY_NOTE: &str = "CanaryNoteMarmoset";

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

/// The expected status of `method path` as `who` against `of`'s record.
fn expected(who: Who, method: &str, path: &str, of: Of) -> u16 {
    let signed_in = matches!(who, ClientA | ClientB | Staff | Clinician | Owner);
    let practice = matches!(who, Staff | Clinician | Owner);
    let client = matches!(who, ClientA | ClientB);
    let _ = of;
    match (method, path) {
        ("get", "/healthz") => 200,
        ("get", "/assets/{path:.*}") => 200,
        ("get", "/") => {
            if signed_in {
                303
            } else {
                200
            }
        }
        ("post", "/unlock") => 303,
        ("post", "/signin") => 401,
        ("get", "/signin/code") | ("post", "/signin/code") => 303,
        ("post", "/signout") => 303,
        ("get", "/signed-out") => 200,
        // Clients without sign-in codes may turn them on (the empty code is refused).
        ("get", "/mfa/setup") if client => 200,
        ("post", "/mfa/setup") if client => 401,
        ("get", "/mfa/setup") | ("post", "/mfa/setup") => 303,
        ("get", "/reauth") => {
            if signed_in {
                200
            } else {
                303
            }
        }
        ("post", "/reauth") => {
            if signed_in {
                401
            } else {
                303
            }
        }
        ("get", "/setup/{token}") | ("post", "/setup/{token}") => 404,
        ("get", "/invite/{token}") | ("post", "/invite/{token}") => 404,
        ("get", "/home") => {
            if signed_in {
                200
            } else {
                303
            }
        }
        ("get", "/confirm-email/{token}") | ("post", "/confirm-email/{token}") => 404,
        ("get", "/f/{token}") | ("post", "/f/{token}") => 404,
        _ if !signed_in => 303,
        ("get", "/settings/email") => 200,
        ("post", "/settings/email") => 303,
        // No mail server in this test: asking for a link is refused with a reason.
        ("post", "/settings/email/confirm") => 400,
        // No mail server here: the client's page says so.
        ("post", "/clients/{id}/confirm-email") => {
            if practice {
                200
            } else {
                403
            }
        }
        ("post", "/clients/{id}/email-alerts") => {
            if practice {
                303
            } else {
                403
            }
        }
        ("get", "/clients") | ("get", "/clients/new") | ("get", "/clients/{id}") => {
            if practice {
                200
            } else {
                403
            }
        }
        ("post", "/clients") => {
            if practice {
                400
            } else {
                403
            }
        }
        // Clients A and B are active: an invitation would take their account over.
        ("post", "/clients/{id}/invite") => {
            if practice {
                409
            } else {
                403
            }
        }
        ("post", "/clients/{id}/invite/revoke") => {
            if practice {
                200
            } else {
                403
            }
        }
        ("post", "/clients/{id}/require-mfa") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        ("get", "/team") | ("get", "/team/invite") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        ("post", "/team/invite") => {
            if who == Owner {
                400
            } else {
                403
            }
        }
        // Only the owner sends reset links; the page shows the link, or why there is none.
        ("post", "/accounts/{id}/reset-password") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        ("post", "/accounts/{id}/disable") | ("post", "/accounts/{id}/reset-mfa") => {
            if who == Owner {
                303
            } else {
                403
            }
        }
        ("get", "/messages") | ("get", "/messages/new") => {
            if client || matches!(who, Clinician | Owner) {
                200
            } else {
                403
            }
        }
        ("post", "/messages") => {
            if client || matches!(who, Clinician | Owner) {
                400
            } else {
                403
            }
        }
        ("get", "/messages/{thread}") => {
            let own = (who == ClientA && of == Of::A) || (who == ClientB && of == Of::B);
            if own || matches!(who, Clinician | Owner) {
                200
            } else {
                403
            }
        }
        ("post", "/messages/{thread}") => {
            let own = (who == ClientA && of == Of::A) || (who == ClientB && of == Of::B);
            if own || matches!(who, Clinician | Owner) {
                400
            } else {
                403
            }
        }
        ("get", "/messages/{thread}/files/{file}") => {
            let own = (who == ClientA && of == Of::A) || (who == ClientB && of == Of::B);
            if own || matches!(who, Clinician | Owner) {
                200
            } else {
                403
            }
        }
        ("post", "/messages/{thread}/note") => {
            if matches!(who, Clinician | Owner) {
                400
            } else {
                403
            }
        }
        ("post", "/messages/{thread}/close") => {
            if matches!(who, Clinician | Owner) {
                303
            } else {
                403
            }
        }
        ("get", "/settings/templates") | ("get", "/settings/templates/new") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        ("post", "/settings/templates") => {
            if who == Owner {
                400
            } else {
                403
            }
        }
        ("post", "/settings/templates/{template}/delete") => {
            if who == Owner {
                404
            } else {
                403
            }
        }
        ("get", "/settings/auto-reply") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        ("post", "/settings/auto-reply") => {
            if who == Owner {
                400
            } else {
                403
            }
        }
        ("get", "/forms")
        | ("get", "/forms/new")
        | ("get", "/forms/{form}")
        | ("get", "/forms/{form}/fields/new") => {
            if matches!(who, Clinician | Owner) {
                200
            } else {
                403
            }
        }
        ("post", "/forms") | ("post", "/forms/{form}/fields") => {
            if matches!(who, Clinician | Owner) {
                400
            } else {
                403
            }
        }
        ("post", "/forms/{form}/public-link") => {
            if matches!(who, Clinician | Owner) {
                200
            } else {
                403
            }
        }
        // {n} is a question that does not exist.
        ("get", "/forms/{form}/fields/{n}")
        | ("post", "/forms/{form}/fields/{n}")
        | ("post", "/forms/{form}/fields/{n}/up")
        | ("post", "/forms/{form}/fields/{n}/down")
        | ("post", "/forms/{form}/fields/{n}/remove") => {
            if matches!(who, Clinician | Owner) {
                404
            } else {
                403
            }
        }
        // An unknown link id: nothing to find, whoever asks.
        ("post", "/form-links/{link}/revoke") => 404,
        ("post", "/clients/{id}/accept-intake") => {
            if practice {
                303
            } else {
                403
            }
        }
        ("get", "/clients/{id}/appointments/new") | ("get", "/clients/{id}/form-links/new") => {
            if practice {
                200
            } else {
                403
            }
        }
        ("post", "/clients/{id}/appointments") | ("post", "/clients/{id}/form-links") => {
            if practice {
                400
            } else {
                403
            }
        }
        // Submissions are clinical: clinicians and the owner; {sub} does not exist.
        ("get", "/clients/{id}/submissions/{sub}")
        | ("get", "/clients/{id}/submissions/{sub}/files/{file}") => {
            if matches!(who, Clinician | Owner) {
                404
            } else {
                403
            }
        }
        ("get", "/retention") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        ("post", "/retention/clock") => {
            if who == Owner {
                303
            } else {
                403
            }
        }
        ("post", "/clients/{id}/legal-hold") => {
            if who == Owner {
                303
            } else {
                403
            }
        }
        ("get", "/audit") => {
            if who == Owner {
                200
            } else {
                403
            }
        }
        _ => {
            panic!("route {method} {path} is missing from the authz_matrix table")
        }
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

fn client(owner: &mut Visitor<'_>, name: &str, email: &str) -> (String, String) {
    let new = owner.get("/clients/new");
    let r = owner.post(
        "/clients",
        &new.body,
        &[
            ("legal_name", name),
            ("preferred_name", ""),
            ("email", email),
            ("phone", ""),
            ("date_of_birth", ""),
            ("admin_note", name),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let path = location(&r).to_owned();
    let id = path.trim_start_matches("/clients/").to_owned();
    let detail = owner.get(&path);
    let invited = owner.post(&format!("{path}/invite"), &detail.body, &[]);
    (id, invite_path_in(&invited.body))
}

fn accept_client<'a>(server: &'a Server, invite: &str) -> Visitor<'a> {
    let mut v = Visitor::new(server);
    let form = v.get(invite);
    let r = v.post(
        invite,
        &form.body,
        &[
            ("password", "a long client password"),
            ("confirm", "a long client password"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(v.get("/home").status, 200);
    v
}

#[test]
fn authz_matrix() {
    let routes: BTreeSet<(String, String)> = alcove::web::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut owner = set_up_owner(&server).visitor;
    let (id_a, invite_a) = client(&mut owner, CANARY_A, "a@example.org");
    let (id_b, invite_b) = client(&mut owner, CANARY_B, "b@example.org");
    let client_a = accept_client(&server, &invite_a);
    let client_b = accept_client(&server, &invite_b);
    let staff_invite = team_member(&mut owner, "Sam Staff", "sam@example.org", "staff");
    let (staff, _) = join_by_invite(&server, &staff_invite, "staff password long");
    let clin_invite = team_member(
        &mut owner,
        "Cleo Clinician",
        "cleo@example.org",
        "clinician",
    );
    let (clinician, _) = join_by_invite(&server, &clin_invite, "clinician password long");
    let gone_invite = team_member(&mut owner, "Gus Gone", "gus@example.org", "staff");
    let (mut disabled, _) = join_by_invite(&server, &gone_invite, "gone password long");
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
    let mut expired = Visitor::new(&server);
    expired.cookies = client_a.cookies.clone();
    {
        let mut a2 = accept_client_again(&server);
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
    let mut probe = Visitor::new(&server);
    probe.cookies = owner.cookies.clone();
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
    let mut a_probe = Visitor::new(&server);
    a_probe.cookies = client_a.cookies.clone();
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
        (Anonymous, Visitor::new(&server)),
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
                for canary in foreign {
                    if reply.body.contains(canary) {
                        failures.push(format!("{who:?} {method} {url}: body holds {canary}"));
                    }
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

/// Client A signing in again in a second browser (to produce a session that then ends).
fn accept_client_again(server: &Server) -> Visitor<'_> {
    let mut v = Visitor::new(server);
    let page = v.get("/");
    let r = v.post(
        "/signin",
        &page.body,
        &[
            ("email", "a@example.org"),
            ("password", "a long client password"),
        ],
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
    let new = owner.get("/messages/new");
    let r = owner.post(
        "/messages",
        &new.body,
        &[
            ("client", client_id),
            ("subject", &format!("About {canary}")),
            ("body", &format!("Message for {canary}")),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let path = location(&r).to_owned();
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
