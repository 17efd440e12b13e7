//! Backups every key can restore, and restores that bring back nothing withdrawn: an extra
//! backup recipient (a second `age-keygen` identity) verifies and restores a backup and the
//! owner signs in on it, while a stranger's key and the machine key open nothing; a restore
//! voids every link issued before the backup (an invitation and a form link withdrawn after
//! it stay dead and sign nobody in; an email-confirmation link too) and the owner's home
//! says how many; two backups at the same moment both succeed under names of their own.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::backups::{backup_now, restore, run};
use crate::kit::{init_data_dir, require_tool, Server};
use crate::visitor::{
    form_id, invited_client, send_form_link, set_up_owner, shown_link, sign_in, totp_next, Visitor,
    OWNER_EMAIL, OWNER_PASSWORD,
};

/// A new identity file from `age-keygen`; returns its path and public key.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("a public key line")
        .trim()
        .to_owned();
    (path, public)
}

fn verify(data: &Path, file: &Path, key: &Path) -> (bool, String) {
    run(
        data,
        &[
            "backup",
            "verify",
            file.to_str().unwrap(),
            "--identity",
            key.to_str().unwrap(),
        ],
    )
}

/// The bytes of `keyring.age` inside `backup`, taken out with the stock tools.
fn inner_keyring(backup: &Path, key: &Path) -> Vec<u8> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "age -d -i '{}' '{}' | tar -xO keyring.age",
            key.display(),
            backup.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    out.stdout
}

#[test]
fn an_extra_backup_recipient_restores_the_backup_and_the_owner_signs_in() {
    if !require_tool("age-keygen") || !require_tool("age") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (second, second_public) = keygen(dir.path(), "second.key");
    let (stranger, _) = keygen(dir.path(), "stranger.key");
    let recipients = format!("[\"{second_public}\"]");
    let server = Server::start_with(&data, &[], &[("ALCOVE_BACKUP__RECIPIENTS", &recipients)]);
    let owner = set_up_owner(&server);
    let secret = owner.secret.clone();
    let backup = backup_now(&data);
    server.stop();

    // The stock age CLI opens the file with the second key; the keyring inside opens with
    // it too, and not with the machine key that stays on this computer.
    let keyring = inner_keyring(&backup, &second);
    let second_id = alcove::crypto::RecoveryIdentity::read(&second).unwrap();
    assert!(alcove::crypto::Keyring::decrypt(&keyring, second_id.identity()).is_ok());
    let machine = alcove::crypto::UnlockIdentity::read_plain(&data).unwrap();
    assert!(
        alcove::crypto::Keyring::decrypt(&keyring, machine.identity()).is_err(),
        "the machine key opens nothing in a backup"
    );

    // A key the backup was not made for is told so, plainly.
    let (ok, text) = verify(&data, &backup, &stranger);
    assert!(!ok && text.contains("not made for this key"), "{text}");
    assert!(!text.contains("internal error"), "{text}");

    // The second key verifies and restores it; the owner signs in on the restored folder.
    let (ok, text) = verify(&data, &backup, &second);
    assert!(ok && text.contains("complete and intact"), "{text}");
    let restored = dir.path().join("restored");
    let (ok, text) = restore(&restored, &backup, &second, &[]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&second_public),
        "names the key in charge now: {text}"
    );
    assert_eq!(
        std::fs::read_to_string(restored.join("recovery.pub"))
            .unwrap()
            .trim(),
        second_public
    );
    let server = Server::start(&restored, &[]);
    let mut v = Visitor::new(&server);
    let signed = sign_in(&mut v, OWNER_EMAIL, OWNER_PASSWORD, &totp_next(&secret));
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(v.get("/home").status, 200);
}

#[test]
fn restore_voids_every_link_issued_before_the_backup_and_the_owner_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let owner = set_up_owner(&server);
    let secret = owner.secret.clone();
    let mut owner = owner.visitor;

    // A client with an invitation they have not used yet, and a form link for them.
    let (client_id, invite) = invited_client(&mut owner, "Avery Quinn", "avery@example.org", &[]);
    let client_path = format!("/clients/{client_id}");
    let form_link = send_form_link(
        &mut owner,
        &client_id,
        "Consent for Electronic Communication &amp; Communication Preferences",
    );
    // And a public intake link nobody withdraws.
    let intake = form_id(&mut owner, "Intake");
    let page = owner.get(&format!("/forms/{intake}"));
    let made = owner.post(&format!("/forms/{intake}/public-link"), &page.body, &[]);
    let intake_link = shown_link(&made.body);
    for link in [&invite, &form_link, &intake_link] {
        assert_eq!(Visitor::new(&server).get(link).status, 200, "{link} works");
    }

    let backup = backup_now(&data);

    // After the backup the practice withdraws the invitation and the client's form link.
    let detail = owner.get(&client_path);
    let cancelled = owner.post(&format!("{client_path}/invite/revoke"), &detail.body, &[]);
    assert!(
        cancelled.body.contains("Open invitations cancelled: 1."),
        "{}",
        cancelled.body
    );
    let chart = owner.get(&client_path).body;
    let at = chart.find("\"/form-links/").unwrap() + 1;
    let revoke = chart[at..at + chart[at..].find('"').unwrap()].to_owned();
    assert_eq!(owner.post(&revoke, &chart, &[]).status, 303);
    for link in [&invite, &form_link] {
        assert_eq!(
            Visitor::new(&server).get(link).status,
            404,
            "{link} withdrawn"
        );
    }
    server.stop();

    let restored = dir.path().join("restored");
    let (ok, text) = restore(&restored, &backup, &data.join("recovery-key.txt"), &[]);
    assert!(ok, "{text}");
    let server = Server::start(&restored, &[]);

    // The withdrawn invitation is the calm not-valid page, and using it signs nobody in.
    let mut attacker = Visitor::new(&server);
    let page = attacker.get(&invite);
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(page.body.contains("no longer works"), "{}", page.body);
    assert!(!page.body.contains("Avery"), "names nobody");
    // With a good form token (from the sign-in page), so only the link itself is judged.
    let front = attacker.get("/");
    let used = attacker.post(
        &invite,
        &front.body,
        &[
            ("password", "a brand new password here"),
            ("confirm", "a brand new password here"),
        ],
    );
    assert_eq!(used.status, 404, "{}", used.body);
    assert!(attacker.session().is_none(), "no session was made");
    assert_ne!(attacker.get("/home").status, 200, "not signed in");
    // Both form links (withdrawn or not) are refused, naming nobody.
    for link in [&form_link, &intake_link] {
        let page = Visitor::new(&server).get(link);
        assert_eq!(page.status, 404, "{link}: {}", page.body);
        assert!(!page.body.contains("Avery"));
    }

    // The restore said so, and the owner's home says how many went and how to send new ones.
    assert!(
        text.contains("1 invitation(s)") && text.contains("2 form link(s)"),
        "{text}"
    );
    let mut v = Visitor::new(&server);
    let signed = sign_in(&mut v, OWNER_EMAIL, OWNER_PASSWORD, &totp_next(&secret));
    assert_eq!(signed.status, 303, "{}", signed.body);
    let home = v.get("/home").body;
    assert!(home.contains("Restored from a backup"), "{home}");
    assert!(
        home.contains("3 links sent before that backup were voided (1 invitation, 2 form links)"),
        "{home}"
    );
    assert!(
        home.contains("Create invitation link"),
        "how to send a new one"
    );
    assert!(v.get("/audit").body.contains("backup.restore_void_links"));
}

#[test]
fn two_backups_at_the_same_moment_both_succeed_under_their_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let data = init.data.clone();
    let two_at_once = || -> Vec<(bool, String)> {
        std::thread::scope(|scope| {
            let a = scope.spawn(|| run(&data, &["backup", "now"]));
            let b = scope.spawn(|| run(&data, &["backup", "now"]));
            vec![a.join().unwrap(), b.join().unwrap()]
        })
    };
    // With the server stopped, two commands at once: the second waits for the first.
    let mut outputs = two_at_once();
    // Through the running server: two at once, then three in a row. Several land in the
    // same second.
    let server = Server::start(&data, &[]);
    outputs.extend(two_at_once());
    for _ in 0..3 {
        outputs.push(run(&data, &["backup", "now"]));
    }
    let mut names = Vec::new();
    for (ok, text) in &outputs {
        assert!(*ok, "{text}");
        assert!(
            !text.contains("internal error") && !text.contains("already exists"),
            "{text}"
        );
        let path = crate::backups::backup_now_path(text);
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7, "seven names: {names:?}");
    // Rotation keeps the newest of the day; the list holds what is on disk, newest first.
    let (ok, list) = run(&data, &["backup", "list"]);
    assert!(ok, "{list}");
    let listed: Vec<&str> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        listed.first().copied(),
        unique.last().map(String::as_str),
        "{list}"
    );
    server.stop();
    for name in &listed {
        let file = data.join("backups").join(name);
        let (ok, text) = verify(&data, &file, &init.recovery);
        assert!(ok && text.contains("complete and intact"), "{name}: {text}");
    }
}

#[test]
fn restore_voids_an_email_confirmation_link_issued_before_the_backup() {
    if !crate::smtp_kit::aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = crate::smtp_kit::free_port();
    let sink = crate::smtp_kit::SmtpSink::start(port, dir.path());
    let data = dir.path().join("data");
    let server = crate::mail_kit::start(&data, port);
    let owner = set_up_owner(&server);
    let secret = owner.secret.clone();
    let link = crate::mail_kit::confirmation_path(&sink, OWNER_EMAIL);
    assert_eq!(Visitor::new(&server).get(&link).status, 200, "it works");
    let backup = backup_now(&data);
    server.stop();
    sink.stop();

    let restored = dir.path().join("restored");
    let (ok, text) = restore(&restored, &backup, &data.join("recovery-key.txt"), &[]);
    assert!(ok, "{text}");
    let server = Server::start(&restored, &[]);
    let page = Visitor::new(&server).get(&link);
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(page.body.contains("no longer works"), "{}", page.body);
    let mut v = Visitor::new(&server);
    let signed = sign_in(&mut v, OWNER_EMAIL, OWNER_PASSWORD, &totp_next(&secret));
    assert_eq!(signed.status, 303, "{}", signed.body);
    let home = v.get("/home").body;
    assert!(
        home.contains("1 link sent before that backup was voided (1 email-confirmation link)"),
        "{home}"
    );
}
