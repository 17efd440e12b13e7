//! The layers run one way: a module may name (`crate::…`) only modules of a lower layer.
//! Reads every `src/**/*.rs` file; an import that goes up or sideways fails.
//! ARCHITECTURE.md explains the layers.

use std::collections::BTreeSet;
use std::path::Path;

/// Bottom first. A module may import modules of lower layers only.
/// `ids` sits above `crypto` because a new id draws from `crypto::random`, the one random
/// source.
const LAYERS: &[&[&str]] = &[
    &["fsutil", "clock"],
    &["crypto"],
    &["ids", "config"],
    &["store", "tls"],
    &["policy"],
    &["backup", "datadir"],
    &["domain"],
    &["jobs", "mail", "vault"],
    &["error"],
    &["web", "admin"],
    &["commands"],
    &["serve"],
    &["cli", "logging", "fuzzing", "fuzzing_tests", "main", "lib"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

pub fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules a file names as `crate::<module>`, outside comments.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn every_import_goes_down_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs");
        let Some(from) = layer(module) else {
            wrong.push(format!(
                "{rel}: module `{module}` is in no layer (add it to LAYERS)"
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for named in named_modules(&text) {
            if named == module {
                continue;
            }
            let Some(to) = layer(&named) else { continue };
            if to < from {
                continue;
            }
            wrong.push(format!(
                "{rel} (layer {from}) names crate::{named} (layer {to})"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}
