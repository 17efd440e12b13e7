//! The retention purge against the real binary, with the services' clock run years ahead
//! (`ALCOVE_TEST_CLOCK_AHEAD_DAYS`, honoured by debug builds only): the purge refuses and
//! says so on the owner's home and the retention page, also when it is the catch-up run at
//! start; once the owner confirms the clock it purges, and purging a public intake that
//! reused the owner's address leaves the owner able to sign in.

use std::time::{Duration, Instant};

use crate::kit::Server;
use crate::visitor::{location, set_up_owner, sign_in, Visitor, OWNER_EMAIL, OWNER_PASSWORD};

/// Eight years: past the seven-year adult rule plus the purge's 30-day grace.
const AHEAD_DAYS: &str = "2922";
const INTAKE_NAME: &str = "Robin Reused";

/// The id of the form named `name` on the owner's form list.
fn form_id(owner: &mut Visitor<'_>, name: &str) -> String {
    let page = owner.get("/forms").body;
    let at = page.find(&format!(">{name}<")).expect("the form");
    let href = page[..at].rfind("/forms/").unwrap() + "/forms/".len();
    page[href..href + 32].to_owned()
}

/// A server whose owner exists and whose public intake was filled with the owner's own
/// address; the purge job ran once (sane) before it stopped. Returns the recovery codes.
fn practice_with_a_reused_address(data: &std::path::Path) -> Vec<String> {
    let server = Server::start_with(data, &[], &[("ALCOVE_RETENTION__SCHEDULE", "* * * * * *")]);
    let owner = set_up_owner(&server);
    let codes = owner.recovery_codes.clone();
    let mut v = owner.visitor;
    let intake = form_id(&mut v, "Intake");
    let page = v.get(&format!("/forms/{intake}"));
    let made = v.post(&format!("/forms/{intake}/public-link"), &page.body, &[]);
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made.body.find("/f/").expect("a form link");
    let link = made.body[at..at + made.body[at..].find('<').unwrap()].to_owned();
    let mut stranger = Visitor::new(&server);
    let form = stranger.get(&link);
    let sent = stranger.post(
        &link,
        &form.body,
        &[
            ("legal_name", INTAKE_NAME),
            ("email", OWNER_EMAIL),
            ("date_of_birth", "1984-04-04"),
            ("emergency_contact", "A friend"),
            ("reason", "Stress"),
            ("prior_therapy", "No"),
        ],
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(v.get("/clients").body.contains(INTAKE_NAME));
    wait_for(&mut v, "/home", "Last retention purge");
    drop(v);
    server.stop();
    codes
}

/// Polls a page until it contains `needle` (bounded).
fn wait_for(v: &mut Visitor<'_>, path: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = v.get(path).body;
        if page.contains(needle) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "{needle} never shown on {path}:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn owner_signed_in<'a>(server: &'a Server, code: &str) -> Visitor<'a> {
    let mut v = Visitor::new(server);
    let r = sign_in(&mut v, OWNER_EMAIL, OWNER_PASSWORD, code);
    assert_eq!(location(&r), "/home", "{} {}", r.status, r.body);
    v
}

#[test]
fn a_server_started_with_its_clock_years_ahead_refuses_the_catch_up_purge_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let codes = practice_with_a_reused_address(&data);
    // Default schedule (03:30): the only purge is the catch-up of the missed runs at start.
    let server = Server::start_with(&data, &[], &[("ALCOVE_TEST_CLOCK_AHEAD_DAYS", AHEAD_DAYS)]);
    let mut owner = owner_signed_in(&server, &codes[0]);
    let home = wait_for(&mut owner, "/home", "the purge did not run");
    assert!(home.contains("moved forward") && home.contains("Nothing was purged"));
    let page = owner.get("/retention").body;
    assert!(
        page.contains("The purge did not run: check the clock"),
        "{page}"
    );
    assert!(page.contains("The clock is right: let the purge run"));
    assert!(page.contains(INTAKE_NAME), "due, listed, and still there");
    assert!(owner.get("/clients").body.contains(INTAKE_NAME));
    let audit = owner.get("/audit").body;
    assert!(audit.contains("retention.clock_refused"), "an audit event");
}

#[test]
fn purging_an_intake_that_reused_the_owners_address_leaves_the_owner_able_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let codes = practice_with_a_reused_address(&data);
    let server = Server::start_with(
        &data,
        &[],
        &[
            ("ALCOVE_TEST_CLOCK_AHEAD_DAYS", AHEAD_DAYS),
            ("ALCOVE_RETENTION__SCHEDULE", "*/2 * * * * *"),
        ],
    );
    let mut owner = owner_signed_in(&server, &codes[0]);
    let page = wait_for(&mut owner, "/retention", "The clock is right");
    assert!(owner.get("/clients").body.contains(INTAKE_NAME));
    let confirmed = owner.post("/retention/clock", &page, &[]);
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    // The next run purges the intake.
    let deadline = Instant::now() + Duration::from_secs(30);
    while owner.get("/clients").body.contains(INTAKE_NAME) {
        assert!(Instant::now() < deadline, "the intake was never purged");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        wait_for(&mut owner, "/home", "1 client record(s) purged").contains("Last retention purge")
    );
    // The owner's address still leads to the owner's account.
    let mut again = Visitor::new(&server);
    let r = sign_in(&mut again, OWNER_EMAIL, OWNER_PASSWORD, &codes[1]);
    assert_eq!(location(&r), "/home", "{} {}", r.status, r.body);
}
