//! `alcove backup verify` and `alcove backup drill`: the backup decrypted and checked in a
//! scratch folder (nothing changes), a plain report, and the result recorded for the
//! dashboard of the data directory it was run beside.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::rebuild::{rebuild, RestoreReport};
use crate::admin::{self, Request, Response};
use crate::backup::{open_backup, BackupError};
use crate::config::{Config, FlagOverrides};
use crate::error::Error;

/// Decrypts and checks `file` in a temporary place; changes nothing. Returns the report and
/// how long it took.
pub fn check(file: &Path, identity_file: &Path) -> Result<(RestoreReport, Duration), Error> {
    let started = Instant::now();
    let id = super::identity(identity_file)?;
    let progress = super::bar(file, "Verifying");
    let scratch = std::env::temp_dir();
    let result = (|| {
        let opened = open_backup(file, &id, &scratch, &progress)?;
        let staging = tempfile::Builder::new()
            .prefix(".alcove-verify-store-")
            .tempdir_in(&scratch)?;
        let (_, report) = rebuild(&opened, &id, staging.path())?;
        Ok::<_, BackupError>(report)
    })();
    progress.finish_and_clear();
    Ok((result?, started.elapsed()))
}

/// `backup verify`: checks the file, prints the report, and, when run beside a data
/// directory, records the restore test for its dashboard.
pub fn verify(
    dir: &Path,
    config_file: Option<&Path>,
    file: &Path,
    identity_file: &Path,
) -> Result<(), Error> {
    let result = check(file, identity_file);
    let (ok, millis, summary) = match &result {
        Ok((_, took)) => (
            true,
            took.as_millis() as u64,
            "the backup verified".to_owned(),
        ),
        Err(e) => (false, 0, format!("a backup did not verify: {e}")),
    };
    if crate::datadir::is_initialized(dir) {
        if let Ok(config) = Config::load(dir, config_file, &FlagOverrides::default()) {
            let request = Request::RestoreTested {
                ok,
                millis,
                summary,
            };
            if let Response::Failed { message } = admin::client::run(dir, &config, None, &request) {
                eprintln!("(The result could not be recorded for the dashboard: {message})");
            }
        }
    }
    let (report, took) = result?;
    println!(
        "The backup is complete and intact ({:.1} s). Nothing was changed.\n{report}",
        took.as_secs_f64()
    );
    Ok(())
}

/// `backup drill`: `verify` with the newest backup in `DATA_DIR/backups`.
pub fn drill(dir: &Path, config_file: Option<&Path>, identity_file: &Path) -> Result<(), Error> {
    let file = newest_backup(&dir.join("backups")).ok_or_else(|| {
        Error::Admin(format!(
            "There is no backup in {} to drill with; run `alcove backup now` first.",
            dir.join("backups").display()
        ))
    })?;
    println!("Restore drill with {}:", file.display());
    verify(dir, config_file, &file, identity_file)
}

/// The newest backup file in `dir`, by the time in its name.
fn newest_backup(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            crate::backup::time_of(&name).map(|t| (t, e.path()))
        })
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}
