//! Sealing and opening a 1 KiB value, beside raw XChaCha20-Poly1305 on the same bytes.
//!
//! `cargo bench --bench seal`; the last lines print the ratios.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use criterion::{black_box, Criterion};

use alcove::crypto::{Keyring, Sealer};

fn bench(c: &mut Criterion) {
    let sealer = Sealer::new(Keyring::generate());
    let raw = XChaCha20Poly1305::new(&[7u8; 32].into());
    let nonce = XNonce::from([9u8; 24]);
    let value = vec![0x5au8; 1024];

    let mut group = c.benchmark_group("seal_1KiB");
    group.bench_function("alcove_seal", |b| {
        b.iter(|| {
            sealer.seal(
                black_box("messages"),
                black_box(b"0123456789abcdef"),
                black_box(&value),
            )
        })
    });
    group.bench_function("raw_xchacha20poly1305", |b| {
        b.iter(|| {
            raw.encrypt(
                &nonce,
                Payload {
                    msg: black_box(&value),
                    aad: black_box(b"messages0123456789abcdef"),
                },
            )
        })
    });
    group.finish();

    let sealed = sealer.seal("messages", b"0123456789abcdef", &value);
    let raw_ct = raw
        .encrypt(
            &nonce,
            Payload {
                msg: &value,
                aad: b"messages0123456789abcdef",
            },
        )
        .unwrap();
    let mut group = c.benchmark_group("open_1KiB");
    group.bench_function("alcove_open", |b| {
        b.iter(|| {
            sealer.open(
                black_box("messages"),
                black_box(b"0123456789abcdef"),
                black_box(&sealed),
            )
        })
    });
    group.bench_function("raw_xchacha20poly1305", |b| {
        b.iter(|| {
            raw.decrypt(
                &nonce,
                Payload {
                    msg: black_box(&raw_ct),
                    aad: black_box(b"messages0123456789abcdef"),
                },
            )
        })
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    support::print_ratio("seal_1KiB", "alcove_seal", "raw_xchacha20poly1305");
    support::print_ratio("open_1KiB", "alcove_open", "raw_xchacha20poly1305");
}
