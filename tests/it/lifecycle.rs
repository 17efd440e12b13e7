//! Account lifecycle attacks against the real binary: invited → active → reset → switched
//! off. Each test performs what an attacker (or an unlucky moment) would, and checks what
//! they observe.

use crate::kit::Server;
use crate::visitor::{
    client_with_portal, code_after, invite_path_in, location, send_form_link, sign_in, totp_next,
    totp_now, Visitor, OWNER_EMAIL, OWNER_PASSWORD,
};
use crate::world::World;

const CLIENT_PASSWORD: &str = crate::visitor::PASSWORD;
const CONSENT: &str = "Consent for Electronic Communication &amp; Communication Preferences";

/// Signs in with a password only (clients without codes); the final reply.
/// A client added by the owner and invited (never activated): id and invitation path.
fn invited_client(owner: &mut Visitor<'_>, name: &str, email: &str) -> (String, String) {
    let new = owner.get("/clients/new");
    let created = owner.post(
        "/clients",
        &new.body,
        &[("legal_name", name), ("email", email)],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let path = location(&created).to_owned();
    let detail = owner.get(&path);
    let invited = owner.post(&format!("{path}/invite"), &detail.body, &[]);
    let id = path.trim_start_matches("/clients/").to_owned();
    (id, invite_path_in(&invited.body))
}

fn password_only<'a>(
    server: &'a Server,
    email: &str,
    password: &str,
) -> (Visitor<'a>, u16, String) {
    let mut v = Visitor::new(server);
    let page = v.get("/");
    let r = v.post(
        "/signin",
        &page.body,
        &[("email", email), ("password", password)],
    );
    (v, r.status, r.body)
}

#[test]
fn staff_cannot_reinvite_an_active_client() {
    let world = World::builder()
        .client("Casey Canary", "casey@example.org")
        .staff("Sam Staff", "sam@example.org")
        .start();
    let server = &world.server;
    let mut owner = world.owner();
    let (id, mut client) = world.client("Casey Canary");
    let mut staff = world.visitor("Sam Staff");

    let page = staff.get(&format!("/clients/{id}"));
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains(&format!("/clients/{id}/invite\"")),
        "no invitation button for an active client"
    );
    for who in [&mut staff, &mut owner] {
        let page = who.get(&format!("/clients/{id}"));
        let r = who.post(&format!("/clients/{id}/invite"), &page.body, &[]);
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(!r.body.contains("/invite/"), "no invitation link is made");
        assert!(r.body.contains("already uses the portal"), "{}", r.body);
    }
    // Both refusals are in the audit log (the event is written with the refusal, not
    // thrown away with it).
    let audit = owner.get("/audit").body;
    let refused = audit
        .split("<tr")
        .filter(|row| row.contains("client.invite") && row.contains("denied"))
        .count();
    assert_eq!(refused, 2, "each refused invitation is audited");
    // The client is untouched: still signed in, and their password still works.
    assert_eq!(client.get("/home").status, 200);
    let (_, status, _) = password_only(server, "casey@example.org", CLIENT_PASSWORD);
    assert_eq!(status, 303);
    // Staff may never issue a reset link either.
    let r = staff.post(&format!("/accounts/{id}/reset-password"), &page.body, &[]);
    assert_eq!(r.status, 403);
}

#[test]
fn of_20_concurrent_acceptances_of_one_invitation_exactly_one_signs_in() {
    let world = World::start();
    let server = &world.server;
    let mut owner = world.owner();
    let (_, invite) = invited_client(&mut owner, "Robin Race", "robin@example.org");
    let mut visitors: Vec<(Visitor<'_>, String)> = (0..20)
        .map(|i| {
            let mut v = Visitor::new(server);
            let form = v.get(&invite).body;
            assert!(form.contains("password"), "visitor {i} sees the form");
            (v, form)
        })
        .collect();
    let accepted: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = visitors
            .iter_mut()
            .enumerate()
            .map(|(i, (v, form))| {
                let invite = invite.clone();
                scope.spawn(move || {
                    let password = format!("a long password number {i}");
                    let mut v = v.on_new_connection();
                    let r = v.post(
                        &invite,
                        form,
                        &[("password", &password), ("confirm", &password)],
                    );
                    usize::from(r.status == 303 && v.get("/home").status == 200)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(accepted, 1, "an invitation works exactly once");
}

#[test]
fn owner_reset_link_keeps_sign_in_codes_ends_sessions_and_names_who_issued_it() {
    let world = World::builder()
        .client("Morgan Reset", "morgan@example.org")
        .start();
    let server = &world.server;
    let mut owner = world.owner();
    let (id, mut client) = world.client("Morgan Reset");
    // The client turns sign-in codes on.
    let enroll = client.get("/mfa/setup");
    let secret = code_after(&enroll.body, "type this key").expect("secret");
    let done = client.post("/mfa/setup", &enroll.body, &[("code", &totp_now(&secret))]);
    assert_eq!(done.status, 200, "{}", done.body);

    let page = owner.get(&format!("/clients/{id}"));
    assert!(
        page.body.contains("Send a password-reset link"),
        "{}",
        page.body
    );
    let made = owner.post(&format!("/accounts/{id}/reset-password"), &page.body, &[]);
    assert_eq!(made.status, 200, "{}", made.body);
    let reset = invite_path_in(&made.body);

    let mut visitor = Visitor::new(server);
    let form = visitor.get(&reset);
    assert_eq!(form.status, 200);
    let used = visitor.post(
        &reset,
        &form.body,
        &[
            ("password", "a brand new long password"),
            ("confirm", "a brand new long password"),
        ],
    );
    assert_eq!(used.status, 303, "{}", used.body);
    // The codes are kept: the reset link alone does not sign anyone in.
    assert_eq!(visitor.get("/home").status, 303, "a code is still needed");
    assert_eq!(
        client.get("/home").status,
        303,
        "the client's old session ended"
    );
    assert_eq!(
        Visitor::new(server).get(&reset).status,
        404,
        "the link works once"
    );

    let mut again = Visitor::new(server);
    let old = sign_in(
        &mut again,
        "morgan@example.org",
        CLIENT_PASSWORD,
        &totp_next(&secret),
    );
    assert_eq!(old.status, 401, "the old password is gone");
    let mut fresh = Visitor::new(server);
    let new = sign_in(
        &mut fresh,
        "morgan@example.org",
        "a brand new long password",
        &totp_next(&secret),
    );
    assert_eq!(new.status, 303, "{}", new.body);
    assert_eq!(fresh.get("/home").status, 200);

    let audit = owner.get("/audit").body;
    assert!(audit.contains("password.reset_link"), "issuing is audited");
    let owner_id = audit
        .split("account:")
        .nth(1)
        .map(|s| {
            s.chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect::<String>()
        })
        .unwrap();
    assert!(
        audit.contains(&format!("issued_by:account:{owner_id}")),
        "using the link names who issued it"
    );
}

#[test]
fn switching_off_while_thirty_sign_ins_are_in_flight_keeps_the_account_off() {
    let world = World::builder()
        .client("Alex Inflight", "alex@example.org")
        .start();
    let server = &world.server;
    let mut owner = world.owner();
    let id = world.client_id("Alex Inflight");
    let visitors: Vec<(Visitor<'_>, String)> = (0..30)
        .map(|_| {
            let mut v = Visitor::new(server);
            let page = v.get("/").body;
            (v, page)
        })
        .collect();
    let page = owner.get(&format!("/clients/{id}"));
    let mut signed: Vec<Visitor<'_>> = std::thread::scope(|scope| {
        let handles: Vec<_> = visitors
            .iter()
            .map(|(v, page)| {
                scope.spawn(move || {
                    let mut v = v.on_new_connection();
                    let status = v
                        .post(
                            "/signin",
                            page,
                            &[("email", "alex@example.org"), ("password", CLIENT_PASSWORD)],
                        )
                        .status;
                    assert!([303, 401, 429].contains(&status), "{status}");
                    v
                })
            })
            .collect();
        // Switch the client off while the passwords are being checked.
        std::thread::sleep(std::time::Duration::from_millis(30));
        let off = owner.post(&format!("/accounts/{id}/disable"), &page.body, &[]);
        assert_eq!(off.status, 303, "{}", off.body);
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for v in &mut signed {
        assert_eq!(
            v.get("/home").status,
            303,
            "no session of a switched-off account works"
        );
    }
    let chart = owner.get(&format!("/clients/{id}")).body;
    assert!(chart.contains("Switched off"), "the switch-off stays");
    let (_, status, body) = password_only(server, "alex@example.org", CLIENT_PASSWORD);
    // Either the switch-off is named, or the address is paused (the refused right
    // passwords above stay counted as guesses): never a session.
    assert!(
        (status == 401 && body.contains("switched off"))
            || (status == 429 && body.contains("paused")),
        "the right password meets a switched-off account: {status}"
    );
}

#[test]
fn two_submissions_of_one_valid_code_sign_in_once() {
    let world = World::start();
    let server = &world.server;
    let mut first = Visitor::new(server);
    let page = first.get("/");
    let r = first.post(
        "/signin",
        &page.body,
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    assert_eq!(location(&r), "/signin/code");
    let code_page = first.get("/signin/code").body;
    let code = totp_next(&world.owner_secret);
    let mut racers: Vec<Visitor<'_>> = (0..20)
        .map(|_| {
            let mut v = Visitor::new(server);
            v.cookies = first.cookies.clone();
            v
        })
        .collect();
    let signed_in: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = racers
            .iter_mut()
            .map(|v| {
                let (code_page, code) = (&code_page, &code);
                scope.spawn(move || {
                    let r = v.post("/signin/code", code_page, &[("code", code)]);
                    usize::from(r.status == 303 && v.get("/home").status == 200)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(signed_in, 1, "one code, one session");
}

#[test]
fn sixty_concurrent_wrong_codes_check_at_most_ten_and_then_the_right_one_waits() {
    let world = World::start();
    let server = &world.server;
    let mut first = Visitor::new(server);
    let page = first.get("/");
    let r = first.post(
        "/signin",
        &page.body,
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    assert_eq!(location(&r), "/signin/code");
    let code_page = first.get("/signin/code").body;
    let right = totp_next(&world.owner_secret);
    // Half a million steps from the right one: not a code of any nearby time step.
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let mut racers: Vec<Visitor<'_>> = (0..60)
        .map(|_| {
            let mut v = Visitor::new(server);
            v.cookies = first.cookies.clone();
            v
        })
        .collect();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = racers
            .iter_mut()
            .map(|v| {
                let (code_page, wrong) = (&code_page, &wrong);
                scope.spawn(move || v.post("/signin/code", code_page, &[("code", wrong)]).status)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Each guess is reserved once before its write, whether or not the write shares a
    // transaction and runs again: the eleventh and later are refused unchecked.
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, locked), (10, 50), "{statuses:?}");
    let r = first.post("/signin/code", &code_page, &[("code", &right)]);
    assert_eq!(r.status, 429, "locked: even the right code waits");
    assert_ne!(first.get("/home").status, 200);
}

#[test]
fn switching_an_account_off_withdraws_its_invitation_and_form_links() {
    let world = World::start();
    let server = &world.server;
    let mut owner = world.owner();
    // A client never activated, with an open invitation and a consent form link.
    let (id, invite) = invited_client(&mut owner, "Jo Pending", "jo@example.org");
    let form_link = send_form_link(&mut owner, &id, CONSENT);
    // An active client with a form link too.
    let (active, _) = client_with_portal(&mut owner, server, "Lee Active", "lee@example.org");
    let active_link = send_form_link(&mut owner, &active, CONSENT);
    let mut opened = Visitor::new(server);
    let form = opened.get(&active_link);
    assert_eq!(form.status, 200, "the link works before the switch-off");

    for client in [&id, &active] {
        let page = owner.get(&format!("/clients/{client}"));
        let off = owner.post(&format!("/accounts/{client}/disable"), &page.body, &[]);
        assert_eq!(off.status, 303, "{}", off.body);
    }
    let mut visitor = Visitor::new(server);
    assert_eq!(
        visitor.get(&invite).status,
        404,
        "the invitation is withdrawn"
    );
    let page = visitor.get(&form_link);
    assert_ne!(page.status, 200, "the form link is withdrawn");
    assert!(page.body.contains("withdrawn"), "{}", page.body);
    assert!(!page.body.contains("Jo Pending"));
    // A page opened before the switch-off cannot be sent afterwards.
    let sent = opened.post(
        &active_link,
        &form.body,
        &[("channels", "portal"), ("signature", "Lee Active")],
    );
    assert_ne!(sent.status, 303, "{}", sent.body);
    assert!(sent.body.contains("withdrawn"), "{}", sent.body);
}

#[test]
fn appointments_and_confirmation_resends_accept_only_clients() {
    let world = World::builder()
        .staff("Sam Staff", "sam@example.org")
        .start();
    let mut owner = world.owner();
    let team = owner.get("/team").body;
    let sam = &team[team.find("Sam Staff").unwrap()..];
    let at = sam.find("/accounts/").unwrap() + "/accounts/".len();
    let staff_id = &sam[at..at + 32];
    let page = owner.get("/clients").body;
    let appointment = owner.post(
        &format!("/clients/{staff_id}/appointments"),
        &page,
        &[
            ("date", "2099-01-05"),
            ("time", "10:00"),
            ("minutes", "50"),
            ("setting", "in_person"),
            ("note", ""),
        ],
    );
    assert_eq!(
        appointment.status, 404,
        "{} {:?}",
        appointment.body, appointment.headers
    );
    let resend = owner.post(&format!("/clients/{staff_id}/confirm-email"), &page, &[]);
    assert_eq!(resend.status, 404, "{}", resend.body);
}
