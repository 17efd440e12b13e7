//! Conversation rules the client relies on: a closed conversation takes no reply (whatever
//! the client posts), and the practice's internal notes leave no trace of their timing on
//! the client's side.

use crate::browser_kit::{client_with_portal, location, set_up_owner, Visitor};
use crate::kit::Server;

const LATE: &str = "LATE-reply-2c7e-after-close";
const CRAFTED: &str = "CRAFTED-reply-b41a-no-form";

pub fn start_thread(owner: &mut Visitor<'_>, client_id: &str, subject: &str, body: &str) -> String {
    let compose = owner.get("/messages/new");
    let started = owner.post(
        "/messages",
        &compose.body,
        &[("client", client_id), ("subject", subject), ("body", body)],
    );
    assert_eq!(started.status, 303, "{}", started.body);
    location(&started).to_owned()
}

fn toggle_closed(owner: &mut Visitor<'_>, thread: &str) {
    let view = owner.get(thread);
    let r = owner.post(&format!("{thread}/close"), &view.body, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn reply_into_a_closed_conversation_is_refused_until_the_practice_reopens_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut owner = set_up_owner(&server).visitor;
    let (client_id, mut client) =
        client_with_portal(&mut owner, &server, "Jordan Ellis", "jo@example.org");
    let thread = start_thread(
        &mut owner,
        &client_id,
        "Scheduling",
        "Shall we meet Monday?",
    );

    // The client opened the conversation (with its reply form) before the practice closed it.
    let open_page = client.get(&thread);
    assert!(open_page.body.contains(&format!("action=\"{thread}\"")));
    toggle_closed(&mut owner, &thread);

    let refused = client.post(&thread, &open_page.body, &[("body", LATE)]);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("This conversation is closed, so your reply was not sent."),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(LATE), "the typed text is kept");
    assert!(
        refused.body.contains("action=\"/messages\"") && refused.body.contains("Re: Scheduling"),
        "offered as a new conversation"
    );
    // A reply posted from the closed page, which shows no reply form, with its form token.
    let closed_page = client.get(&thread);
    assert!(!closed_page.body.contains(&format!("action=\"{thread}\"")));
    let crafted = client.post(&thread, &closed_page.body, &[("body", CRAFTED)]);
    assert_eq!(crafted.status, 409, "{}", crafted.body);
    for who in [&mut client, &mut owner] {
        let view = who.get(&thread);
        assert!(
            !view.body.contains(LATE) && !view.body.contains(CRAFTED),
            "nothing stored"
        );
    }

    // The practice reopens: the same reply goes through.
    toggle_closed(&mut owner, &thread);
    let page = client.get(&thread);
    let sent = client.post(&thread, &page.body, &[("body", LATE)]);
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(owner.get(&thread).body.contains(LATE));
}

/// The client's list of conversations, as shown (subjects, unread counts, times, order).
fn client_inbox_table(client: &mut Visitor<'_>) -> String {
    let inbox = client.get("/messages");
    assert_eq!(inbox.status, 200);
    let start = inbox.body.find("<table").expect("a table of conversations");
    let end = inbox.body[start..].find("</table>").unwrap() + start;
    inbox.body[start..end].to_owned()
}

#[test]
fn internal_note_leaves_the_clients_conversation_times_and_order_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut owner = set_up_owner(&server).visitor;
    let (client_id, mut client) =
        client_with_portal(&mut owner, &server, "Jordan Ellis", "jo@example.org");
    let alpha = start_thread(&mut owner, &client_id, "Alpha topic", "First things first.");
    start_thread(&mut owner, &client_id, "Bravo topic", "And another thing.");
    let before = client_inbox_table(&mut client);
    let at = |table: &str, subject: &str| table.find(subject).unwrap();
    assert!(
        at(&before, "Bravo topic") < at(&before, "Alpha topic"),
        "latest first: {before}"
    );

    // The practice writes an internal note in the older conversation.
    let view = owner.get(&alpha);
    let noted = owner.post(
        &format!("{alpha}/note"),
        &view.body,
        &[("note", "Internal: consider a referral.")],
    );
    assert_eq!(noted.status, 303, "{}", noted.body);
    assert!(owner.get(&alpha).body.contains("consider a referral"));

    let after = client_inbox_table(&mut client);
    assert_eq!(
        before, after,
        "the client's list (times, order, unread) shows no trace of the note"
    );
}
