//! The command line (clap). Scripts and tests rely on these names; see README.md.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "alcove",
    version,
    about = "A secure client portal for therapy practices, in one program.",
    long_about = "A secure client portal for therapy practices, in one program.\n\n\
        Start with `alcove serve`: on an empty data directory it sets everything up, \
        prints a one-time link to create the owner account, and serves HTTPS."
)]
pub struct Cli {
    /// The data directory: database, keys, certificate, configuration.
    #[arg(
        long,
        global = true,
        env = "ALCOVE_DATA_DIR",
        default_value = "./alcove-data"
    )]
    pub data_dir: PathBuf,

    /// Configuration file (default: DATA_DIR/alcove.toml).
    #[arg(long, global = true, env = "ALCOVE_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new data directory: keys, keyring, database, and your recovery key.
    Init(InitArgs),
    /// Run the portal (sets up an empty data directory first).
    Serve(ServeArgs),
    /// Manage accounts on this computer (works whether or not the server runs).
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Take, list, check and verify encrypted backups.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Restore a backup into a new data directory (given with --data-dir).
    Restore(RestoreArgs),
    /// Check this installation: backups, restore tests, sign-in codes, audit log,
    /// permissions, recovery key, clock. Exits non-zero when a check fails.
    Doctor(LocalArgs),
    /// Test hook: set a stopped store's schema version (one back, or ahead). Only in debug
    /// builds (the test suite's): a released binary has no way to rewrite the schema record.
    #[cfg(debug_assertions)]
    #[command(hide = true)]
    SetSchemaVersionForTests { version: u32 },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Take a backup now (into DATA_DIR/backups and every folder in `backup.folders`).
    Now(LocalArgs),
    /// List the backups this data directory has written.
    List(LocalArgs),
    /// Re-read every backup copy and report damage (bit rot, truncation).
    Check(LocalArgs),
    /// Decrypt a backup file in a temporary place and check everything in it; changes
    /// nothing.
    Verify(BackupFileArgs),
    /// Restore drill: restore the newest backup in DATA_DIR/backups into a scratch folder,
    /// check everything as `restore` does, time it, record the result, delete the copy.
    Drill(DrillArgs),
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// Your recovery key file (or any backup recipient's identity).
    #[arg(long, value_name = "KEY")]
    pub identity: PathBuf,
}

#[derive(Debug, Args)]
pub struct BackupFileArgs {
    /// The backup file (alcove-….tar.age).
    pub file: PathBuf,
    /// Your recovery key file.
    #[arg(long, value_name = "KEY")]
    pub identity: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub backup: BackupFileArgs,
    /// Restore into a data directory that is not empty: its contents are moved aside
    /// (never deleted) to DATA_DIR.replaced-<time>.
    #[arg(long)]
    pub force: bool,
    /// Keep the configuration file (alcove.toml) already in the data directory instead of
    /// the one inside the backup.
    #[arg(long)]
    pub keep_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List every account with its role, status and sign-in codes.
    List(LocalArgs),
    /// Print a one-time link (24 hours) with which the person sets a new password.
    ResetPassword(EmailArgs),
    /// Remove an account's sign-in codes; it sets them up again at the next sign-in.
    ResetMfa(EmailArgs),
    /// Switch an account off and end its sessions.
    Disable(EmailArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the audit log's hash chain; exits non-zero at the first broken, reordered or
    /// missing event.
    Verify(LocalArgs),
}

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// When the server is stopped and the data directory is locked with a passphrase.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EmailArgs {
    /// The account's email address.
    pub email: String,
    #[command(flatten)]
    pub local: LocalArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Lock the data directory with the passphrase in this file. The server then starts
    /// locked and must be unlocked on its web page or with `serve --passphrase-file`.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// Where to write your recovery key (created with owner-only permissions; an existing
    /// file is never overwritten). Keep it offline.
    #[arg(long, value_name = "FILE")]
    pub recovery_out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address for HTTPS [config: listen; default 127.0.0.1:8443].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Address for plain HTTP that only redirects to HTTPS [config: http_listen].
    #[arg(long, value_name = "ADDR")]
    pub http_listen: Option<SocketAddr>,

    /// Unlock a passphrase-locked data directory at start with the passphrase in this file.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}
