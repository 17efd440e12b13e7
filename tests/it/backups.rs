//! Backups: taken while the server serves (and while 8 writers write), opened by the stock
//! `age` CLI, restored into a new data directory that signs in to the same messages and
//! files; damaged, wrong-key and foreign files refused with nothing changed. Scheduled runs
//! are in `backup_schedule.rs`, object storage in `backup_s3.rs`; the helpers here (`run`,
//! `backup_now`, `restore`) serve the other tests that take or restore a backup.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::kit::{alcove, init_data_dir, pdf_like, require_tool, snapshot, Server};
use crate::visitor::{
    href_with, location, sign_in, totp_next, Visitor, OWNER_EMAIL, OWNER_PASSWORD,
};
use crate::world::World;

const MESSAGE_CANARY: &str = "CANARY-backup-msg-2f81";
const FILE_CANARY: &str = "CANARY-backup-file-93c0";

pub(crate) fn run(data: &Path, args: &[&str]) -> (bool, String) {
    let out = alcove(data).args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `alcove restore FILE --identity KEY` into `target`, with `extra` flags.
pub(crate) fn restore(target: &Path, file: &Path, key: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "restore",
        file.to_str().unwrap(),
        "--identity",
        key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(target, &args)
}

pub(crate) fn backup_now(data: &Path) -> PathBuf {
    let (ok, text) = run(data, &["backup", "now"]);
    assert!(ok, "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("Backup written: "))
        .unwrap();
    let path = line["Backup written: ".len()..].split(" (").next().unwrap();
    PathBuf::from(path)
}

pub(crate) fn backup_now_path(text: &str) -> PathBuf {
    let line = text
        .lines()
        .find(|l| l.starts_with("Backup written: "))
        .unwrap();
    PathBuf::from(line["Backup written: ".len()..].split(" (").next().unwrap())
}

#[test]
fn a_backup_restores_onto_a_new_data_dir_with_the_same_messages_and_files() {
    let world = World::builder()
        .client("Morgan Lee", "morgan@example.org")
        .start();
    let (dir, data) = (world.dir(), &world.data);
    let secret = &world.owner_secret;
    let mut owner = world.owner();
    let client_id = world.client_id("Morgan Lee");
    let compose = owner.get("/messages/new");
    let file = pdf_like(600 * 1024, FILE_CANARY);
    let sent = owner.post_multipart(
        "/messages",
        &compose.body,
        &[
            ("client", &client_id),
            ("subject", "Worksheet"),
            ("body", MESSAGE_CANARY),
        ],
        Some(("worksheet.pdf", &file)),
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    let thread = location(&sent).to_owned();

    // Taken through the running server's admin socket.
    let backup = backup_now(data);
    assert!(backup.starts_with(data.join("backups")));
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("alcove-") && name.ends_with("Z.tar.age"),
        "{name}"
    );
    let home = owner.get("/home").body;
    assert!(home.contains("Last backup:"), "the dashboard shows it");
    let recovery = data.join("recovery-key.txt");

    // The stock age CLI opens it with the recovery key: a tar holding the manifest.
    if require_tool("age") {
        let listing = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "age -d -i '{}' '{}' | tar -t",
                recovery.display(),
                backup.display()
            ))
            .output()
            .unwrap();
        let names = String::from_utf8_lossy(&listing.stdout);
        assert!(listing.status.success(), "{names}");
        for expected in ["manifest.json", "keyring.age", "store/00000.bin"] {
            assert!(
                names.lines().any(|l| l == expected),
                "{expected} in {names}"
            );
        }
    }
    world.server.halt();

    // Verify changes nothing; restore builds a new data directory.
    let before = snapshot(data);
    let (ok, text) = run(
        data,
        &[
            "backup",
            "verify",
            backup.to_str().unwrap(),
            "--identity",
            recovery.to_str().unwrap(),
        ],
    );
    assert!(ok && text.contains("complete and intact"), "{text}");
    let after: Vec<_> = snapshot(data)
        .into_iter()
        .filter(|(p, _, _)| !p.ends_with("alcove.redb"))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(p, _, _)| !p.ends_with("alcove.redb"))
        .collect();
    assert_eq!(
        before, after,
        "verify changes no file but the recorded test"
    );
    let restored = dir.join("restored");
    let (ok, text) = restore(&restored, &backup, &recovery, &[]);
    assert!(ok, "{text}");
    assert!(
        text.contains("messages") && text.contains("chain intact"),
        "{text}"
    );
    assert_ne!(
        std::fs::read(restored.join("unlock.key")).unwrap(),
        std::fs::read(data.join("unlock.key")).unwrap(),
        "the restored directory has its own unlock key"
    );

    // Every record decrypts equal to the original.
    {
        use alcove::store::{attachments, messages, tables};
        let original = alcove::datadir::open(data, None).unwrap();
        let copy = alcove::datadir::open(&restored, None).unwrap();
        let threads = original.read(messages::all_threads).unwrap();
        assert_eq!(threads.len(), 1);
        for t in &threads {
            let a = original
                .read(|tx| messages::messages(tx, t.id, 1, t.count))
                .unwrap();
            let b = copy
                .read(|tx| messages::messages(tx, t.id, 1, t.count))
                .unwrap();
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.body, y.body);
                assert_eq!(x.attachments.len(), y.attachments.len());
            }
        }
        for table in [
            tables::ACCOUNTS,
            tables::CLIENTS,
            tables::MESSAGES,
            tables::ATTACHMENT_CHUNKS,
            tables::TEMPLATES,
        ] {
            assert_eq!(
                original.read(|tx| tx.count(table)).unwrap(),
                copy.read(|tx| tx.count(table)).unwrap(),
                "{}",
                table.0
            );
        }
        let _ = attachments::CHUNK;
    }

    // The owner signs in on the restored directory and finds the same message and file.
    let server = Server::start(&restored, &[]);
    let mut v = Visitor::new(&server);
    let signed = sign_in(&mut v, OWNER_EMAIL, OWNER_PASSWORD, &totp_next(secret));
    assert_eq!(signed.status, 303, "{}", signed.body);
    let page = v.get(&thread);
    assert!(page.body.contains(MESSAGE_CANARY), "{}", page.body);
    let got = v.get(&href_with(&page.body, "/files/"));
    assert!(got.bytes == file, "the same file comes back");
    assert!(v.get("/audit").body.contains("backup.restore_test"));
}

fn flip(path: &Path, at: usize, out: &Path) -> PathBuf {
    let mut bytes = std::fs::read(path).unwrap();
    let i = at.min(bytes.len() - 1);
    bytes[i] ^= 0x20;
    std::fs::write(out, bytes).unwrap();
    out.to_owned()
}

#[test]
fn damaged_wrong_key_and_foreign_files_are_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let data = init.data.clone();
    let backup = backup_now(&data);
    let bytes = std::fs::read(&backup).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();

    let truncated = work.join("truncated.tar.age");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let flipped = flip(&backup, bytes.len() / 2, &work.join("flipped.tar.age"));
    let foreign = work.join("random.bin");
    std::fs::write(&foreign, b"just some file, not a backup at all").unwrap();
    std::fs::create_dir(dir.path().join("other")).unwrap();
    let other = init_data_dir(&dir.path().join("other"), None);

    let live_before = snapshot(&data);
    let cases: Vec<(&Path, &Path, &str)> = vec![
        (&truncated, &init.recovery, "damaged or incomplete"),
        (&flipped, &init.recovery, "damaged or incomplete"),
        (&backup, &other.recovery, "not made for this key"),
        (&foreign, &init.recovery, "not an Alcove backup"),
    ];
    for (file, key, why) in cases {
        let (ok, text) = run(
            &data,
            &[
                "backup",
                "verify",
                file.to_str().unwrap(),
                "--identity",
                key.to_str().unwrap(),
            ],
        );
        assert!(
            !ok && text.contains(why),
            "verify {}: {text}",
            file.display()
        );
        let target = work.join("restore-target");
        let (ok, text) = restore(&target, file, key, &[]);
        assert!(
            !ok && text.contains(why),
            "restore {}: {text}",
            file.display()
        );
        assert!(!target.exists(), "no target folder is left behind");
        let leftovers: Vec<_> = std::fs::read_dir(&work)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".alcove-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "no scratch folders left: {leftovers:?}"
        );
    }
    // The live data directory changed only where the failed tests were recorded.
    let strip = |s: Vec<(PathBuf, Vec<u8>, u32)>| -> Vec<PathBuf> {
        s.into_iter().map(|(p, _, _)| p).collect()
    };
    assert_eq!(strip(snapshot(&data)), strip(live_before));
    // A non-empty target is refused without --force.
    let (ok, text) = restore(&other.data, &backup, &init.recovery, &[]);
    assert!(!ok && text.contains("not empty"), "{text}");
    // With --force the old contents are moved aside, never deleted.
    let (ok, text) = restore(&other.data, &backup, &init.recovery, &["--force"]);
    assert!(ok && text.contains("moved to"), "{text}");
    let aside = text
        .lines()
        .find_map(|l| l.strip_prefix("The folder's previous contents were moved to "))
        .unwrap()
        .trim_end_matches('.');
    assert!(Path::new(aside).join("keyring.age").exists());
    assert!(other.data.join("keyring.age").exists());
}

#[test]
fn a_backup_taken_while_eight_writers_write_restores_consistently() {
    let mut world = World::builder().client("Quinn Park", "q@example.org");
    for i in 0..8 {
        world = world.thread("Quinn Park", &format!("Thread {i}"), "start");
    }
    let world = world.start();
    let (server, data) = (&world.server, &world.data);
    let threads: Vec<String> = (0..8)
        .map(|i| world.thread(&format!("Thread {i}")))
        .collect();
    let cookies = world.owner().cookies;
    let backup = std::thread::scope(|scope| {
        for thread in &threads {
            let cookies = cookies.clone();
            scope.spawn(move || {
                let mut v = Visitor::new(server);
                v.cookies = cookies;
                for n in 0..12 {
                    let page = v.get(thread);
                    let r = v.post(thread, &page.body, &[("body", &format!("note {n}"))]);
                    assert_eq!(r.status, 303);
                }
            });
        }
        std::thread::sleep(Duration::from_millis(300));
        backup_now(data)
    });
    server.halt();
    let restored = world.dir().join("restored");
    let recovery = data.join("recovery-key.txt");
    let (ok, text) = restore(&restored, &backup, &recovery, &[]);
    assert!(ok, "{text}");
    // Each thread's count matches the messages it holds: one moment, not a mix.
    let store = alcove::datadir::open(&restored, None).unwrap();
    let all = store.read(alcove::store::messages::all_threads).unwrap();
    assert_eq!(all.len(), 8);
    let mut total = 0;
    for t in all {
        let msgs = store
            .read(|tx| alcove::store::messages::messages(tx, t.id, 1, t.count + 5))
            .unwrap();
        assert_eq!(
            msgs.len() as u64,
            t.count,
            "thread count and messages agree"
        );
        total += t.count;
    }
    assert!(total >= 8, "{total}");
}
