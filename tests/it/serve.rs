//! `alcove serve`: first start, restart, setup link, redirect, configuration errors.

use crate::kit::{alcove, Server};

#[test]
fn first_start_initializes_prints_a_setup_link_and_keeps_the_token_out_of_logs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let out = server.stdout();
    assert!(out.contains("RECOVERY KEY"), "{out}");
    assert!(data.join("recovery-key.txt").exists());
    let fingerprint = out
        .lines()
        .find_map(|l| l.strip_prefix("Certificate SHA-256 fingerprint: "))
        .expect("fingerprint line");
    assert_eq!(fingerprint.len(), 32 * 3 - 1);

    let link = server.setup_link().expect("setup link");
    assert!(link.starts_with(&format!("{}/setup/", server.origin)));
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 43, "256-bit token");
    let page = server.get(&format!("/setup/{token}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("valid until"));
    let wrong = server.get("/setup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(wrong.status, 404);
    assert!(wrong.body.contains("no longer works"));

    server.get("/");
    let logs = server.stderr();
    assert!(
        logs.contains("/setup/{token}"),
        "the route is logged as a pattern: {logs}"
    );
    assert!(!logs.contains(&token), "the token never reaches the logs");
    crate::canary::assert_absent(
        "the database file",
        &crate::canary::database_file(&data),
        &[&token],
    );
}

#[test]
fn restart_reuses_keys_and_certificate_and_replaces_the_setup_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Server::start(&data, &[]);
    let cert = first.cert_pem();
    let old_link = first.setup_link().unwrap();
    let old_path = old_link.trim_start_matches(&first.origin).to_owned();
    first.stop();

    let second = Server::start(&data, &[]);
    assert_eq!(second.cert_pem(), cert, "certificate reused");
    assert!(!second.stdout().contains("RECOVERY KEY"), "no second init");
    assert_eq!(second.get("/healthz").body, "ok");
    assert_eq!(
        second.get(&old_path).status,
        404,
        "only the newest link works"
    );
    let new_path = second
        .setup_link()
        .unwrap()
        .trim_start_matches(&second.origin)
        .to_owned();
    assert_eq!(second.get(&new_path).status, 200);
}

#[test]
fn http_listener_redirects_to_https() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--http-listen", "127.0.0.1:0"]);
    let out = server.stdout();
    let http = out
        .lines()
        .find_map(|l| l.strip_prefix("Plain HTTP on "))
        .and_then(|l| l.split_whitespace().next())
        .expect("http line")
        .to_owned();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let resp = agent.get(&format!("{http}/healthz?x=1")).call().unwrap();
    assert_eq!(resp.status().as_u16(), 308);
    let location = resp.headers().get("location").unwrap().to_str().unwrap();
    assert_eq!(
        location,
        format!("https://127.0.0.1:{}/healthz?x=1", server.port())
    );
}

#[test]
fn unknown_config_key_stops_the_start_and_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("alcove.toml"), "lisen = \"127.0.0.1:1\"\n").unwrap();
    let out = alcove(&data).args(["serve"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lisen"), "{err}");
    assert!(
        !data.join("keyring.age").exists(),
        "nothing was initialized"
    );
}

#[test]
fn invalid_listen_address_in_the_environment_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = alcove(&data)
        .env("ALCOVE_LISTEN", "not-an-address")
        .args(["serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.to_lowercase().contains("listen"), "{err}");
    assert!(err.contains("ALCOVE_"), "{err}");
    assert!(
        !data.join("keyring.age").exists(),
        "nothing was initialized"
    );
}
