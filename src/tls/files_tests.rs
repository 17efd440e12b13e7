use super::*;
use time::Duration as Days;

struct Pair {
    cert: String,
    key: String,
}

fn pair(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Pair {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["portal.example.org".to_owned()]).unwrap();
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params.self_signed(&key).unwrap();
    Pair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

fn now() -> OffsetDateTime {
    crate::clock::Clock::now(&crate::clock::SystemClock)
}

fn current() -> Pair {
    pair(now() - Days::days(1), now() + Days::days(90))
}

fn write(dir: &Path, p: &Pair) -> (PathBuf, PathBuf) {
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, &p.cert).unwrap();
    std::fs::write(&k, &p.key).unwrap();
    (c, k)
}

#[test]
fn a_good_pair_loads_with_its_dates_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = write(dir.path(), &current());
    let cert = load(&c, &k, now()).unwrap();
    assert_eq!(cert.names, vec!["portal.example.org".to_owned()]);
    assert!(cert.not_after > now() + Days::days(89));
    assert_eq!(cert.fingerprint.len(), 32 * 3 - 1);
    assert!(!format!("{cert:?}").contains("PRIVATE"));
}

#[test]
fn each_bad_pair_is_refused_naming_the_key_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let good = current();
    let (c, k) = write(dir.path(), &good);

    let missing = dir.path().join("nope.pem");
    let e = load(&missing, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.cert_file`") && e.contains("no such file"),
        "{e}"
    );
    let e = load(&c, &missing, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.key_file`") && e.contains("no such file"),
        "{e}"
    );

    let huge = dir.path().join("huge.pem");
    std::fs::write(&huge, vec![b'A'; 1024 * 1024 + 10]).unwrap();
    let e = load(&huge, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.cert_file`") && e.contains("larger than 1 MiB"),
        "{e}"
    );
    let e = load(&c, dir.path(), now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.key_file`") && e.contains("cannot be read"),
        "a folder: {e}"
    );

    std::fs::write(&k, "not a key at all\n").unwrap();
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.key_file`") && e.contains("no PEM private key"),
        "{e}"
    );
    // A certificate where the key should be is no key either.
    std::fs::write(&k, &good.cert).unwrap();
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(e.contains("`tls.key_file`"), "{e}");

    std::fs::write(&k, &good.key).unwrap();
    std::fs::write(&c, "hello\n").unwrap();
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.cert_file`") && e.contains("no PEM certificate"),
        "{e}"
    );
    std::fs::write(
        &c,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.cert_file`") && e.contains("cannot be read"),
        "{e}"
    );

    // Another certificate's key.
    std::fs::write(&c, &good.cert).unwrap();
    std::fs::write(&k, current().key).unwrap();
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.key_file`") && e.contains("does not belong"),
        "{e}"
    );

    let old = pair(now() - Days::days(100), now() - Days::days(1));
    let (c, k) = write(dir.path(), &old);
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(
        e.contains("`tls.cert_file`") && e.contains("expired on"),
        "{e}"
    );
    let early = pair(now() + Days::days(2), now() + Days::days(100));
    let (c, k) = write(dir.path(), &early);
    let e = load(&c, &k, now()).unwrap_err().to_string();
    assert!(e.contains("not valid until"), "{e}");
}

#[test]
fn a_key_in_the_certificate_file_and_a_chain_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["portal.example.org".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let both = dir.path().join("both.pem");
    std::fs::write(
        &both,
        format!("{}{}{}", leaf.pem(), ca.pem(), leaf_key.serialize_pem()),
    )
    .unwrap();
    let cert = load(&both, &both, now()).unwrap();
    assert_eq!(cert.key.cert.len(), 2, "the chain is served whole");
    // The CA first is the wrong order: its key is not the server's.
    std::fs::write(
        &both,
        format!("{}{}{}", ca.pem(), leaf.pem(), leaf_key.serialize_pem()),
    )
    .unwrap();
    let e = load(&both, &both, now()).unwrap_err().to_string();
    assert!(e.contains("does not belong"), "{e}");
}

#[test]
fn a_good_replacement_is_swapped_in_and_a_bad_one_warned_about_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = current();
    let (c, k) = write(dir.path(), &first);
    let loaded = load(&c, &k, now()).unwrap();
    let resolver = SwappableResolver::from_key(loaded.key.clone());
    let mut watch = Watch::new(&c, &k);
    assert!(matches!(watch.look(&resolver, now()), Looked::Unchanged));

    let second = current();
    write(dir.path(), &second);
    let Looked::Swapped(swapped) = watch.look(&resolver, now()) else {
        panic!("not swapped")
    };
    assert_ne!(swapped.fingerprint, loaded.fingerprint);
    assert!(matches!(watch.look(&resolver, now()), Looked::Unchanged));

    // Half a replacement (a new certificate, the old key): not yet a warning.
    std::fs::write(&c, current().cert).unwrap();
    assert!(matches!(watch.look(&resolver, now()), Looked::NotYet));
    assert!(matches!(
        watch.look(&resolver, now()),
        Looked::Refused(FilesError::Mismatch { .. })
    ));
    assert!(
        matches!(watch.look(&resolver, now()), Looked::Unchanged),
        "warned once"
    );
    // The file disappears (a rename in progress, a removed file): the same story.
    std::fs::remove_file(&c).unwrap();
    assert!(matches!(watch.look(&resolver, now()), Looked::NotYet));
    assert!(matches!(
        watch.look(&resolver, now()),
        Looked::Refused(FilesError::Unreadable { .. })
    ));
    // Put back what is served: nothing to do.
    std::fs::write(&c, &second.cert).unwrap();
    assert!(matches!(watch.look(&resolver, now()), Looked::Unchanged));
}
