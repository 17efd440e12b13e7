//! Accounts end to end over HTTPS: owner setup with TOTP, sign-out and in, inviting a
//! client who sets a password and reaches their home; and the attacks the issue names.

use crate::kit::Server;
use crate::visitor::{
    location, set_up_owner, sign_in, totp_next, totp_now, Visitor, OWNER_EMAIL, OWNER_PASSWORD,
};

fn invite_link_path(page: &str) -> String {
    crate::visitor::invite_path_in(page)
}

#[test]
fn owner_sets_up_signs_out_and_in_invites_a_client_who_reaches_their_home() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let owner = set_up_owner(&server);
    let mut v = owner.visitor;

    let home = v.get("/home");
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Practice home"));

    // The setup link works once.
    let link = server.setup_link().unwrap();
    let again = v.get(link.trim_start_matches(&server.origin));
    assert_eq!(again.status, 404);

    // Sign out, then in with password and a fresh code.
    let out = v.post("/signout", &home.body, &[]);
    assert_eq!(out.status, 303);
    assert_eq!(v.get("/home").status, 303, "signed out");
    let signed_in = sign_in(
        &mut v,
        OWNER_EMAIL,
        OWNER_PASSWORD,
        &totp_next(&owner.secret),
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(location(&signed_in), "/home");

    // Create a client and an invitation link.
    let new = v.get("/clients/new");
    assert_eq!(new.status, 200);
    let created = v.post(
        "/clients",
        &new.body,
        &[
            ("legal_name", "Jordan Ellis"),
            ("preferred_name", "Jo"),
            ("email", "jo@example.org"),
            ("phone", ""),
            ("date_of_birth", "1990-04-27"),
            ("admin_note", "prefers mornings"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let client_path = location(&created).to_owned();
    let detail = v.get(&client_path);
    assert!(detail.body.contains("Jordan Ellis"));
    let invited = v.post(&format!("{client_path}/invite"), &detail.body, &[]);
    assert_eq!(invited.status, 200, "{}", invited.body);
    let invite_path = invite_link_path(&invited.body);

    // The client opens the link in another browser and sets a password.
    let mut client = Visitor::new(&server);
    let form = client.get(&invite_path);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Welcome, Jordan Ellis"));
    let set = client.post(
        &invite_path,
        &form.body,
        &[
            ("password", "blue heron at dawn"),
            ("confirm", "blue heron at dawn"),
        ],
    );
    assert_eq!(set.status, 303, "{}", set.body);
    let home = client.get("/home");
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Welcome, Jo"));
    // The link worked once.
    assert_eq!(Visitor::new(&server).get(&invite_path).status, 404);

    // And the client signs in again later with the password alone (codes are optional).
    let mut later = Visitor::new(&server);
    let page = later.get("/");
    let r = later.post(
        "/signin",
        &page.body,
        &[
            ("email", "jo@example.org"),
            ("password", "blue heron at dawn"),
        ],
    );
    assert_eq!(location(&r), "/home");
}

#[test]
fn eleventh_failure_in_an_hour_is_refused_even_with_the_right_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let owner = set_up_owner(&server);
    let mut v = Visitor::new(&server);
    for _ in 0..10 {
        let page = v.get("/");
        let r = v.post(
            "/signin",
            &page.body,
            &[
                ("email", OWNER_EMAIL),
                ("password", "not the password at all"),
            ],
        );
        assert_eq!(r.status, 401);
    }
    let page = v.get("/");
    let r = v.post(
        "/signin",
        &page.body,
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(
        r.body.contains("Too many failed sign-in attempts"),
        "{}",
        r.body
    );
    assert!(r.body.contains("paused until"), "{}", r.body);
    drop(owner);
}

#[test]
fn a_totp_code_is_refused_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let owner = set_up_owner(&server);
    let code = totp_next(&owner.secret);
    let mut first = Visitor::new(&server);
    let ok = sign_in(&mut first, OWNER_EMAIL, OWNER_PASSWORD, &code);
    assert_eq!(location(&ok), "/home", "{}", ok.body);
    let mut second = Visitor::new(&server);
    let replay = sign_in(&mut second, OWNER_EMAIL, OWNER_PASSWORD, &code);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("each works only once"));
}

#[test]
fn a_recovery_code_signs_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let owner = set_up_owner(&server);
    let code = owner.recovery_codes[3].clone();
    let mut a = Visitor::new(&server);
    assert_eq!(
        location(&sign_in(&mut a, OWNER_EMAIL, OWNER_PASSWORD, &code)),
        "/home"
    );
    let mut b = Visitor::new(&server);
    assert_eq!(
        sign_in(&mut b, OWNER_EMAIL, OWNER_PASSWORD, &code).status,
        401
    );
}

#[test]
fn session_token_from_before_sign_in_is_dead_after_it_and_after_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let owner = set_up_owner(&server);
    let mut v = Visitor::new(&server);
    let page = v.get("/");
    let first = v.post(
        "/signin",
        &page.body,
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    assert_eq!(location(&first), "/signin/code");
    let before = v.session().unwrap();
    let code_page = v.get("/signin/code");
    let done = v.post(
        "/signin/code",
        &code_page.body,
        &[("code", &totp_next(&owner.secret))],
    );
    assert_eq!(location(&done), "/home");
    let after = v.session().unwrap();
    assert_ne!(before, after, "a new token at sign-in");

    let mut attacker = Visitor::new(&server);
    attacker.cookies.insert("__Host-alcove".into(), before);
    assert_eq!(attacker.get("/home").status, 303, "the old token is dead");

    let home = v.get("/home");
    v.post("/signout", &home.body, &[]);
    let mut replay = Visitor::new(&server);
    replay.cookies.insert("__Host-alcove".into(), after);
    let r = replay.get("/home");
    assert_eq!(
        (r.status, location(&r)),
        (303, "/"),
        "sign-out ended it on the server"
    );
}

#[test]
fn session_cookie_has_the_required_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let owner = set_up_owner(&server);
    let mut v = Visitor::new(&server);
    let page = v.get("/");
    let r = v.post(
        "/signin",
        &page.body,
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    let set_cookie = r
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("__Host-alcove="))
        .map(|(_, v)| v.clone())
        .expect("session cookie");
    let token = set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("__Host-alcove=");
    assert_eq!(token.len(), 43, "256-bit token");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{attr} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain="), "{set_cookie}");
    drop(owner);
}

#[test]
fn unknown_email_and_wrong_password_get_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let _owner = set_up_owner(&server);
    let strip = |body: &str| {
        let mut s = body.to_owned();
        if let Some(t) = crate::visitor::form_token(body) {
            s = s.replace(&t, "TOKEN");
        }
        s
    };
    let attempt = |email: &str| {
        let mut v = Visitor::new(&server);
        let page = v.get("/");
        v.post(
            "/signin",
            &page.body,
            &[("email", email), ("password", "whatever password here")],
        )
    };
    let unknown = attempt("nobody@example.org");
    let wrong = attempt("nobody@example.org");
    let wrong_pw = attempt(OWNER_EMAIL);
    assert_eq!(unknown.status, wrong_pw.status);
    assert_eq!(
        strip(&unknown.body).replace("nobody@example.org", "EMAIL"),
        strip(&wrong_pw.body).replace(OWNER_EMAIL, "EMAIL")
    );
    assert_eq!(strip(&unknown.body), strip(&wrong.body));
}

#[test]
fn a_same_origin_post_without_the_form_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let _owner = set_up_owner(&server);
    let mut v = Visitor::new(&server);
    v.get("/");
    let r = v.post_raw(
        "/signin",
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    assert_eq!(r.status, 403);
    let r = v.post_raw(
        "/signin",
        &[
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
            ("csrf", "0000"),
        ],
    );
    assert_eq!(r.status, 403);
    assert!(v.session().is_none());
}

#[test]
fn weak_passwords_are_refused_with_the_typed_values_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let link = server.setup_link().unwrap();
    let path = link.trim_start_matches(&server.origin).to_owned();
    let mut v = Visitor::new(&server);
    let form = v.get(&path);
    let r = v.post(
        &path,
        &form.body,
        &[
            ("practice", "Riverside"),
            ("name", "Dana Reyes"),
            ("email", "dana@example.org"),
            ("password", "short"),
            ("confirm", "short"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("at least 12 characters"), "{}", r.body);
    assert!(r.body.contains("value=\"dana@example.org\""), "email kept");
    assert!(
        !r.body.contains("value=\"short\""),
        "passwords are never echoed"
    );
    let r = v.post(
        &path,
        &form.body,
        &[
            ("practice", "Riverside"),
            ("name", "Dana Reyes"),
            ("email", "dana@example.org"),
            ("password", "password1234"),
            ("confirm", "password1234"),
        ],
    );
    assert!(r.body.contains("too common"), "{}", r.body);
    let _ = totp_now;
}

#[test]
fn a_client_the_owner_requires_codes_for_sets_them_up_at_next_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut owner = set_up_owner(&server).visitor;
    let new = owner.get("/clients/new");
    let created = owner.post(
        "/clients",
        &new.body,
        &[("legal_name", "Riley Moss"), ("email", "riley@example.org")],
    );
    let client_path = location(&created).to_owned();
    let detail = owner.get(&client_path);
    let invited = owner.post(&format!("{client_path}/invite"), &detail.body, &[]);
    let invite = invite_link_path(&invited.body);
    let mut client = Visitor::new(&server);
    let form = client.get(&invite);
    client.post(
        &invite,
        &form.body,
        &[
            ("password", "moss on the north side"),
            ("confirm", "moss on the north side"),
        ],
    );
    assert_eq!(
        client.get("/home").status,
        200,
        "codes are optional at first"
    );

    let detail = owner.get(&client_path);
    let required = owner.post(&format!("{client_path}/require-mfa"), &detail.body, &[]);
    assert_eq!(required.status, 200, "{}", required.body);
    assert_eq!(
        client.get("/home").status,
        303,
        "the client's sessions ended"
    );
    let mut again = Visitor::new(&server);
    let page = again.get("/");
    let r = again.post(
        "/signin",
        &page.body,
        &[
            ("email", "riley@example.org"),
            ("password", "moss on the north side"),
        ],
    );
    assert_eq!(location(&r), "/mfa/setup");
    assert_eq!(
        again.get("/home").status,
        303,
        "nothing else until codes are set up"
    );
}
