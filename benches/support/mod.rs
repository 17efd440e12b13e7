//! Prints a subject's time beside its baseline from the same run, as a ratio.

use std::path::PathBuf;

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

fn mean_ns(group: &str, id: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

/// Prints `subject / baseline` for a criterion group measured in this run.
pub fn print_ratio(group: &str, subject: &str, baseline: &str) {
    match (mean_ns(group, subject), mean_ns(group, baseline)) {
        (Some(s), Some(b)) => println!(
            "RATIO {group}: {subject} {:.2} µs vs {baseline} {:.2} µs = {:.2}x",
            s / 1000.0,
            b / 1000.0,
            s / b
        ),
        _ => println!("RATIO {group}: estimates not found (run with `cargo bench`)"),
    }
}
