//! Inputs that once crashed a parser or a check, sent to the real server over HTTPS: each
//! is refused in plain words and the server keeps serving. (The parsers themselves are
//! fuzzed in `fuzz/`; their regression inputs replay in `src/fuzzing_tests.rs`.)

use crate::visitor::location;
use crate::world::World;

#[test]
fn moving_a_form_field_by_the_largest_index_a_url_can_carry_is_not_found() {
    let world = World::start();
    let mut owner = world.owner();
    let new = owner.get("/forms/new");
    let made = owner.post("/forms", &new.body, &[("name", "Intake"), ("intro", "")]);
    assert_eq!(made.status, 303, "{}", made.body);
    let form_path = location(&made).to_owned();
    let page = owner.get(&format!("{form_path}/fields/new"));
    let added = owner.post(
        &format!("{form_path}/fields"),
        &page.body,
        &[
            ("label", "Your name"),
            ("kind", "short_text"),
            ("help", ""),
            ("options", ""),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);

    let form_page = owner.get(&form_path);
    for action in ["down", "up", "remove"] {
        let moved = owner.post(
            &format!("{form_path}/fields/{}/{action}", usize::MAX),
            &form_page.body,
            &[],
        );
        assert_eq!(moved.status, 404, "{action}: {}", moved.body);
    }
    let after = owner.get(&form_path);
    assert_eq!(after.status, 200);
    assert!(after.body.contains("Your name"), "the field is still there");
}

/// Ids come from the path through their type: anything but 32 hex digits is "not found",
/// for every kind of id, before any service runs.
#[test]
fn a_malformed_id_in_any_path_is_not_found() {
    let world = World::start();
    let mut owner = world.owner();
    let good = "0123456789abcdef0123456789abcdef";
    for bad in [
        "x",
        "0123",
        "0123456789abcdef0123456789abcdeg",
        "%2e%2e",
        &format!("{good}00"),
    ] {
        for path in [
            format!("/clients/{bad}"),
            format!("/messages/{bad}"),
            format!("/forms/{bad}"),
            format!("/clients/{good}/submissions/{bad}"),
            format!("/clients/{bad}/submissions/{good}"),
            format!("/messages/{bad}/files/{good}"),
            format!("/messages/{good}/files/{bad}"),
        ] {
            let page = owner.get(&path);
            assert_eq!(page.status, 404, "{path}: {}", page.body);
        }
    }
    // A well-formed id of nothing is also not found (the service's answer).
    assert_eq!(owner.get(&format!("/clients/{good}")).status, 404);
}
