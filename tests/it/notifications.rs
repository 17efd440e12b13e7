//! PHI-free email alerts against a real SMTP server (aiosmtpd): one alert to a confirmed
//! address, none to an unconfirmed one or after the client declines, no canary in any mail;
//! with the mail server down the message still goes through and the alert follows when
//! it is back, even across a restart.

use std::time::Duration;

use crate::canary::assert_absent;
use crate::kit::Server;
use crate::mail_kit::{
    confirm, confirmation_path, mail_to_owner, mailing_portal, owner_confirmed, plain, smtp_env,
    start, to,
};
use crate::smtp_kit::{aiosmtpd_available, free_port, SmtpSink};
use crate::visitor::{
    client_with_portal, invite_path_in, location, set_up_owner, Visitor, OWNER_EMAIL,
};
use crate::world::{World, WorldBuilder};

const NAME_CANARY: &str = "Canaryname Quillfeather";
const SUBJECT_CANARY: &str = "CANARY-subject-5e1a";
const BODY_CANARY: &str = "CANARY-body-77c2-relapse";
const FILE_CANARY: &str = "CANARY-filename-0d9b";
const PRACTICE_NAME: &str = "Riverside Counselling";

/// A test world whose server sends mail to the sink on `port`.
fn world_mailing_to(port: u16) -> WorldBuilder {
    smtp_env(port)
        .iter()
        .fold(World::builder(), |world, (k, v)| world.env(k, v))
}

fn alerts_to(sink: &SmtpSink, address: &str) -> usize {
    sink.messages()
        .iter()
        .filter(|m| to(m, address) && plain(m).contains("new secure message"))
        .count()
}

fn write(owner: &mut Visitor<'_>, client_id: &str) -> String {
    let compose = owner.get("/messages/new");
    let sent = owner.post_multipart(
        "/messages",
        &compose.body,
        &[
            ("client", client_id),
            ("subject", SUBJECT_CANARY),
            ("body", BODY_CANARY),
        ],
        Some((&format!("{FILE_CANARY}.txt"), b"worksheet\n")),
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    location(&sent).to_owned()
}

#[test]
fn one_phi_free_alert_to_a_confirmed_address_and_none_otherwise() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, dir.path());
    let world = world_mailing_to(port)
        .client(NAME_CANARY, "a@example.org")
        .client("Bea Unconfirmed", "b@example.org")
        .client("Cy Declines", "c@example.org")
        .start();
    let mut owner = world.owner();
    let owner_link = confirmation_path(&sink, OWNER_EMAIL);
    confirm(&mut world.anonymous(), &owner_link);

    let (a_id, mut a) = world.client(NAME_CANARY);
    let (b_id, mut b) = world.client("Bea Unconfirmed");
    let (c_id, mut c) = world.client("Cy Declines");
    confirm(&mut a, &confirmation_path(&sink, "a@example.org"));
    confirm(&mut c, &confirmation_path(&sink, "c@example.org"));
    let _ = confirmation_path(&sink, "b@example.org"); // sent, never used
                                                       // Client C declines alerts in their own settings.
    let settings = c.get("/settings/email");
    assert!(settings.body.contains("Alerts are on"));
    assert_eq!(c.post("/settings/email", &settings.body, &[]).status, 303);
    assert!(c.get("/settings/email").body.contains("Alerts are off"));

    // C and B first, A last: once A's alert is in, any for B or C would be too.
    write(&mut owner, &c_id);
    write(&mut owner, &b_id);
    let thread_a = write(&mut owner, &a_id);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while alerts_to(&sink, "a@example.org") == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(alerts_to(&sink, "a@example.org"), 1, "exactly one alert");
    assert_eq!(alerts_to(&sink, "b@example.org"), 0, "unconfirmed: none");
    assert_eq!(alerts_to(&sink, "c@example.org"), 0, "declined: none");
    assert!(
        b.get("/messages").body.contains(SUBJECT_CANARY),
        "B still has the message"
    );

    // The client answers; the owner (confirmed) is told the same PHI-free way.
    let page = a.get(&thread_a);
    let answered = a.post_multipart(&thread_a, &page.body, &[("body", BODY_CANARY)], None);
    assert_eq!(answered.status, 303);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while alerts_to(&sink, OWNER_EMAIL) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(alerts_to(&sink, OWNER_EMAIL), 1, "the owner gets one alert");
    // Four confirmations (owner, A, B, C) and two alerts (A, the owner).
    let mails = sink.messages();
    assert_eq!(mails.len(), 6);

    let canaries = [
        NAME_CANARY,
        SUBJECT_CANARY,
        BODY_CANARY,
        FILE_CANARY,
        PRACTICE_NAME,
    ];
    for mail in &mails {
        let text = plain(mail);
        assert_absent(&format!("a mail:\n{text}"), text.as_bytes(), &canaries);
    }
    // Each send and skip is in the audit log.
    let audit = owner.get("/audit").body;
    for event in ["notification.sent", "reason:unconfirmed", "reason:declined"] {
        assert!(audit.contains(event), "{event} is audited");
    }
    let logs = world.server.stderr();
    let token = owner_link.trim_start_matches("/confirm-email/");
    let canaries = [NAME_CANARY, "a@example.org", token];
    assert_absent("the logs", logs.as_bytes(), &canaries);
    drop(b);
    sink.stop();
}

#[test]
fn with_the_mail_server_down_the_message_goes_through_and_the_alert_follows() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let sink = SmtpSink::start(port, &dir.path().join("first"));
    let server = start(&data, port);
    let mut owner = set_up_owner(&server).visitor;
    let (a_id, mut a) = client_with_portal(&mut owner, &server, "Ana Down", "a@example.org");
    confirm(&mut a, &confirmation_path(&sink, "a@example.org"));
    sink.stop();

    // The mail server is gone: the message is still delivered in the portal.
    let thread = write(&mut owner, &a_id);
    assert!(a.get(&thread).body.contains(BODY_CANARY));
    let mut failing = false;
    for _ in 0..100 {
        if owner.get("/home").body.contains("Email alerts are failing") {
            failing = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(failing, "the owner's dashboard shows the failure");

    // A restart while it is down keeps the alert; when the server is back, it goes out.
    server.stop();
    let server = start(&data, port);
    let sink = SmtpSink::start(port, &dir.path().join("second"));
    let mails = sink.wait_for(1, Duration::from_secs(60));
    assert_eq!(alerts_to(&sink, "a@example.org"), 1, "{mails:?}");
    drop(server);
}

#[test]
fn mail_goes_out_over_starttls_to_a_server_with_its_own_certificate_authority() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // aiosmtpd requires STARTTLS before accepting any mail.
    let (sink, cert) = SmtpSink::start_starttls(port, &dir.path().join("smtp"));
    let cert = cert.display().to_string();
    let port_text = port.to_string();
    let server = Server::start_with(
        &dir.path().join("data"),
        &[],
        &[
            ("ALCOVE_SMTP__HOST", "localhost"),
            ("ALCOVE_SMTP__PORT", &port_text),
            ("ALCOVE_SMTP__SECURITY", "starttls"),
            ("ALCOVE_SMTP__CA_FILE", &cert),
            ("ALCOVE_SMTP__FROM", "Portal <portal@example.org>"),
            ("ALCOVE_SMTP__RETRY_SECONDS", "1"),
        ],
    );
    let mut owner = set_up_owner(&server).visitor;
    let link = confirmation_path(&sink, OWNER_EMAIL);
    assert!(link.starts_with("/confirm-email/"));
    confirm(&mut Visitor::new(&server), &link);

    // A public intake answer: the owner is told, PHI-free.
    submit_public_intake(&mut owner, &server);
    let told = plain(
        &mail_to_owner(&sink, "A form was submitted").expect("the owner is told of the form"),
    );
    assert!(!told.contains(NAME_CANARY) && !told.contains(BODY_CANARY) && !told.contains("Intake"));
    assert!(
        sink.messages()
            .iter()
            .any(|m| m.contains("Please confirm your email address")),
        "delivered after STARTTLS (the server takes no mail without it)"
    );
}

#[test]
fn a_failed_backup_shows_on_the_dashboard_and_the_owner_is_emailed() {
    // A folder that cannot exist: the copy there fails.
    let Some((_dir, sink, server)) =
        mailing_portal(&[("ALCOVE_BACKUP__FOLDERS", "[\"/dev/null/alcove\"]")])
    else {
        return;
    };
    let data = server.data_dir.clone();
    let mut owner = owner_confirmed(&server, &sink);

    let out = crate::kit::alcove(&data)
        .args(["backup", "now"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the failed copy fails the command");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/null/alcove"));
    assert!(
        owner.get("/home").body.contains("FAILED"),
        "the dashboard says so"
    );
    assert!(
        mail_to_owner(&sink, "A scheduled task of your portal failed").is_some(),
        "the owner is emailed"
    );
}

/// Opens a public link to the built-in intake form and submits it as a stranger.
fn submit_public_intake(owner: &mut Visitor<'_>, server: &Server) {
    let forms = owner.get("/forms").body;
    let at = forms.find(">Intake<").unwrap();
    let href = forms[..at].rfind("/forms/").unwrap();
    let intake = forms[href..href + "/forms/".len() + 32].to_owned();
    let page = owner.get(&intake);
    let made = owner.post(&format!("{intake}/public-link"), &page.body, &[]);
    let at = made.body.find("/f/").unwrap();
    let form_link = made.body[at..at + made.body[at..].find('<').unwrap()].to_owned();
    let mut stranger = Visitor::new(server);
    let form = stranger.get(&form_link);
    let sent = stranger.post(
        &form_link,
        &form.body,
        &[
            ("legal_name", NAME_CANARY),
            ("email", "new@example.org"),
            ("date_of_birth", "1990-01-01"),
            ("emergency_contact", "Someone 555 010 2000"),
            ("reason", BODY_CANARY),
            ("prior_therapy", "No"),
        ],
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
}

/// The first mail to the owner that contains `text`, waiting up to 10 seconds.
#[test]
fn every_mail_has_a_message_id_of_the_portal_and_no_stray_indentation() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let sink = SmtpSink::start(port, dir.path());
    let mut env = smtp_env(port);
    // A folder that cannot exist: the backup's copy there fails, and the owner is told.
    env.push(("ALCOVE_BACKUP__FOLDERS", "[\"/dev/null/alcove\"]".into()));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start_with(&data, &[], &pairs);
    let mut owner = set_up_owner(&server).visitor;
    confirm(
        &mut Visitor::new(&server),
        &confirmation_path(&sink, OWNER_EMAIL),
    );
    submit_public_intake(&mut owner, &server);
    let failed = crate::kit::alcove(&data)
        .args(["backup", "now"])
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let expected = [
        "Please confirm your email address",
        "A form was submitted",
        "A scheduled task of your secure portal",
    ];
    for text in expected {
        assert!(
            mail_to_owner(&sink, text).is_some(),
            "no mail with {text:?}"
        );
    }

    // The portal is reached at 127.0.0.1: the id's domain is that address, not this
    // computer's name.
    let host = server
        .origin
        .trim_start_matches("https://")
        .split(':')
        .next()
        .unwrap();
    let domain = format!("@[{host}]>");
    let mut ids = Vec::new();
    for mail in sink.messages() {
        let mail = plain(&mail).replace("\r\n", "\n");
        let (head, body) = mail.split_once("\n\n").expect("headers, then a body");
        let id = head
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap_or_else(|| panic!("no Message-ID in:\n{head}"));
        assert!(id.starts_with('<') && id.ends_with(&domain), "{id}");
        assert!(id.len() > 32 + domain.len(), "a random id: {id}");
        ids.push(id.to_owned());
        for line in body.lines() {
            assert!(
                !line.starts_with([' ', '\t']),
                "stray indentation: {line:?}\n{body}"
            );
        }
    }
    let all = ids.len();
    assert!(all >= expected.len(), "{all} mails");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "each id is new");
}

#[test]
fn a_used_reset_link_tells_the_confirmed_address_and_resends_wait_ten_minutes() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = SmtpSink::start(port, dir.path());
    let world = world_mailing_to(port)
        .client(NAME_CANARY, "r@example.org")
        .start();
    let mut owner = world.owner();
    let (id, mut client) = world.client(NAME_CANARY);
    confirm(&mut client, &confirmation_path(&sink, "r@example.org"));

    // Resending the confirmation link: once, then a pause.
    let confirmations = |sink: &SmtpSink| {
        sink.messages()
            .iter()
            .filter(|m| to(m, "r@example.org") && plain(m).contains("/confirm-email/"))
            .count()
    };
    let page = owner.get(&format!("/clients/{id}"));
    let first = owner.post(&format!("/clients/{id}/confirm-email"), &page.body, &[]);
    assert_eq!(first.status, 303, "{}", first.body);
    let second = owner.post(&format!("/clients/{id}/confirm-email"), &page.body, &[]);
    assert_eq!(second.status, 429, "{}", second.body);
    assert!(second.body.contains("wait 10 minutes"), "{}", second.body);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while confirmations(&sink) < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(confirmations(&sink), 2, "the first and one resend, no more");

    let page = owner.get(&format!("/clients/{id}"));
    let made = owner.post(&format!("/accounts/{id}/reset-password"), &page.body, &[]);
    assert_eq!(made.status, 200, "{}", made.body);
    let reset = invite_path_in(&made.body);
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| plain(m).contains("/invite/"))
            .count(),
        0
    );
    let mut v = world.anonymous();
    let form = v.get(&reset);
    let new_password = "a fresh long password";
    let used = v.post(
        &reset,
        &form.body,
        &[("password", new_password), ("confirm", new_password)],
    );
    assert_eq!(used.status, 303, "{}", used.body);
    let notice = |sink: &SmtpSink| {
        sink.messages()
            .into_iter()
            .find(|m| to(m, "r@example.org") && plain(m).contains("password"))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while notice(&sink).is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let mail = plain(&notice(&sink).expect("the client is told the password changed"));
    assert!(mail.contains("was just changed"), "{mail}");
    assert!(!mail.contains(NAME_CANARY), "no name in the notice");
    assert!(
        !mail.contains("/invite/"),
        "the link itself is never mailed"
    );
}
