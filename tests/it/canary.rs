//! Canaries: unique strings that stand for health information or secrets, typed into the
//! running server so that a test can then look for them where they must never be (the raw
//! database file, the logs, a mail, another person's page).

use std::path::Path;

use crate::kit::Server;

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &[u8], needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    hay.windows(needle.len())
        .filter(|w| *w == needle.as_bytes())
        .count()
}

/// Fails the test, naming every canary of `canaries` found in `hay`; `place` says where
/// `hay` came from ("the database file", "the logs", …).
pub fn assert_absent(place: &str, hay: &[u8], canaries: &[&str]) {
    let found = found(hay, canaries);
    assert!(found.is_empty(), "{found:?} in {place}");
}

/// The canaries of `canaries` that occur in `hay`.
pub fn found<'c>(hay: &[u8], canaries: &[&'c str]) -> Vec<&'c str> {
    canaries
        .iter()
        .copied()
        .filter(|c| count(hay, c) > 0)
        .collect()
}

/// The raw bytes of the database file in the data directory `data` (stop the server first,
/// so that everything it wrote is on disk).
pub fn database_file(data: &Path) -> Vec<u8> {
    std::fs::read(data.join("alcove.redb")).expect("read the database file")
}

/// Everything the server printed so far, standard output then standard error.
pub fn logs(server: &Server) -> String {
    format!("{}{}", server.stdout(), server.stderr())
}
