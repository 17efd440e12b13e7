//! The `alcove` command.

use std::process::ExitCode;
use std::sync::Arc;

use alcove::admin::{self, Request, Response};
use alcove::cli::{AuditCommand, BackupCommand, Cli, Command, LocalArgs, UserCommand};
use alcove::clock::SystemClock;
use alcove::config::{Config, FlagOverrides};
use alcove::crypto::unlock::Passphrase;
use alcove::error::Error;
use alcove::serve::{self, ServeOptions};
use alcove::{commands, logging};
use clap::{CommandFactory, FromArgMatches};

/// mimalloc gives freed memory back to the system where glibc's allocator keeps it per
/// thread: the server's memory stays flat after a burst of password hashing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    alcove_alloc_tune::purge_freed_memory_at_once();
    // `alcove --version` names the data schema this build reads and writes, too.
    let version: &'static str = Box::leak(
        format!(
            "{} (data schema {})",
            env!("CARGO_PKG_VERSION"),
            alcove::store::SCHEMA_VERSION
        )
        .into_boxed_str(),
    );
    let matches = Cli::command().version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Init(args) => {
            let config = Config::load(
                &cli.data_dir,
                cli.config.as_deref(),
                &FlagOverrides::default(),
            )?;
            alcove::store::set_cache_megabytes(config.store.cache_megabytes);
            logging::init(config.log_level);
            commands::init::init(
                &cli.data_dir,
                args.passphrase_file.as_deref(),
                &args.recovery_out,
                &SystemClock,
            )
        }
        Command::User(cmd) => {
            let (request, local) = match cmd {
                UserCommand::List(l) => (Request::UserList, l),
                UserCommand::ResetPassword(a) => {
                    (Request::ResetPassword { email: a.email }, a.local)
                }
                UserCommand::ResetMfa(a) => (Request::ResetMfa { email: a.email }, a.local),
                UserCommand::Disable(a) => (Request::Disable { email: a.email }, a.local),
            };
            local_admin(&cli.data_dir, cli.config.as_deref(), &local, &request)
        }
        Command::Audit(AuditCommand::Verify(local)) => local_admin(
            &cli.data_dir,
            cli.config.as_deref(),
            &local,
            &Request::AuditVerify,
        ),
        Command::Backup(cmd) => {
            let (request, local) = match cmd {
                BackupCommand::Now(l) => (Request::BackupNow, l),
                BackupCommand::List(l) => (Request::BackupList, l),
                BackupCommand::Check(l) => (Request::BackupCheck, l),
                BackupCommand::Verify(args) => {
                    logging::init(alcove::config::LogLevel::Warn);
                    return commands::backup::verify(
                        &cli.data_dir,
                        cli.config.as_deref(),
                        &args.file,
                        &args.identity,
                    );
                }
                BackupCommand::Drill(args) => {
                    logging::init(alcove::config::LogLevel::Warn);
                    return commands::backup::drill(
                        &cli.data_dir,
                        cli.config.as_deref(),
                        &args.identity,
                    );
                }
            };
            local_admin(&cli.data_dir, cli.config.as_deref(), &local, &request)
        }
        Command::Doctor(local) => local_admin(
            &cli.data_dir,
            cli.config.as_deref(),
            &local,
            &Request::Doctor,
        ),
        #[cfg(debug_assertions)]
        Command::SetSchemaVersionForTests { version } => {
            alcove::datadir::rewind_schema_for_tests(&cli.data_dir, version)?;
            Ok(())
        }
        Command::Restore(args) => {
            logging::init(alcove::config::LogLevel::Warn);
            let text = commands::restore::restore(
                &args.backup.file,
                &args.backup.identity,
                &cli.data_dir,
                args.force,
                args.keep_config,
            )?;
            print!("{text}");
            Ok(())
        }
        Command::Serve(args) => {
            let flags = FlagOverrides {
                listen: args.listen,
                http_listen: args.http_listen,
            };
            let config = Config::load(&cli.data_dir, cli.config.as_deref(), &flags)?;
            alcove::store::set_cache_megabytes(config.store.cache_megabytes);
            logging::init(config.log_level);
            serve::run(ServeOptions {
                data_dir: cli.data_dir,
                config: Arc::new(config),
                passphrase_file: args.passphrase_file,
            })
        }
    }
}

fn local_admin(
    dir: &std::path::Path,
    config_file: Option<&std::path::Path>,
    local: &LocalArgs,
    request: &Request,
) -> Result<(), Error> {
    let config = Config::load(dir, config_file, &FlagOverrides::default())?;
    alcove::store::set_cache_megabytes(config.store.cache_megabytes);
    logging::init(alcove::config::LogLevel::Warn);
    let passphrase = match &local.passphrase_file {
        Some(f) => Some(Passphrase::from_file(f).map_err(Error::Passphrase)?),
        None => None,
    };
    match admin::client::run(dir, &config, passphrase.as_ref(), request) {
        Response::Ok { text } => {
            print!("{text}");
            Ok(())
        }
        Response::Failed { message } => Err(Error::Admin(message)),
    }
}
