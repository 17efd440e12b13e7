//! The inbox and the audit log a page at a time, against the real server: 50 conversations
//! per page, unread first, older pages by a link that keeps the client filter, and nothing
//! of another client's through a filter a client sets themselves.

use crate::visitor::{link_labelled as link, Visitor};
use crate::world::{start_thread, World};

/// The conversation links on an inbox page, in order (the compose link aside).
fn subjects(body: &str) -> Vec<String> {
    body.split("<a href=\"/messages/")
        .skip(1)
        .filter(|rest| !rest.starts_with("new\""))
        .filter_map(|rest| {
            let label = rest.split_once("\">")?.1;
            Some(label.split_once("</a>")?.0.to_owned())
        })
        .collect()
}

fn every_page(visitor: &mut Visitor<'_>, first: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let page = visitor.get(&path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        pages.push(subjects(&page.body));
        next = link(&page.body, "Older conversations");
        assert!(pages.len() < 10, "the pages end");
    }
    pages
}

#[test]
fn the_inbox_pages_by_fifty_unread_first_and_a_filter_shows_one_clients_conversations() {
    let world = World::builder()
        .client("Casey Rivera", "casey@example.org")
        .client("Jordan Ellis", "jo@example.org")
        .start();
    let casey = world.client_id("Casey Rivera");
    let jordan = world.client_id("Jordan Ellis");
    let mut owner = world.owner();
    let mut threads = Vec::new();
    for i in 1..=53 {
        threads.push(start_thread(
            &mut owner,
            &casey,
            &format!("Topic {i:02}"),
            "Hello",
        ));
    }
    for subject in ["Jordan one", "Jordan two"] {
        start_thread(&mut owner, &jordan, subject, "Hello");
    }
    // Casey answers the oldest: it is unread for the practice, so it comes first.
    let mut client = world.visitor("Casey Rivera");
    let oldest = client.get(&threads[0]);
    let r = client.post(&threads[0], &oldest.body, &[("body", "Tuesday works")]);
    assert_eq!(r.status, 303, "{}", r.body);

    let pages = every_page(&mut owner, "/messages");
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 5]);
    assert_eq!(pages[0][0], "Topic 01", "the unread conversation first");
    assert_eq!(pages[0][1], "Jordan two", "then the latest activity");
    let mut seen: Vec<&String> = pages.iter().flatten().collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 55, "every conversation once");
    let newest = owner.get("/messages");
    let second = owner.get(&link(&newest.body, "Older conversations").unwrap());
    assert!(
        second.body.contains("Back to the newest"),
        "{}",
        second.body
    );

    // Once the practice reads it, it takes its place by time again.
    assert_eq!(owner.get(&threads[0]).status, 200);
    let newest = owner.get("/messages");
    assert_eq!(subjects(&newest.body)[..2], ["Topic 01", "Jordan two"]);
    assert!(
        !newest.body.contains(" new<"),
        "nothing unread: {}",
        newest.body
    );

    let about = owner.get(&format!("/messages?client={jordan}"));
    assert_eq!(subjects(&about.body), ["Jordan two", "Jordan one"]);
    assert!(about.body.contains("Conversations with Jordan Ellis."));
    let filtered = every_page(&mut owner, &format!("/messages?client={casey}"));
    assert_eq!(filtered.iter().map(Vec::len).collect::<Vec<_>>(), [50, 3]);
    assert!(filtered.iter().flatten().all(|s| s.starts_with("Topic ")));

    // Casey's own inbox: hers only, whatever filter she sets. The one she answered holds
    // the practice's automatic crisis notice, unread: it comes first, the newest.
    for path in ["/messages".to_owned(), format!("/messages?client={jordan}")] {
        let pages = every_page(&mut client, &path);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 3]);
        assert!(pages.iter().flatten().all(|s| !s.contains("Jordan")));
        assert_eq!(pages[0][0], "Topic 01", "{pages:?}");
        assert_eq!(pages[1].last().unwrap(), "Topic 02", "{pages:?}");
    }
    // A made-up cursor is the first page; a malformed client id is not found.
    let odd = owner.get("/messages?after=zz-not-a-cursor");
    assert_eq!(subjects(&odd.body).len(), 50);
    assert_eq!(owner.get("/messages?client=not-an-id").status, 404);
    assert_eq!(
        owner
            .get(&format!("/messages?client={}", "ab".repeat(16)))
            .status,
        404,
        "nobody with that id"
    );
}

#[test]
fn internal_notes_never_show_in_an_unread_count() {
    let world = World::builder()
        .client("Casey Rivera", "casey@example.org")
        .thread("Casey Rivera", "Scheduling", "Shall we meet Monday?")
        .start();
    let thread = world.thread("Scheduling");
    let mut owner = world.owner();
    // Many notes between two messages to the client: the client has two new messages.
    for i in 0..120 {
        let page = owner.get(&thread);
        let r = owner.post(
            &format!("{thread}/note"),
            &page.body,
            &[("note", &format!("note {i}"))],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let page = owner.get(&thread);
    let r = owner.post(&thread, &page.body, &[("body", "Or Tuesday?")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let mut client = world.visitor("Casey Rivera");
    let inbox = client.get("/messages").body;
    assert!(inbox.contains(">2 new<"), "{inbox}");
    let home = client.get("/home").body;
    // (Only the sentence and the cell: a nonce or a time on the page may hold any digits.)
    assert!(
        home.contains("Your practice sent you 2 messages you have not read yet.")
            && home.contains(">2 new<"),
        "{home}"
    );
}

#[test]
fn the_audit_log_pages_and_narrows_to_one_client() {
    let world = World::builder()
        .client("Casey Rivera", "casey@example.org")
        .client("Jordan Ellis", "jo@example.org")
        .thread("Casey Rivera", "Casey's", "Hello")
        .thread("Jordan Ellis", "Jordan's", "Hello")
        .start();
    let casey = world.client_id("Casey Rivera");
    let jordan = world.client_id("Jordan Ellis");
    let mut owner = world.owner();
    for _ in 0..30 {
        assert_eq!(owner.get(&world.thread("Jordan's")).status, 200);
    }
    let first = owner.get("/audit");
    assert_eq!(first.status, 200);
    let rows = |body: &str| body.matches("<tr>").count().saturating_sub(1);
    assert_eq!(rows(&first.body), 50, "a page of 50 events");
    let older = link(&first.body, "Older events").expect("older events exist");
    let second = owner.get(&older);
    assert!(rows(&second.body) > 0 && second.body.contains("Back to the newest"));

    let about = owner.get(&format!("/audit?client={casey}"));
    assert_eq!(about.status, 200);
    assert!(rows(&about.body) > 0, "{}", about.body);
    assert!(about.body.contains(&format!("client:{casey}")));
    assert!(
        !about.body.contains(&format!("client:{jordan}")),
        "nothing about another client"
    );
    assert_eq!(owner.get("/audit?client=nope").status, 404);
    assert_eq!(owner.get("/audit?account=nope").status, 404);
    let odd = owner.get("/audit?before=not-a-number");
    assert_eq!(odd.status, 400);
    assert!(
        !odd.body.contains("not-a-number"),
        "the calm page, not the parser's words"
    );
    // The log stays the owner's: a client asking for their own events is refused.
    let mut client = world.visitor("Casey Rivera");
    assert_eq!(client.get(&format!("/audit?client={casey}")).status, 403);
}
