//! Backup files: `alcove-<UTC time to the millisecond>.tar.age`, an age file encrypted to
//! the recovery recipient (and any extra recipients), never to the machine key, holding a
//! tar of `store/NNNNN.bin` (the store's rows, still sealed, from one read transaction),
//! `alcove.toml` (the configuration file, when there is one), `keyring.age` (encrypted to exactly the same recipients as the file, so every key that
//! opens the file can restore it), and `manifest.json` (format, version, time, rows per
//! table, SHA-256 of every file, audit chain head, recipients). The stock `age` CLI
//! decrypts it. Rebuilding a data directory from a backup is `commands::rebuild`'s.

mod error;
mod manifest;
mod read;
pub mod rotate;
pub mod s3;
mod stream;
mod write;

pub use error::BackupError;

/// The configuration file's name inside a backup (and in a data directory).
pub const CONFIG_ENTRY: &str = crate::config::CONFIG_FILE;
pub use manifest::{AuditHead, FileEntry, Manifest};
pub use read::{open_backup, unpack, Opened};
pub use stream::{decrypt_backup, stream_backup, Streamed};
pub use write::{write_backup, Written};

/// File name of a backup taken at `at`, to the millisecond: names sort as the times do,
/// and two backups a moment apart get two names (`write_backup` makes them unique).
pub fn file_name(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "alcove-{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z.tar.age",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// The time in a backup file name, if it is one (with milliseconds, or without as older
/// versions wrote them).
pub fn time_of(name: &str) -> Option<time::OffsetDateTime> {
    let stamp = name.strip_prefix("alcove-")?.strip_suffix(".tar.age")?;
    let precise = time::macros::format_description!(
        "[year][month][day]T[hour][minute][second].[subsecond digits:3]Z"
    );
    let whole = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(stamp, precise)
        .or_else(|_| time::PrimitiveDateTime::parse(stamp, whole))
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_utc_time_and_read_back() {
        let at = time::macros::datetime!(2026-11-23 02:30:05.042 UTC);
        let name = file_name(at);
        assert_eq!(name, "alcove-20261123T023005.042Z.tar.age");
        assert_eq!(time_of(&name), Some(at));
        let older = time::macros::datetime!(2026-11-23 02:30:05 UTC);
        assert_eq!(time_of("alcove-20261123T023005Z.tar.age"), Some(older));
        assert_eq!(time_of("alcove-x.tar.age"), None);
        assert_eq!(time_of(".alcove-20261123T023005Z.tar.age.partial"), None);
    }
}
