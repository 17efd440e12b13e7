//! The `alcove` command.

use std::process::ExitCode;
use std::sync::Arc;

use alcove::admin::{self, Request, Response};
use alcove::cli::{AuditCommand, BackupCommand, Cli, Command, InitArgs, LocalArgs, UserCommand};
use alcove::clock::SystemClock;
use alcove::config::{Config, FlagOverrides};
use alcove::crypto::unlock::Passphrase;
use alcove::error::Error;
use alcove::serve::{self, ServeOptions};
use alcove::{datadir, logging};
use clap::{CommandFactory, FromArgMatches};

/// mimalloc gives freed memory back to the system where glibc's allocator keeps it per
/// thread: the server's memory stays flat after a burst of password hashing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
            logging::init(config.log_level);
            init(&cli.data_dir, args)
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
                    return verify(&cli.data_dir, cli.config.as_deref(), &args)
                }
                BackupCommand::Drill(args) => {
                    let file = newest_backup(&cli.data_dir.join("backups")).ok_or_else(|| {
                        Error::Admin(format!(
                            "There is no backup in {} to drill with; run `alcove backup now` first.",
                            cli.data_dir.join("backups").display()
                        ))
                    })?;
                    println!("Restore drill with {}:", file.display());
                    let args = alcove::cli::BackupFileArgs {
                        file,
                        identity: args.identity,
                    };
                    return verify(&cli.data_dir, cli.config.as_deref(), &args);
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
            datadir::rewind_schema_for_tests(&cli.data_dir, version)?;
            Ok(())
        }
        Command::Restore(args) => {
            logging::init(alcove::config::LogLevel::Warn);
            let text = alcove::backup::cli::restore(
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
            logging::init(config.log_level);
            serve::run(ServeOptions {
                data_dir: cli.data_dir,
                config: Arc::new(config),
                passphrase_file: args.passphrase_file,
            })
        }
    }
}

fn init(dir: &std::path::Path, args: InitArgs) -> Result<(), Error> {
    let passphrase = match &args.passphrase_file {
        Some(f) => {
            let p = Passphrase::from_file(f).map_err(Error::Passphrase)?;
            p.check_new().map_err(Error::Passphrase)?;
            Some(p)
        }
        None => None,
    };
    let report = datadir::init(dir, passphrase.as_ref(), &args.recovery_out, &SystemClock)?;
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

/// `backup verify`: checks the file, prints the report, and, when run beside a data
/// directory, records the restore test for its dashboard.
fn verify(
    dir: &std::path::Path,
    config_file: Option<&std::path::Path>,
    args: &alcove::cli::BackupFileArgs,
) -> Result<(), Error> {
    logging::init(alcove::config::LogLevel::Warn);
    let result = alcove::backup::cli::verify(&args.file, &args.identity);
    let (ok, millis, summary) = match &result {
        Ok((_, took)) => (
            true,
            took.as_millis() as u64,
            "the backup verified".to_owned(),
        ),
        Err(e) => (false, 0, format!("a backup did not verify: {e}")),
    };
    if datadir::is_initialized(dir) {
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

/// The newest backup file in `dir`, by the time in its name.
fn newest_backup(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            alcove::backup::time_of(&name).map(|t| (t, e.path()))
        })
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}

fn local_admin(
    dir: &std::path::Path,
    config_file: Option<&std::path::Path>,
    local: &LocalArgs,
    request: &Request,
) -> Result<(), Error> {
    let config = Config::load(dir, config_file, &FlagOverrides::default())?;
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
