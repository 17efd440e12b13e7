//! README's install section, followed as a new user would with pebble standing in for
//! Let's Encrypt: the .deb is unpacked (`dpkg-deb -x`, which is `dpkg -i` without changing
//! this machine: no system user, nothing under /etc or /var), `etc/alcove/alcove.toml` is
//! edited as step 1 says (its commented lines uncommented and filled in), the server is
//! started by hand as "Without systemd" says, and a client that trusts only pebble's root
//! gets a trusted certificate and the owner's setup page.

use std::path::Path;
use std::process::Command;

use crate::kit::{require_tool, without_own_settings, Server};
use crate::packaging::build_deb;
use crate::pebble_kit::{http01_pebble, wait_for_trusted};

/// Replaces the shipped line `from` with `to`; the shipped file must still hold it.
fn edit(text: &mut String, from: &str, to: &str) {
    assert!(
        text.lines().any(|l| l == from),
        "the shipped alcove.toml no longer has the line {from:?} that README's step 1 edits"
    );
    *text = text.replacen(&format!("{from}\n"), &format!("{to}\n"), 1);
}

#[test]
fn from_the_deb_to_a_trusted_certificate_and_the_setup_page() {
    if !require_tool("pebble") || !require_tool("dpkg-deb") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deb = build_deb(&dir.path().join("deb"));
    let root = dir.path().join("root");
    let unpacked = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&root)
        .status()
        .unwrap();
    assert!(unpacked.success());

    let (mut pebble, https, http) = http01_pebble(dir.path(), 3600);
    pebble.start();
    let conf = root.join("etc/alcove/alcove.toml");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    // Step 1, on loopback ports (tests bind nothing else) and with pebble's directory.
    edit(
        &mut text,
        "# listen = \"0.0.0.0:443\"",
        &format!("listen = \"127.0.0.1:{https}\""),
    );
    edit(
        &mut text,
        "# http_listen = \"0.0.0.0:80\"",
        &format!("http_listen = \"127.0.0.1:{http}\""),
    );
    edit(
        &mut text,
        "# hostname = \"portal.example.org\"",
        "hostname = \"localhost\"",
    );
    edit(&mut text, "# mode = \"acme\"", "mode = \"acme\"");
    edit(&mut text, "# [tls.acme]", "[tls.acme]");
    edit(
        &mut text,
        "# domains = [\"portal.example.org\"]",
        "domains = [\"localhost\"]",
    );
    edit(
        &mut text,
        "# email = \"owner@example.org\"",
        "email = \"owner@example.org\"",
    );
    edit(
        &mut text,
        "# directory = \"https://acme-v02.api.letsencrypt.org/directory\"",
        &format!("directory = \"{}\"", pebble.directory()),
    );
    edit(
        &mut text,
        "# ca_file = \"/etc/alcove/acme-ca.pem\"   # only for a private ACME directory",
        &format!("ca_file = \"{}\"", pebble.ca_file.display()),
    );
    std::fs::write(&conf, text).unwrap();

    // The package's data directory, as the maintainer script leaves it (0700).
    let data = root.join("var/lib/alcove");
    std::fs::create_dir_all(&data).unwrap();
    set_mode(&data, 0o700);
    let mut cmd = without_own_settings(Command::new(root.join("usr/bin/alcove")));
    cmd.arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&conf)
        .arg("serve");
    let mut server = Server::start_command(cmd, &data);
    assert_eq!(server.port(), https, "it listens where the file says");

    let pebble_root = pebble.root_pem();
    wait_for_trusted(https, &pebble_root, None, &pebble);
    // Step 2: the setup link from the log, opened by a client trusting only pebble.
    let link = server
        .setup_link()
        .expect("the start-up text shows the setup link");
    assert!(
        link.starts_with(&format!("https://localhost:{https}/setup/")),
        "{link}"
    );
    let origin = format!("https://localhost:{https}");
    server.behind(&origin, pebble_root);
    let page = server.get(&link[origin.len()..]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Set up your practice"), "{}", page.body);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
