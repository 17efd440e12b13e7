//! The `alcove` command.

use std::process::ExitCode;
use std::sync::Arc;

use alcove::admin::{self, Request, Response};
use alcove::cli::{AuditCommand, Cli, Command, InitArgs, LocalArgs, UserCommand};
use alcove::clock::SystemClock;
use alcove::config::{Config, FlagOverrides};
use alcove::crypto::unlock::Passphrase;
use alcove::error::Error;
use alcove::serve::{self, ServeOptions};
use alcove::{datadir, logging};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Some(f) => Some(Passphrase::from_file(f).map_err(Error::Passphrase)?),
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
