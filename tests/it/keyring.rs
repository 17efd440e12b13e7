//! The keyring is a standard age file; the stock `age` CLI opens it with the recovery key.

use crate::kit::{init_data_dir, require_tool};

#[test]
fn stock_age_cli_decrypts_the_keyring_with_the_recovery_identity() {
    if !require_tool("age") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let (data, recovery) = (init.data, init.recovery);

    let plain = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&recovery)
        .arg(data.join("keyring.age"))
        .output()
        .unwrap();
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["data_keys"].as_array().unwrap().len(), 1);

    // And a stranger's key does not open it.
    let stranger = dir.path().join("stranger.txt");
    let gen = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&stranger)
        .output()
        .unwrap();
    assert!(gen.status.success());
    let refused = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&stranger)
        .arg(data.join("keyring.age"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

#[test]
fn canary_in_the_store_is_absent_from_the_raw_database_file() {
    // The store-level canary test lives beside the store (src/store/mod.rs); here the whole
    // running server's database is checked for the practice name it renders on every page.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = crate::kit::Server::start(&data, &[]);
    let page = server.get("/");
    assert!(page.body.contains("Your practice"));
    server.stop();
    crate::canary::assert_absent(
        "the database file",
        &crate::canary::database_file(&data),
        &["Your practice"],
    );
}
