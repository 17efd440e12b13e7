//! Ways in for the fuzz targets in `fuzz/`: each function takes bytes as an attacker (or a
//! damaged file) would hand them to Alcove and runs the same code the server runs on them.
//! A panic is a bug; a refusal is the right answer. The regression inputs under
//! `tests/fuzz_regressions/<target>/` go through these functions in `cargo test`.
//!
//! Built only for tests and with the `fuzzing` feature: the server carries none of it.
//! Sealed values and backups are made with the test-only key in
//! `tests/fuzz_regressions/fixture/`, so a seed that opens keeps opening across runs.

// The fixture is loaded once, before any input; failing there is a broken checkout.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::{web, FromRequest};
use indicatif::ProgressBar;

use crate::admin::socket::parse_request;
use crate::crypto::{Keyring, RecoveryIdentity, Sealer};
use crate::domain::form_builder::{changed, Change, FieldInput};
use crate::domain::form_check;
use crate::domain::ServiceError;
use crate::store::dump::read_row;
use crate::store::forms::{builtin_form, FieldDef, FieldType, FormDef, BUILTINS};
use crate::store::Store;
use crate::web::fuzz_entry::{answers_of, field_for, read_post_checked, AppError, FORM_LIMIT};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fuzz_regressions/fixture"
);

struct Fixture {
    identity: RecoveryIdentity,
    keyring: Keyring,
    /// Scratch folders for unpacked backups (in `TMPDIR`; `/dev/shm` is fastest).
    scratch: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    /// The fields of every built-in form, which posted answers are checked against.
    fields: Vec<FieldDef>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE_ONCE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE_ONCE.get_or_init(|| {
        let text = std::fs::read_to_string(format!("{FIXTURE}/recovery.txt"))
            .expect("the fuzz fixture's recovery.txt");
        let identity = RecoveryIdentity::parse(&text).expect("a recovery identity");
        let keyring_file = format!("{FIXTURE}/keyring.age");
        let keyring = match std::fs::read(&keyring_file) {
            Ok(bytes) => Keyring::decrypt(&bytes, identity.identity()).expect("the keyring"),
            Err(_) => {
                // First run in a new checkout of the fixture: make the keyring once.
                let keyring = Keyring::generate();
                let bytes = keyring.encrypt(&[&identity.recipient()]).unwrap();
                std::fs::write(&keyring_file, bytes).unwrap();
                keyring
            }
        };
        let fields = BUILTINS
            .iter()
            .flat_map(|text| {
                builtin_form(text, time::OffsetDateTime::UNIX_EPOCH)
                    .expect("a built-in form")
                    .versions
                    .remove(0)
                    .fields
            })
            .collect();
        Fixture {
            identity,
            keyring,
            scratch: tempfile::Builder::new()
                .prefix("alcove-fuzz-")
                .tempdir()
                .unwrap(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
            fields,
        }
    })
}

/// The sealer every fuzz target uses (the fixture's keyring).
pub fn sealer() -> Sealer {
    Sealer::new(fixture().keyring.clone())
}

/// Splits a length-prefixed piece (one byte, up to 63) off the front.
fn piece(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return (&[], &[]);
    };
    rest.split_at(usize::from(n & 63).min(rest.len()))
}

/// (a) Opening a sealed value. Input: table (length-prefixed), record key
/// (length-prefixed), then the sealed bytes. Also checks that these bytes sealed for that
/// place open to themselves and nowhere else.
pub fn seal_open(data: &[u8]) {
    let (table, rest) = piece(data);
    let (key, sealed) = piece(rest);
    let table = String::from_utf8_lossy(table);
    let s = sealer();
    if let Ok(plain) = s.open(&table, key, sealed) {
        let again = s.seal(&table, key, &plain);
        assert_eq!(s.open(&table, key, &again).unwrap(), plain);
    }
    let sealed_here = s.seal(&table, key, sealed);
    assert_eq!(s.open(&table, key, &sealed_here).unwrap(), sealed);
    let mut moved = key.to_vec();
    moved.push(0);
    assert!(s.open(&table, &moved, &sealed_here).is_err());
    let mut flipped = sealed_here;
    let at = sealed.len() % flipped.len();
    flipped[at] ^= 1;
    assert!(s.open(&table, key, &flipped).is_err());
}

/// (b) The backup reader after decryption: `data` is the tar inside a backup file. Runs
/// every check `backup verify` (unpacked into a scratch folder) and `restore` (streamed
/// into the store) run: names, types, sizes, manifest, hashes, keyring, the store rebuilt
/// from its rows, counts and the audit chain.
pub fn backup_tar(data: &[u8]) {
    let f = fixture();
    let staging = tempfile::tempdir_in(f.scratch.path()).unwrap();
    let streamed = crate::commands::rebuild::rebuild_streaming(
        data,
        &f.identity,
        staging.path(),
        &ProgressBar::hidden(),
    );
    let Ok(opened) = crate::backup::unpack(data, f.scratch.path(), &ProgressBar::hidden()) else {
        assert!(streamed.is_err(), "restore took what verify refused");
        return;
    };
    let staging = tempfile::tempdir_in(f.scratch.path()).unwrap();
    let verified = crate::commands::rebuild::rebuild(&opened, &f.identity, staging.path());
    assert_eq!(
        streamed.is_ok(),
        verified.is_ok(),
        "restore and verify agree on a backup"
    );
}

/// (b) A store dump (one `store/NNNNN.bin` of a backup): rows read back, a database
/// built from them with the migrations applied, and its audit chain walked.
///
/// Rows that do not read, or name no table, are refused by `restore` before anything is
/// written; the harness checks that first, so only dumps that get as far as the database
/// pay for building one (a few hundred per second otherwise).
pub fn store_dump(data: &[u8]) {
    let mut input = data;
    let mut rows = Vec::new();
    loop {
        match read_row(&mut input) {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => break,
            Err(_) => return,
        }
    }
    if !rows
        .iter()
        .all(|(name, _, _)| crate::store::tables::ALL.iter().any(|t| t.0 == name))
    {
        return;
    }
    let mut rows = rows.into_iter().map(Ok);
    if let Ok((store, _)) = Store::restore_in_memory(sealer(), &mut rows) {
        let _ = crate::domain::audit::verify(&store);
    }
}

/// (c) A posted form: the first line is the request's `Content-Type` (multipart with its
/// boundary, or urlencoded), the rest its body. Read as every form page reads it, then
/// grouped into answers and checked against each built-in form's fields.
pub fn form_post(data: &[u8]) {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(content_type) = actix_web::http::header::HeaderValue::from_bytes(content_type) else {
        return;
    };
    let f = fixture();
    let (req, mut payload) = actix_web::test::TestRequest::post()
        .insert_header((actix_web::http::header::CONTENT_TYPE, content_type))
        .app_data(web::FormConfig::default().limit(FORM_LIMIT))
        .set_payload(body.to_vec())
        .to_http_parts();
    f.runtime.block_on(async {
        let Ok(payload) = web::Payload::from_request(&req, &mut payload).await else {
            return;
        };
        let no_token = |fields: &HashMap<String, String>| {
            if fields.get("csrf").is_some_and(|t| t == "refuse") {
                Err(AppError::Forbidden)
            } else {
                Ok(())
            }
        };
        let posted = read_post_checked(&req, payload, 64 * 1024, no_token, |_, _| {
            Err(ServiceError::invalid("file", "The fuzzer takes no files."))
        })
        .await;
        if let Ok(posted) = posted {
            let answers = answers_of(posted.pairs);
            let _ = form_check::check(&f.fields, &answers);
            for field in &f.fields {
                field_for(field, &answers, None);
            }
        }
    });
}

/// (d) A form definition's JSON: as a built-in form (`assets/forms/*.json`) and as a
/// stored definition; what parses is then used as the pages use it.
pub fn form_definition(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(def) = builtin_form(text, time::OffsetDateTime::UNIX_EPOCH) {
            use_form(&def);
        }
    }
    if let Ok(def) = serde_json::from_slice::<FormDef>(data) {
        use_form(&def);
    }
}

fn use_form(def: &FormDef) {
    let current = def.current();
    let _ = def.version(current.version);
    // The builder's changes, at the edges of the field list and past them.
    let fields = &current.fields;
    let first = fields.first();
    let options = first.map(|f| f.options.join("\n")).unwrap_or_default();
    let input = || FieldInput {
        label: first.map_or("", |f| f.label.as_str()),
        kind: first.map_or("short_text", |f| f.kind.name()),
        required: first.is_some_and(|f| f.required),
        help: first.map_or("", |f| f.help.as_str()),
        options: &options,
    };
    let n = fields.len();
    let _ = changed(fields.clone(), Change::Add(input()));
    for i in [0, 1, n.saturating_sub(1), n, usize::MAX] {
        for change in [
            Change::Up(i),
            Change::Down(i),
            Change::Remove(i),
            Change::Edit(i, input()),
        ] {
            let _ = changed(fields.clone(), change);
        }
    }
    for version in &def.versions {
        // Nothing filled in, then a plausible answer to every field.
        let _ = form_check::check(&version.fields, &Vec::new());
        let answers: form_check::Answers = version
            .fields
            .iter()
            .map(|f| {
                let value = match f.kind {
                    FieldType::SingleChoice | FieldType::MultipleChoice => {
                        f.options.first().cloned().unwrap_or_default()
                    }
                    FieldType::Checkbox | FieldType::Consent => "yes".into(),
                    FieldType::Email => "name@example.org".into(),
                    FieldType::Date => "1990-04-27".into(),
                    _ => f.label.clone(),
                };
                (f.key.clone(), vec![value])
            })
            .collect();
        let _ = form_check::check(&version.fields, &answers);
        for field in &version.fields {
            field_for(field, &answers, None);
        }
    }
}

/// (e) The admin socket's request line; what parses must read back the same.
pub fn admin_request(data: &[u8]) {
    if let Ok(request) = parse_request(data) {
        let line = serde_json::to_vec(&request).unwrap();
        assert_eq!(parse_request(&line).ok(), Some(request));
    }
}

/// A fuzz target's entry: bytes in, a panic only on a bug.
pub type Target = fn(&[u8]);

/// Every fuzz target by name, as `fuzz/fuzz_targets/<name>.rs` and the regression folders
/// call them.
pub const TARGETS: [(&str, Target); 6] = [
    ("seal_open", seal_open),
    ("backup_tar", backup_tar),
    ("store_dump", store_dump),
    ("form_post", form_post),
    ("form_definition", form_definition),
    ("admin_request", admin_request),
];

#[cfg(test)]
#[path = "fuzzing_tests.rs"]
mod tests;
