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
