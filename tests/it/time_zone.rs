//! The practice's time zone (`time_zone`): a name that is no zone stops the start, and a
//! named zone's clock changes decide which appointment times exist.

use crate::kit::alcove;
use crate::world::World;

#[test]
fn a_time_zone_that_is_not_a_name_stops_the_start_and_says_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = alcove(&data)
        .env("ALCOVE_TIME_ZONE", "Europe/Berln")
        .args(["serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`time_zone` \"Europe/Berln\" is not a time zone name; use a name such as Europe/Berlin or America/New_York"),
        "{err}"
    );
    assert!(
        !data.join("keyring.age").exists(),
        "nothing was initialized"
    );
}

#[test]
fn in_the_practices_zone_a_time_the_clocks_skip_is_refused_and_the_next_hour_is_shown() {
    let world = World::builder()
        .env("ALCOVE_TIME_ZONE", "Europe/Berlin")
        .client("Jordan Ellis", "jo@example.org")
        .start();
    let mut owner = world.owner();
    let client_id = world.client_id("Jordan Ellis");
    let new = format!("/clients/{client_id}/appointments/new");
    let add = format!("/clients/{client_id}/appointments");
    // 29 March 2099, a Sunday: Berlin's clocks go from 02:00 to 03:00.
    let at = |time| {
        [
            ("date", "2099-03-29"),
            ("time", time),
            ("minutes", "50"),
            ("setting", "in_person"),
            ("note", "Room 2"),
        ]
    };
    let form = owner.get(&new);
    let refused = owner.post(&add, &form.body, &at("02:30"));
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("That time does not exist on that day (a clock change)"),
        "{}",
        refused.body
    );
    let form = owner.get(&new);
    let added = owner.post(&add, &form.body, &at("03:30"));
    assert_eq!(added.status, 303, "{}", added.body);
    let chart = owner.get(&format!("/clients/{client_id}"));
    assert!(chart.body.contains("2099-03-29 03:30"), "{}", chart.body);
}
