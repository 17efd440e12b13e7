//! A full backup (snapshot rows from one read transaction, tar, age) of a store holding
//! about 8 MiB of attachment chunks, beside the baseline of age-encrypting the same store
//! file's bytes to the same recipient (what the crudest possible backup would cost).
//!
//! `cargo bench --bench backup`; the last line prints the ratio.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::time::Duration;

use criterion::Criterion;
use indicatif::ProgressBar;

use alcove::crypto::{Keyring, Sealer};
use alcove::ids::AttachmentId;
use alcove::store::attachments;
use alcove::store::Store;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::generate();
    let recovery = age::x25519::Identity::generate();
    let db = dir.path().join("alcove.redb");
    let store = Store::create(&db, Sealer::new(keyring)).unwrap();
    // 32 chunks of 256 KiB: one 8 MiB attachment's worth of sealed rows.
    let chunk = vec![0x5au8; attachments::CHUNK];
    let id = AttachmentId::generate();
    for i in 0..32 {
        store
            .write(|tx| attachments::put_chunk(tx, id, i, &chunk))
            .unwrap();
    }
    let out = dir.path().join("out");
    let recipient = recovery.to_public();

    let mut group = c.benchmark_group("backup_8MiB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("alcove_backup", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(&out);
            alcove::backup::write_backup(
                &store,
                std::slice::from_ref(&recipient),
                None,
                &out,
                alcove::clock::Clock::now(&alcove::clock::SystemClock),
                &ProgressBar::hidden(),
            )
            .unwrap()
        })
    });
    group.bench_function("age_of_the_raw_file", |b| {
        b.iter(|| {
            let bytes = std::fs::read(&db).unwrap();
            let encryptor =
                age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                    .unwrap();
            let file = std::fs::File::create(dir.path().join("raw.age")).unwrap();
            let mut w = encryptor
                .wrap_output(std::io::BufWriter::new(file))
                .unwrap();
            w.write_all(&bytes).unwrap();
            let file = w.finish().unwrap().into_inner().unwrap();
            file.sync_all().unwrap();
        })
    });
    group.finish();
    support::print_ratio("backup_8MiB", "alcove_backup", "age_of_the_raw_file");
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
