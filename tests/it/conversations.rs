//! Conversation rules the client relies on: a closed conversation takes no reply (whatever
//! the client posts), and the practice's internal notes leave no trace of their timing on
//! the client's side.

use crate::visitor::{whole_audit_log, Visitor};
use crate::world::World;

const LATE: &str = "LATE-reply-2c7e-after-close";
const CRAFTED: &str = "CRAFTED-reply-b41a-no-form";

fn toggle_closed(owner: &mut Visitor<'_>, thread: &str) {
    let view = owner.get(thread);
    let r = owner.post(&format!("{thread}/close"), &view.body, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn reply_into_a_closed_conversation_is_refused_until_the_practice_reopens_it() {
    let world = World::builder()
        .client("Jordan Ellis", "jo@example.org")
        .thread("Jordan Ellis", "Scheduling", "Shall we meet Monday?")
        .start();
    let mut owner = world.owner();
    let mut client = world.visitor("Jordan Ellis");
    let thread = world.thread("Scheduling");

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
    let world = World::builder()
        .client("Jordan Ellis", "jo@example.org")
        .thread("Jordan Ellis", "Alpha topic", "First things first.")
        .thread("Jordan Ellis", "Bravo topic", "And another thing.")
        .start();
    let mut owner = world.owner();
    let mut client = world.visitor("Jordan Ellis");
    let alpha = world.thread("Alpha topic");
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

#[test]
fn replies_racing_a_close_are_either_refused_or_stored_never_acknowledged_and_lost() {
    let world = World::builder()
        .client("Jordan Ellis", "jo@example.org")
        .thread("Jordan Ellis", "Racing", "Hello.")
        .start();
    let server = &world.server;
    let mut owner = world.owner();
    let mut client = world.visitor("Jordan Ellis");
    let thread = world.thread("Racing");
    let client_id = world.client_id("Jordan Ellis");
    let page = client.get(&thread).body;
    let view = owner.get(&thread).body;
    let cookies = client.cookies.clone();

    const RACERS: usize = 24;
    let start = std::sync::Barrier::new(RACERS + 1);
    let outcomes: Vec<(String, u16)> = std::thread::scope(|scope| {
        let replies: Vec<_> = (0..RACERS)
            .map(|i| {
                let (cookies, page, thread) = (cookies.clone(), &page, &thread);
                let start = &start;
                scope.spawn(move || {
                    let mut v = Visitor::new(server);
                    v.cookies = cookies;
                    v.frozen = true;
                    // Connected and ready before the race starts.
                    assert_eq!(v.get("/healthz").status, 200);
                    start.wait();
                    if i % 2 == 1 {
                        std::thread::sleep(std::time::Duration::from_millis(i as u64));
                    }
                    let text = format!("RACE-{i:02}-reply");
                    let status = v.post(thread, page, &[("body", &text)]).status;
                    (text, status)
                })
            })
            .collect();
        start.wait();
        std::thread::sleep(std::time::Duration::from_millis(8));
        let closed = owner.post(&format!("{thread}/close"), &view, &[]);
        assert_eq!(closed.status, 303);
        replies.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let stored = owner.get(&thread).body;
    let mut refused = 0;
    for (text, status) in &outcomes {
        match status {
            303 => assert!(
                stored.contains(text.as_str()),
                "{text} was acknowledged: kept"
            ),
            409 => {
                refused += 1;
                assert!(
                    !stored.contains(text.as_str()),
                    "{text} was refused: not kept"
                );
            }
            other => panic!("{text}: unexpected status {other}"),
        }
    }
    // In the audit log (newest first), no reply into this conversation follows its close.
    let audit = whole_audit_log(&mut owner, &format!("/audit?client={client_id}"));
    let id = thread.trim_start_matches("/messages/");
    let close_at = audit
        .find("<td>thread.close</td>")
        .expect("the close is audited");
    let after_close = &audit[..close_at];
    assert!(
        !after_close
            .split("<td>message.write</td>")
            .skip(1)
            .any(|rest| rest.split("</td>").next().unwrap_or("").contains(id)),
        "a reply was stored after the conversation was closed"
    );
    let written = audit.matches("<td>message.write</td>").count();
    assert_eq!(
        written,
        1 + outcomes.iter().filter(|(_, s)| *s == 303).count(),
        "one write per acknowledged reply (and the first message)"
    );
    // After the close has landed, every reply is refused.
    let late = client.post(&thread, &page, &[("body", "RACE-late")]);
    assert_eq!(late.status, 409);
    eprintln!(
        "{refused} of {} racing replies were refused",
        outcomes.len()
    );
}
