//! Backup files: `alcove-<UTC timestamp>.tar.age`, an age file encrypted to the recovery
//! recipient (and any extra recipients), never to the machine key, holding a tar of
//! `store/NNNNN.bin` (the store's rows, still sealed, from one read transaction),
//! `keyring.age`, and `manifest.json` (format, version, time, rows per table, SHA-256 of
//! every file, audit chain head). The stock `age` CLI decrypts it.

pub mod cli;
mod error;
mod manifest;
mod read;
mod restore;
pub mod rotate;
pub mod s3;
mod write;

pub use error::BackupError;
pub use manifest::{AuditHead, FileEntry, Manifest};
pub use read::{open_backup, unpack, Opened};
pub use restore::{rebuild, restore_into, RestoreReport};
pub use write::{write_backup, Written};

/// File name of a backup taken at `at`.
pub fn file_name(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "alcove-{:04}{:02}{:02}T{:02}{:02}{:02}Z.tar.age",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The time in a backup file name, if it is one.
pub fn time_of(name: &str) -> Option<time::OffsetDateTime> {
    let stamp = name.strip_prefix("alcove-")?.strip_suffix(".tar.age")?;
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(stamp, format)
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_utc_time_and_read_back() {
        let at = time::macros::datetime!(2026-11-23 02:30:05 UTC);
        let name = file_name(at);
        assert_eq!(name, "alcove-20261123T023005Z.tar.age");
        assert_eq!(time_of(&name), Some(at));
        assert_eq!(time_of("alcove-x.tar.age"), None);
        assert_eq!(time_of(".alcove-20261123T023005Z.tar.age.partial"), None);
    }
}
