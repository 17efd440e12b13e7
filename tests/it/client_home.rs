//! The client's home lists what waits for them — unread messages, forms to fill in,
//! upcoming appointments — and says "There is nothing here yet" only when nothing does.

use crate::visitor::{form_id, shown_link, Visitor};
use crate::world::{start_thread, World};

const NOTHING: &str = "There is nothing here yet";
const CONSENT: &str = "Consent for Electronic Communication &amp; Communication Preferences";

fn home(client: &mut Visitor<'_>) -> String {
    let page = client.get("/home");
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

#[test]
fn client_home_shows_what_waits_and_says_nothing_here_only_when_nothing_does() {
    let world = World::builder()
        .client("Jordan Ellis", "jo@example.org")
        .start();
    let mut owner = world.owner();
    let (client_id, mut client) = world.client("Jordan Ellis");
    assert!(home(&mut client).contains(NOTHING));

    // A reply waits unread.
    let thread = start_thread(
        &mut owner,
        &client_id,
        "Before we meet",
        "A few words first.",
    );
    let page = home(&mut client);
    assert!(!page.contains(NOTHING), "{page}");
    assert!(
        page.contains("New messages") && page.contains("1 new"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"{thread}\"")) && page.contains("Before we meet"));

    // Read, and a practice-only note added since: nothing waits.
    assert_eq!(client.get(&thread).status, 200);
    let view = owner.get(&thread);
    let noted = owner.post(
        &format!("{thread}/note"),
        &view.body,
        &[("note", "Internal.")],
    );
    assert_eq!(noted.status, 303);
    let page = home(&mut client);
    assert!(
        page.contains(NOTHING),
        "notes never wait for the client: {page}"
    );
    assert!(!page.contains("New messages"));

    // A form link is open for the client.
    let consent = form_id(&mut owner, CONSENT);
    let new_link = owner.get(&format!("/clients/{client_id}/form-links/new"));
    let made = owner.post(
        &format!("/clients/{client_id}/form-links"),
        &new_link.body,
        &[("form", &consent), ("single_use", "yes")],
    );
    assert_eq!(made.status, 200, "{}", made.body);
    let page = home(&mut client);
    assert!(!page.contains(NOTHING), "{page}");
    assert!(
        page.contains("Forms to fill in") && page.contains(CONSENT),
        "{page}"
    );

    // Filled in: it no longer waits.
    let link = shown_link(&made.body);
    let mut phone = world.anonymous();
    let form = phone.get(&link);
    let signed = phone.post(
        &link,
        &form.body,
        &[
            ("channels", "Secure portal messages"),
            ("email_risk", "yes"),
            ("signature", "Jordan Ellis"),
        ],
    );
    assert_eq!(signed.status, 200, "{}", signed.body);
    let page = home(&mut client);
    assert!(
        page.contains(NOTHING) && !page.contains("Forms to fill in"),
        "{page}"
    );

    // An upcoming appointment.
    let form = owner.get(&format!("/clients/{client_id}/appointments/new"));
    let added = owner.post(
        &format!("/clients/{client_id}/appointments"),
        &form.body,
        &[
            ("date", "2099-03-04"),
            ("time", "14:30"),
            ("minutes", "50"),
            ("setting", "in_person"),
            ("note", "Room 2"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let page = home(&mut client);
    assert!(!page.contains(NOTHING), "{page}");
    assert!(page.contains("Upcoming appointments") && page.contains("Room 2"));
}
