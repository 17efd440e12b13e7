//! Store put (durable commit) and get of a 1 KiB record, beside raw redb without sealing.
//!
//! `cargo bench --bench store`; the last lines print the ratios. The baseline necessarily
//! names redb directly; nothing outside `src/store/` does otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use criterion::{black_box, Criterion};
use redb::{ReadableDatabase, TableDefinition};

use alcove::crypto::{Keyring, Sealer};
use alcove::store::practice::{self, PracticeProfile};
use alcove::store::Store;

const RAW: TableDefinition<&[u8], &[u8]> = TableDefinition::new("practice");

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(
        &dir.path().join("alcove.redb"),
        Sealer::new(Keyring::generate()),
    )
    .unwrap();
    let raw = redb::Database::create(dir.path().join("raw.redb")).unwrap();
    // A JSON record of about 1 KiB, the same bytes the raw baseline stores.
    let profile = PracticeProfile {
        name: "x".repeat(1000),
    };
    let raw_value = serde_json::to_vec(&profile).unwrap();

    let mut group = c.benchmark_group("put_1KiB_durable");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("alcove_store", |b| {
        b.iter(|| {
            store
                .write(|tx| practice::save(tx, black_box(&profile)))
                .unwrap()
        })
    });
    group.bench_function("raw_redb", |b| {
        b.iter(|| {
            let txn = raw.begin_write().unwrap();
            {
                let mut t = txn.open_table(RAW).unwrap();
                t.insert(b"profile".as_slice(), black_box(raw_value.as_slice()))
                    .unwrap();
            }
            txn.commit().unwrap();
        })
    });
    group.finish();

    let mut group = c.benchmark_group("get_1KiB");
    group.bench_function("alcove_store", |b| {
        b.iter(|| store.read(practice::load).unwrap())
    });
    group.bench_function("raw_redb", |b| {
        b.iter(|| {
            let txn = raw.begin_read().unwrap();
            let t = txn.open_table(RAW).unwrap();
            let v = t.get(b"profile".as_slice()).unwrap().unwrap();
            serde_json::from_slice::<PracticeProfile>(v.value()).unwrap()
        })
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    support::print_ratio("put_1KiB_durable", "alcove_store", "raw_redb");
    support::print_ratio("get_1KiB", "alcove_store", "raw_redb");
}
