//! Attachments over HTTPS: the practice writes, the client reads (a receipt appears) and
//! answers with a file, the practice downloads the same bytes. Oversized and wrong-kind
//! files are refused with a reason and leave nothing in the store; names and contents never
//! reach the database file in clear.

use crate::canary::{assert_absent, count, database_file, logs};
use crate::kit::pdf_like;
use crate::visitor::{href_with, location};
use crate::world::World;

const CONTENT_CANARY: &str = "CANARY-file-4b2d-panic-attack-diary";
const NAME_CANARY: &str = "CANARY-name-e81c";
const BIG_CANARY: &str = "CANARY-big-0f6a";

fn chunks_in_store(data: &std::path::Path) -> u64 {
    let store = alcove::datadir::open(data, None).expect("open the store");
    store
        .read(|tx| tx.count(alcove::store::tables::ATTACHMENT_CHUNKS))
        .unwrap()
}

fn header<'a>(reply: &'a crate::kit::Reply, name: &str) -> &'a str {
    reply.header(name).unwrap_or("")
}

#[test]
fn client_answers_with_a_file_and_the_practice_downloads_the_same_bytes() {
    let world = World::builder()
        .env("ALCOVE_ATTACHMENTS__MAX_MEGABYTES", "1")
        .client("Robin Vale", "robin@example.org")
        .start();
    let data = &world.data;
    let mut owner = world.owner();
    let (client_id, mut client) = world.client("Robin Vale");

    // The practice writes; the client reads, and the practice sees the receipt.
    let compose = owner.get("/messages/new");
    let started = owner.post_multipart(
        "/messages",
        &compose.body,
        &[
            ("client", &client_id),
            ("subject", "Before Thursday"),
            ("body", "Could you send the sleep diary?"),
        ],
        None,
    );
    assert_eq!(started.status, 303, "{}", started.body);
    let thread = location(&started).to_owned();
    let read = client.get(&thread);
    assert!(read.body.contains("sleep diary"));
    assert!(owner.get(&thread).body.contains("Seen "), "receipt appears");

    // The client answers with a file of three chunks.
    let file = pdf_like(700 * 1024, CONTENT_CANARY);
    let name = format!("{NAME_CANARY} diary.pdf");
    let sent = client.post_multipart(
        &thread,
        &read.body,
        &[("body", "Here it is.")],
        Some((&name, &file)),
    );
    assert_eq!(sent.status, 303, "{}", sent.body);

    // The practice sees it and downloads exactly the same bytes, as a download.
    let page = owner.get(&thread);
    assert!(page.body.contains(&name), "the file is listed by name");
    let link = href_with(&page.body, "/files/");
    let got = owner.get(&link);
    assert_eq!(got.status, 200);
    assert!(got.bytes == file, "the same bytes come back");
    assert_eq!(header(&got, "content-type"), "application/pdf");
    assert_eq!(header(&got, "x-content-type-options"), "nosniff");
    let disposition = header(&got, "content-disposition");
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("diary.pdf"),
        "{disposition}"
    );
    // The client can download their own file too; nobody signed out can.
    assert!(client.get(&link).bytes == file);
    assert_eq!(world.anonymous().get(&link).status, 303);

    // Too large: refused with the reason, the typed text kept, nothing stored.
    let page = client.get(&thread);
    let big = client.post_multipart(
        &thread,
        &page.body,
        &[("body", "Also this one")],
        Some(("scan.pdf", &pdf_like(1024 * 1024 + 10, BIG_CANARY))),
    );
    assert_eq!(big.status, 400);
    assert!(
        big.body.contains("larger than the 1 MB limit"),
        "{}",
        big.body
    );
    assert!(big.body.contains("Also this one"), "the typed text is kept");

    // Named as one kind, made of another; or a kind not accepted at all.
    let png_as_pdf = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    for (file_name, bytes, why) in [
        ("letter.pdf", png_as_pdf.clone(), "its contents are not"),
        (
            "notes.txt",
            b"MZ\x90\0\x03\0\0\0binary".to_vec(),
            "its contents are not",
        ),
        ("setup.exe", b"MZ\x90\0".to_vec(), "cannot be sent here"),
        ("empty.pdf", Vec::new(), "empty"),
    ] {
        let page = client.get(&thread);
        let refused = client.post_multipart(
            &thread,
            &page.body,
            &[("body", "")],
            Some((file_name, &bytes)),
        );
        assert_eq!(refused.status, 400, "{file_name}");
        assert!(refused.body.contains(why), "{file_name}: {}", refused.body);
    }
    let text = client.get(&thread);
    assert_eq!(
        count(text.body.as_bytes(), "/files/"),
        1,
        "only the accepted file is listed"
    );

    let logs = logs(&world.server);
    world.server.halt();
    assert_eq!(
        chunks_in_store(data),
        3,
        "only the accepted file's three chunks are stored"
    );
    let canaries = [CONTENT_CANARY, NAME_CANARY, BIG_CANARY];
    assert_absent("the database file", &database_file(data), &canaries);
    assert_absent("the logs", logs.as_bytes(), &canaries);
}
