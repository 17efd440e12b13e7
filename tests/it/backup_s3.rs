//! Backups to S3-compatible object storage, against a real one (moto) on loopback: the
//! object holds the same bytes as the local copy and restores; the secret key is never
//! printed.

use std::time::Duration;

use crate::backups::{backup_now_path, restore, run};
use crate::kit::{alcove, init_data_dir};

/// A real S3-compatible server (moto) on loopback, with a bucket.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto(bucket: &str) -> Option<Moto> {
    let installed = std::process::Command::new("python3")
        .args(["-c", "import moto.server"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "moto (pip install 'moto[server]') is required for this test (CI=true)"
        );
        eprintln!("\n!!!!! SKIPPING: moto is not installed (python3 -m pip install 'moto[server]') !!!!!\n");
        return None;
    }
    let port = crate::smtp_kit::free_port();
    let child = std::process::Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto_server");
    let endpoint = format!("http://127.0.0.1:{port}");
    let moto = Moto { child, endpoint };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let created = ureq::put(&format!("{}/{bucket}", moto.endpoint)).send_empty();
    assert!(created.is_ok(), "{created:?}");
    Some(moto)
}

#[test]
fn backups_round_trip_through_s3_compatible_object_storage() {
    let Some(moto) = moto("alcove-test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let init = init_data_dir(dir.path(), None);
    let env = [
        ("ALCOVE_BACKUP__S3__ENDPOINT", moto.endpoint.as_str()),
        ("ALCOVE_BACKUP__S3__BUCKET", "alcove-test"),
        ("ALCOVE_BACKUP__S3__PREFIX", "riverside"),
        ("ALCOVE_BACKUP__S3__ACCESS_KEY_ID", "testing"),
        (
            "ALCOVE_BACKUP__S3__SECRET_ACCESS_KEY",
            "CANARY-s3-secret-77aa",
        ),
    ];
    let out = alcove(&init.data)
        .args(["backup", "now"])
        .envs(env)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    // The secret is never printed.
    crate::canary::assert_absent("the output", text.as_bytes(), &["CANARY-s3-secret"]);
    let local = backup_now_path(&text);

    // The object is there, byte for byte, and restores.
    let target = alcove::backup::s3::S3Target::new(&alcove::config::backup::S3Config {
        endpoint: Some(moto.endpoint.clone()),
        bucket: "alcove-test".into(),
        prefix: "riverside".into(),
        region: "us-east-1".into(),
        access_key_id: "testing".into(),
        secret_access_key: "x".to_owned().into(),
    })
    .unwrap();
    let name = local.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(target.list().unwrap(), vec![name.clone()]);
    let fetched = dir.path().join("from-s3.tar.age");
    target.download(&name, &fetched).unwrap();
    assert_eq!(
        std::fs::read(&fetched).unwrap(),
        std::fs::read(&local).unwrap()
    );
    let restored = dir.path().join("restored");
    let (ok, text) = restore(&restored, &fetched, &init.recovery, &[]);
    assert!(ok, "{text}");
    let (ok, list) = run(&init.data, &["backup", "list"]);
    assert!(ok && list.contains("s3://alcove-test/riverside"), "{list}");
    let check = alcove(&init.data)
        .args(["backup", "check"])
        .envs(env)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
