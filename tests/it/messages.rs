//! Messaging over HTTPS: the practice writes, the client reads (a receipt appears), the
//! client answers, internal notes stay inside the practice, and nothing readable reaches
//! the database file.

use crate::canary::{assert_absent, database_file};
use crate::visitor::location;
use crate::world::World;

const MESSAGE_CANARY: &str = "CANARY-msg-7c1e-insomnia-since-spring";
const NOTE_CANARY: &str = "CANARY-note-93ab-consider-referral";
const REPLY_CANARY: &str = "CANARY-reply-51d0-thank-you";

#[test]
fn practice_writes_client_reads_and_answers_with_receipts_and_private_notes() {
    // A client with portal access.
    let world = World::builder()
        .client("Jordan Ellis", "jo@example.org")
        .start();
    let mut owner = world.owner();
    let (client_id, mut client) = world.client("Jordan Ellis");

    // The practice starts a conversation.
    let compose = owner.get("/messages/new");
    assert!(
        compose.body.contains("Jordan Ellis"),
        "the client is offered as recipient"
    );
    let started = owner.post(
        "/messages",
        &compose.body,
        &[
            ("client", &client_id),
            ("subject", "Next steps"),
            ("body", MESSAGE_CANARY),
        ],
    );
    assert_eq!(started.status, 303, "{}", started.body);
    let thread = location(&started).to_owned();
    let page = owner.get(&thread);
    assert!(page.body.contains(MESSAGE_CANARY));
    assert!(
        !page.body.contains("Seen "),
        "no receipt before the client reads"
    );

    // An internal note the client must never see.
    let noted = owner.post(
        &format!("{thread}/note"),
        &page.body,
        &[("note", NOTE_CANARY)],
    );
    assert_eq!(noted.status, 303);

    // The client sees one new message, reads it, and answers.
    let inbox = client.get("/messages");
    assert!(
        inbox.body.contains("Next steps") && inbox.body.contains("1 new"),
        "{}",
        inbox.body
    );
    let read = client.get(&thread);
    assert_eq!(read.status, 200);
    assert!(read.body.contains(MESSAGE_CANARY));
    assert!(
        !read.body.contains(NOTE_CANARY),
        "internal notes stay inside the practice"
    );
    assert!(!read.body.contains("Internal note"));
    let empty = client.post(&thread, &read.body, &[("body", "   ")]);
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Please write a message."));
    let answered = client.post(&thread, &read.body, &[("body", REPLY_CANARY)]);
    assert_eq!(answered.status, 303);

    // The practice sees the receipt and the new answer, unread first.
    let inbox = owner.get("/messages");
    assert!(inbox.body.contains("1 new"), "{}", inbox.body);
    let view = owner.get(&thread);
    assert!(view.body.contains(REPLY_CANARY));
    assert!(view.body.contains(NOTE_CANARY));
    // The client has read the practice's message (their reply proves it): receipt shown.
    let first_view = view.body.clone();
    assert!(
        first_view.contains("Seen "),
        "receipt for the practice: {first_view}"
    );
    let again = client.get(&thread);
    assert!(
        again.body.contains("Seen "),
        "receipt for the client: the practice read the answer"
    );
    // Practice message, the client's answer, and one automatic reply with the crisis notice.
    assert_eq!(
        again.body.matches("class=\"message-body\"").count(),
        3,
        "no empty message was stored"
    );
    assert_eq!(again.body.matches("call or text 988").count(), 1);
    let second = client.post(&thread, &again.body, &[("body", "One more thing.")]);
    assert_eq!(second.status, 303);
    let later = client.get(&thread);
    assert_eq!(
        later.body.matches("call or text 988").count(),
        1,
        "at most once per 12 hours"
    );

    // Closing keeps everything and stops replies.
    let closed = owner.post(&format!("{thread}/close"), &view.body, &[]);
    assert_eq!(closed.status, 303);
    let after = client.get(&thread);
    assert!(after.body.contains("This conversation is closed"));
    assert!(!after.body.contains(">Reply<"));
    assert!(after.body.contains(MESSAGE_CANARY) && after.body.contains(REPLY_CANARY));

    world.server.halt();
    assert_absent(
        "the raw database file",
        &database_file(&world.data),
        &[
            MESSAGE_CANARY,
            NOTE_CANARY,
            REPLY_CANARY,
            "Next steps",
            "Jordan Ellis",
        ],
    );
}

#[test]
fn templates_ship_with_defaults_and_fill_in_the_client_and_practice() {
    let world = World::start();
    let mut owner = world.owner();
    let list = owner.get("/settings/templates");
    assert_eq!(list.status, 200);
    for name in [
        "Appointment reminder",
        "Cancellation confirmation",
        "Intake instructions",
        "Please use the portal, not email",
    ] {
        assert!(list.body.contains(name), "{name}");
    }
    let form = owner.get("/settings/templates/new");
    let bad = owner.post(
        "/settings/templates",
        &form.body,
        &[("name", ""), ("body", "x")],
    );
    assert_eq!(bad.status, 400);
    let added = owner.post(
        "/settings/templates",
        &form.body,
        &[
            ("name", "Check-in"),
            (
                "body",
                "Hi {client_first_name}, how are you? — {practice_name}",
            ),
        ],
    );
    assert_eq!(location(&added), "/settings/templates");

    let new = owner.get("/clients/new");
    let created = owner.post(
        "/clients",
        &new.body,
        &[
            ("legal_name", "Jordan Ellis"),
            ("preferred_name", "Jo"),
            ("email", "jo@example.org"),
        ],
    );
    let client_page = owner.get(location(&created));
    let start = client_page
        .body
        .split("href=\"")
        .find(|s| s.contains("template=") && s.contains("Check-in"))
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
        .expect("a link that starts from the template");
    let compose = owner.get(&start);
    assert_eq!(compose.status, 200);
    assert!(
        compose
            .body
            .contains("Hi Jo, how are you? — Riverside Counselling"),
        "{}",
        compose.body
    );
    assert!(
        compose.body.contains("value=\"Check-in\""),
        "subject prefilled"
    );

    let list = owner.get("/settings/templates");
    let remove = list
        .body
        .split("action=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|a| a.ends_with("/delete"))
        .unwrap()
        .to_owned();
    assert_eq!(owner.post(&remove, &list.body, &[]).status, 303);
    let after = owner.get("/settings/templates");
    assert_eq!(
        after.body.matches("/delete").count(),
        list.body.matches("/delete").count() - 1
    );
}
