//! `alcove serve`: initialize an empty data directory, load the certificate, unlock (or
//! start sealed), bind, print where to go, and run until stopped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::crypto::unlock::Passphrase;
use crate::datadir::{self, DEFAULT_RECOVERY_FILE};
use crate::domain::setup;
use crate::error::Error;
use crate::store::{Store, StoreError};
use crate::tls::{self, SwappableResolver};
use crate::web::{self, AppState, RedirectTarget};

pub struct ServeOptions {
    pub data_dir: PathBuf,
    pub config: Arc<Config>,
    pub passphrase_file: Option<PathBuf>,
}

/// Names the self-signed certificate must cover.
fn certificate_names(config: &Config) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = &config.hostname {
        if !names.contains(host) {
            names.push(host.clone());
        }
    }
    let ip = config.listen.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        names.push(ip.to_string());
    }
    names
}

fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener, Error> {
    TcpListener::bind(addr).map_err(|e| Error::Bind {
        what: what.to_owned(),
        addr,
        source: e,
    })
}

/// Installs the opened store and, while no owner account exists, issues a fresh one-time
/// setup link, prints it on the console and returns it.
pub fn open_for_business(state: &AppState, store: Store) -> Result<Option<String>, StoreError> {
    state.unseal(store.clone())?;
    if setup::owner_exists(&store)? {
        return Ok(None);
    }
    let issued = setup::issue(&store, state.clock.as_ref())?;
    let link = format!("{}/setup/{}", state.origin, issued.token);
    println!();
    println!("Create the owner account with this one-time link (valid for 24 hours):");
    println!("    {link}");
    println!();
    Ok(Some(link))
}

pub fn run(opts: ServeOptions) -> Result<(), Error> {
    let clock: SharedClock = Arc::new(SystemClock);
    let dir = &opts.data_dir;
    if !datadir::is_initialized(dir) {
        first_start_init(dir, clock.as_ref())?;
    }

    let passphrase = match &opts.passphrase_file {
        Some(file) => Some(Passphrase::from_file(file).map_err(Error::Passphrase)?),
        None => None,
    };
    // Open before binding: a wrong passphrase given on the command line stops here.
    let store = if passphrase.is_some() || !datadir::needs_passphrase(dir) {
        Some(datadir::open(dir, passphrase.as_ref())?)
    } else {
        None
    };

    let config = opts.config.clone();
    let names = certificate_names(&config);
    let self_signed = tls::load_or_create(dir, &names, clock.now())?;
    let acme = config.tls.mode == crate::config::TlsMode::Acme;
    if !acme {
        tls::acme::clear_status(dir);
    }
    let stored = acme
        .then(|| tls::acme::stored(dir, &config.tls.acme.settings(), clock.now()))
        .flatten();
    let bundle = stored.clone().unwrap_or_else(|| self_signed.clone());
    let resolver = Arc::new(SwappableResolver::new(&bundle)?);
    if acme {
        // Before the TLS configuration is built: it then offers acme-tls/1 (TLS-ALPN-01).
        resolver.enable_acme();
    }

    let https = bind(config.listen, "HTTPS")?;
    let bound = https.local_addr()?;
    let origin = if bound.port() == 443 {
        format!("https://{}", config.public_host(bound))
    } else {
        format!("https://{}:{}", config.public_host(bound), bound.port())
    };
    let http = match config.http_listen {
        Some(addr) => {
            let listener = bind(addr, "HTTP redirect")?;
            let target = RedirectTarget {
                https_port: bound.port(),
                hostname: config.hostname.clone(),
            };
            Some((listener, target))
        }
        None => None,
    };

    println!("Alcove is listening on {origin}/");
    if let Some((l, _)) = &http {
        println!(
            "Plain HTTP on http://{} redirects to HTTPS.",
            l.local_addr()?
        );
    }
    println!("Certificate SHA-256 fingerprint: {}", bundle.fingerprint()?);
    if stored.is_some() {
        println!("(From the ACME directory {}.)", config.tls.acme.directory);
    } else {
        println!(
            "(Self-signed: your browser will ask you to confirm this fingerprint the first time.)"
        );
    }
    if acme {
        println!(
            "A certificate for {} is requested from {} in the background.",
            config.tls.acme.domains.join(", "),
            config.tls.acme.directory
        );
    }

    let mailer = crate::mail::Mailer::from_config(&config.smtp, &config.public_host(bound))
        .map_err(|e| Error::Config(crate::config::ConfigError::Invalid(e.to_string())))?;
    let renewal = tls::keep_renewed(
        dir.clone(),
        names,
        resolver.clone(),
        clock.clone(),
        bundle.fingerprint()?,
    );
    let mut acme_task = acme.then(|| tls::acme::Acme {
        data_dir: dir.clone(),
        config: config.tls.acme.settings(),
        resolver: resolver.clone(),
        clock: clock.clone(),
        on_outcome: None,
        fallback: self_signed.clone(),
    });
    // The services' clock; in debug builds a test may set it ahead (TLS keeps the real one).
    let mut state = AppState::new(
        config,
        dir.clone(),
        crate::clock::server_clock(),
        origin.clone(),
    );
    match &mailer {
        Some(_) => println!("Email alerts go out through the configured mail server."),
        None => {
            println!("Email alerts are off: no mail server is configured ([smtp] in alcove.toml).")
        }
    }
    state.mailer = mailer.map(Arc::new);
    if let Some(task) = &mut acme_task {
        let state = state.clone();
        task.on_outcome = Some(Arc::new(move |outcome| match state.vault() {
            Some(vault) => vault.services.certificate_outcome(outcome).is_ok(),
            None => false,
        }));
    }
    match store {
        Some(store) => {
            open_for_business(&state, store)?;
        }
        None => {
            println!();
            println!("The data directory is locked with a passphrase.");
            println!("Open {origin}/ and type it to unlock, or restart with --passphrase-file.");
        }
    }

    println!("Press Ctrl+C to stop.");

    actix_web::rt::System::new()
        .block_on(async move {
            match acme_task {
                // ACME renews its own; the self-signed one is made fresh at each start.
                Some(task) => drop(actix_web::rt::spawn(task.run())),
                None => drop(actix_web::rt::spawn(renewal)),
            }
            web::run(state, https, http, resolver).await
        })
        .map_err(Error::Server)
}

fn first_start_init(dir: &Path, clock: &dyn crate::clock::Clock) -> Result<(), Error> {
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
