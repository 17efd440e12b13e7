//! The commands that work on a data directory from the command line: `init`, `backup
//! verify` / `backup drill` and `restore`. They sit above the services and the admin socket:
//! they run services (a restore voids old links and records itself), ask the admin socket
//! whether a server is running, and record results for the dashboard. The archive format
//! stays in `backup`, the data directory's files in `datadir`.

pub mod backup;
pub mod init;
pub mod rebuild;
pub mod restore;

use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::crypto::RecoveryIdentity;
use crate::error::Error;

/// A progress bar over `file`'s bytes, labelled `verb`.
fn bar(file: &Path, verb: &str) -> ProgressBar {
    let total = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(verb.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn identity(path: &Path) -> Result<RecoveryIdentity, Error> {
    RecoveryIdentity::read(path).map_err(Error::RecoveryKey)
}
