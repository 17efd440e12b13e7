//! `alcove init`, and the same set-up on `serve`'s first start: keys, keyring and store in a
//! new data directory, and the recovery key with a plain warning about where it belongs.

use std::path::Path;

use crate::clock::Clock;
use crate::crypto::unlock::Passphrase;
use crate::datadir::{self, DEFAULT_RECOVERY_FILE};
use crate::error::Error;

/// `alcove init`: locked with the passphrase in `passphrase_file` when one is given.
pub fn init(
    dir: &Path,
    passphrase_file: Option<&Path>,
    recovery_out: &Path,
    clock: &dyn Clock,
) -> Result<(), Error> {
    let passphrase = match passphrase_file {
        Some(f) => {
            let p = Passphrase::from_file(f).map_err(Error::Passphrase)?;
            p.check_new().map_err(Error::Passphrase)?;
            Some(p)
        }
        None => None,
    };
    let report = datadir::init(dir, passphrase.as_ref(), recovery_out, clock)?;
    println!("Alcove is set up in {}.", report.data_dir.display());
    if report.passphrase_locked {
        println!("The data directory is locked with your passphrase: the server starts locked");
        println!("until you type it on the portal's page or pass --passphrase-file.");
    }
    println!();
    println!(
        "Your recovery key was written to {}.",
        report.recovery_file.display()
    );
    println!("Keep it OFFLINE: copy it to a USB stick kept somewhere safe (or print it),");
    println!("then delete it from this computer. It is the only way to restore a backup or");
    println!("recover your data if this computer is lost, and anyone holding it can read");
    println!("your practice's data.");
    println!();
    println!(
        "Next: alcove --data-dir {} serve",
        report.data_dir.display()
    );
    Ok(())
}

/// `serve` on an empty data directory: set up without a passphrase, the recovery key in
/// `DATA_DIR/recovery-key.txt`.
pub fn first_start(dir: &Path, clock: &dyn Clock) -> Result<(), Error> {
    let recovery = dir.join(DEFAULT_RECOVERY_FILE);
    datadir::init(dir, None, &recovery, clock)?;
    println!("========================================================================");
    println!(
        "First start: Alcove set up a new data directory in {}",
        dir.display()
    );
    println!();
    println!("Your RECOVERY KEY was written to:");
    println!("    {}", recovery.display());
    println!("Move it OFF this computer now (a USB stick kept in a safe place, or a");
    println!("printout), then delete it here. It is the only way to restore a backup");
    println!("if this computer is lost, and anyone who has it can read your data.");
    println!("========================================================================");
    Ok(())
}
