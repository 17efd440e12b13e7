//! Secure form links over HTTPS: a public intake without an account, a client's consent
//! form driving their preferences, checks that keep what was typed, links that are used,
//! withdrawn or unknown, 50 concurrent answers to a single-use link, appointments on the
//! client's home, and nothing readable in the database file or the logs.

use crate::canary::{assert_absent, database_file, logs};
use crate::visitor::{client_with_portal, form_id, href_with, location, shown_link, Visitor};
use crate::world::{start_thread, World};

const REASON_CANARY: &str = "CANARY-intake-reason-6d2e-grief";

fn fill(v: &mut Visitor<'_>, path: &str, answers: &[(&str, &str)]) -> crate::kit::Reply {
    let form = v.get(path);
    assert_eq!(form.status, 200, "{}", form.body);
    v.post(path, &form.body, answers)
}

#[test]
fn public_intake_and_a_clients_consent_form_work_without_an_account() {
    let world = World::start();
    let (server, data) = (&world.server, &world.data);
    let mut owner = world.owner();

    // A public intake link, filled by someone with no account.
    let intake = form_id(&mut owner, "Intake");
    let page = owner.get(&format!("/forms/{intake}"));
    let made = owner.post(&format!("/forms/{intake}/public-link"), &page.body, &[]);
    assert_eq!(made.status, 200);
    let link = shown_link(&made.body);
    let token = link.trim_start_matches("/f/").to_owned();
    let mut stranger = Visitor::new(server);
    // Wrong values first: each is named, and everything typed stays.
    let bad = fill(
        &mut stranger,
        &link,
        &[
            ("legal_name", "Riley Stone"),
            ("email", "riley@"),
            ("date_of_birth", "31/12/1990"),
            ("reason", REASON_CANARY),
        ],
    );
    assert_eq!(bad.status, 400);
    for kept in ["Riley Stone", "riley@", "31/12/1990", REASON_CANARY] {
        assert!(bad.body.contains(kept), "{kept} kept");
    }
    for why in [
        "email address like",
        "YYYY-MM-DD",
        "Please choose an answer.",
        "Please fill this in.",
    ] {
        assert!(bad.body.contains(why), "{why}");
    }
    let good = stranger.post(
        &link,
        &bad.body,
        &[
            ("legal_name", "Riley Stone"),
            ("email", "riley@example.org"),
            ("date_of_birth", "1990-12-31"),
            ("emergency_contact", "Sam Stone 555 010 2000"),
            ("reason", REASON_CANARY),
            ("prior_therapy", "No"),
        ],
    );
    assert_eq!(good.status, 200, "{}", good.body);
    assert!(good.body.contains("your form was received"));
    let again = stranger.get(&link);
    assert_eq!(again.status, 404);
    assert!(again.body.contains("already sent") && !again.body.contains("Riley"));

    // It created a client for the practice to review, with the answers in the chart.
    let clients = owner.get("/clients").body;
    let at = clients.find("Riley Stone").expect("a new client");
    let href = clients[..at].rfind("/clients/").unwrap();
    let client_path = clients[href..href + "/clients/".len() + 32].to_owned();
    let chart = owner.get(&client_path).body;
    assert!(chart.contains("New intake") && chart.contains("Intake"));
    let view = owner.get(&href_with(&chart, "/submissions/"));
    assert!(view.body.contains(REASON_CANARY) && view.body.contains("version 1"));
    assert!(view.body.contains("SHA-256"));
    let accepted = owner.post(&format!("{client_path}/accept-intake"), &chart, &[]);
    assert_eq!(accepted.status, 303);
    assert!(!owner.get(&client_path).body.contains("Accept this intake"));

    // A client's consent form: their choices become their communication preferences.
    let (client_id, mut client) =
        client_with_portal(&mut owner, server, "Jamie Cole", "jamie@example.org");
    let consent = form_id(
        &mut owner,
        "Consent for Electronic Communication &amp; Communication Preferences",
    );
    let new_link = owner.get(&format!("/clients/{client_id}/form-links/new"));
    let made = owner.post(
        &format!("/clients/{client_id}/form-links"),
        &new_link.body,
        &[("form", &consent), ("single_use", "yes")],
    );
    assert_eq!(made.status, 200, "{}", made.body);
    let consent_link = shown_link(&made.body);
    let mut phone = Visitor::new(server);
    let form = phone.get(&consent_link);
    assert!(
        form.body.contains("Email is not a safe place"),
        "the email-risk notice"
    );
    let signed = phone.post(
        &consent_link,
        &form.body,
        &[
            ("channels", "Secure portal messages"),
            ("channels", "Phone calls and voicemail"),
            ("email_risk", "yes"),
            ("signature", "Jamie Cole"),
        ],
    );
    assert_eq!(signed.status, 200, "{}", signed.body);
    let chart = owner.get(&format!("/clients/{client_id}")).body;
    assert!(chart.contains("Communication preferences"));
    assert!(
        chart.contains("Email alerts: off"),
        "email alerts follow the consent"
    );
    assert!(owner.get("/").status == 303);

    // An appointment shows on the client's home.
    let form = owner.get(&format!("/clients/{client_id}/appointments/new"));
    let added = owner.post(
        &format!("/clients/{client_id}/appointments"),
        &form.body,
        &[
            ("date", "2099-03-04"),
            ("time", "14:30"),
            ("minutes", "50"),
            ("setting", "telehealth"),
            ("note", "Video link in the portal"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let home = client.get("/home").body;
    assert!(
        home.contains("Upcoming appointments") && home.contains("Telehealth"),
        "{home}"
    );

    // Withdrawn and unknown links say so, naming nobody.
    let new_link = owner.get(&format!("/clients/{client_id}/form-links/new"));
    let made = owner.post(
        &format!("/clients/{client_id}/form-links"),
        &new_link.body,
        &[("form", &consent), ("single_use", "yes")],
    );
    let withdrawn = shown_link(&made.body);
    let chart = owner.get(&format!("/clients/{client_id}")).body;
    let revoke_at = chart.find("\"/form-links/").unwrap() + 1;
    let revoke = chart[revoke_at..revoke_at + chart[revoke_at..].find('"').unwrap()].to_owned();
    assert_eq!(owner.post(&revoke, &chart, &[]).status, 303);
    let page = Visitor::new(server).get(&withdrawn);
    assert!(page.status == 404 && page.body.contains("withdrawn") && !page.body.contains("Jamie"));
    let page = Visitor::new(server).get("/f/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert!(page.status == 404 && page.body.contains("does not work"));

    assert_absent("the logs", logs(server).as_bytes(), &[&token]);
    server.halt();
    assert_absent(
        "the database file",
        &database_file(data),
        &[REASON_CANARY, "Riley Stone"],
    );
}

#[test]
fn of_50_concurrent_answers_to_a_single_use_link_exactly_one_is_accepted() {
    let world = World::builder()
        .client("Pat Lane", "pat@example.org")
        .start();
    let server = &world.server;
    let mut owner = world.owner();
    let client_id = world.client_id("Pat Lane");
    let release = form_id(&mut owner, "Release of Information");
    let new_link = owner.get(&format!("/clients/{client_id}/form-links/new"));
    let made = owner.post(
        &format!("/clients/{client_id}/form-links"),
        &new_link.body,
        &[("form", &release), ("single_use", "yes")],
    );
    let link = shown_link(&made.body);
    // Everyone opens the form first, then all send at once.
    let mut visitors: Vec<(Visitor<'_>, String)> = (0..50)
        .map(|_| {
            let mut v = Visitor::new(server);
            let page = v.get(&link).body;
            (v, page)
        })
        .collect();
    let start = std::sync::Barrier::new(50);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = visitors
            .iter_mut()
            .map(|(v, page)| {
                let (start, link) = (&start, &link);
                scope.spawn(move || {
                    start.wait();
                    v.post(
                        link,
                        page,
                        &[
                            ("recipient", "Dr. Lee"),
                            ("recipient_contact", "clinic@example.org"),
                            ("scope", "Dates of attendance"),
                            ("purpose", "Insurance"),
                            ("until", "2030-01-01"),
                            ("revocable", "yes"),
                            ("signature", "Pat Lane"),
                        ],
                    )
                    .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 404).count(),
        49,
        "{statuses:?}"
    );
    let chart = owner.get(&format!("/clients/{client_id}")).body;
    assert_eq!(
        chart.matches("/submissions/").count(),
        1,
        "one submission stored"
    );
    let _ = location;
}

#[test]
fn a_form_can_ask_for_a_file_which_the_practice_downloads_unchanged() {
    let world = World::builder()
        .client("Kim Ray", "kim@example.org")
        .start();
    let (server, data) = (&world.server, &world.data);
    let mut owner = world.owner();
    let client_id = world.client_id("Kim Ray");

    // The builder: a new form with a text question and a file question.
    let new = owner.get("/forms/new");
    let made = owner.post(
        "/forms",
        &new.body,
        &[("name", "Insurance card"), ("intro", "")],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let form_path = location(&made).to_owned();
    for (label, kind) in [
        ("Insurer", "short_text"),
        ("Photo or scan of the card", "file"),
    ] {
        let page = owner.get(&format!("{form_path}/fields/new"));
        let added = owner.post(
            &format!("{form_path}/fields"),
            &page.body,
            &[
                ("label", label),
                ("kind", kind),
                ("required", "yes"),
                ("help", ""),
                ("options", ""),
            ],
        );
        assert_eq!(added.status, 303, "{}", added.body);
    }
    let page = owner.get(&format!("{form_path}/fields/new"));
    let second = owner.post(
        &format!("{form_path}/fields"),
        &page.body,
        &[
            ("label", "Another"),
            ("kind", "file"),
            ("required", "no"),
            ("help", ""),
            ("options", ""),
        ],
    );
    assert!(
        second.status == 400 && second.body.contains("one file"),
        "one file per form"
    );
    let form = form_path.trim_start_matches("/forms/").to_owned();
    let new_link = owner.get(&format!("/clients/{client_id}/form-links/new"));
    let made = owner.post(
        &format!("/clients/{client_id}/form-links"),
        &new_link.body,
        &[("form", &form), ("single_use", "yes")],
    );
    let link = shown_link(&made.body);

    let mut phone = Visitor::new(server);
    let page = phone.get(&link);
    assert!(page.body.contains("multipart/form-data") && page.body.contains("type=\"file\""));
    let refused = phone.post_multipart(
        &link,
        &page.body,
        &[("q1", "CANARY-insurer-51a")],
        Some(("card.pdf", b"MZ not a pdf")),
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("its contents are not")
            && refused.body.contains("CANARY-insurer-51a")
    );
    let card = b"%PDF-1.4\nCANARY-card-bytes-88e0\n%%EOF\n".to_vec();
    let sent = phone.post_multipart(
        &link,
        &page.body,
        &[("q1", "Blue Shield")],
        Some(("card.pdf", &card)),
    );
    assert_eq!(sent.status, 200, "{}", sent.body);

    let chart = owner.get(&format!("/clients/{client_id}")).body;
    let view = owner.get(&href_with(&chart, "/submissions/")).body;
    assert!(
        view.contains("Blue Shield") && view.contains("Download card.pdf"),
        "{view}"
    );
    let file_link = href_with(&view, "/files/");
    let got = owner.get(&file_link);
    assert!(got.status == 200 && got.bytes == card);
    // Only through its submission: not as if it were a message's file.
    let file_id = file_link.rsplit('/').next().unwrap();
    let sideways = format!("/messages/{}/files/{file_id}", "0".repeat(32));
    assert_eq!(owner.get(&sideways).status, 404);
    server.halt();
    assert_absent(
        "the database file",
        &database_file(data),
        &["CANARY-card-bytes-88e0"],
    );
}

#[test]
fn long_answers_and_notes_with_accents_are_accepted() {
    let world = World::start();
    let server = &world.server;
    let mut owner = world.owner();
    let intake = form_id(&mut owner, "Intake");
    let page = owner.get(&format!("/forms/{intake}"));
    let made = owner.post(&format!("/forms/{intake}/public-link"), &page.body, &[]);
    let link = shown_link(&made.body);
    // 9 000 characters that take 6 bytes each once form-encoded.
    let long = "é".repeat(9_000);
    let sent = fill(
        &mut Visitor::new(server),
        &link,
        &[
            ("legal_name", "Noor Haddad"),
            ("email", "noor@example.org"),
            ("date_of_birth", "1985-05-05"),
            ("emergency_contact", "Sami 555 010 2000"),
            ("reason", &long),
            ("medications", &long),
            ("prior_therapy", "No"),
        ],
    );
    assert_eq!(sent.status, 200, "{}", sent.body);

    let (client_id, _c) = client_with_portal(&mut owner, server, "Noa Fox", "noa@example.org");
    let thread = start_thread(&mut owner, &client_id, "Plan", "Hello");
    let page = owner.get(&thread);
    let noted = owner.post(
        &format!("{thread}/note"),
        &page.body,
        &[("note", &"ü".repeat(15_000))],
    );
    assert_eq!(noted.status, 303, "{}", noted.body);
}
