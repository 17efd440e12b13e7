//! `alcove serve`: initialize an empty data directory, load the certificate, unlock (or
//! start sealed), bind, print where to go, and run until stopped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use crate::clock::{Clock as _, SharedClock, SystemClock};
use crate::config::{Config, TlsMode};
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

/// What answers TLS, per `tls.mode`: the resolver (none behind a proxy), what to print
/// about the certificate, and the task that keeps it current.
struct ServedTls {
    resolver: Option<Arc<SwappableResolver>>,
    lines: Vec<String>,
    keeper: Option<LocalBoxFuture<'static, ()>>,
    /// `[tls] mode = "acme"`: the task that gets and renews the certificate.
    acme: Option<tls::acme::Acme>,
}

fn serve_tls(dir: &Path, config: &Config, clock: &SharedClock) -> Result<ServedTls, Error> {
    match config.tls.mode {
        TlsMode::SelfSigned => {
            let names = certificate_names(config);
            let bundle = tls::load_or_create(dir, &names, clock.now())?;
            let resolver = Arc::new(SwappableResolver::new(&bundle)?);
            let fingerprint = bundle.fingerprint()?;
            Ok(ServedTls {
                resolver: Some(resolver.clone()),
                lines: vec![
                    format!("Certificate SHA-256 fingerprint: {fingerprint}"),
                    "(Self-signed: your browser will ask you to confirm this fingerprint the first time.)".into(),
                ],
                keeper: Some(Box::pin(tls::keep_renewed(
                    dir.to_owned(),
                    names,
                    resolver,
                    clock.clone(),
                    fingerprint,
                ))),
                acme: None,
            })
        }
        TlsMode::Acme => acme_tls(dir, config, clock),
        TlsMode::Files => files_tls(config),
        TlsMode::Proxy => Ok(ServedTls {
            resolver: None,
            lines: vec![
                "TLS is the reverse proxy's: it holds the certificate ([tls] mode = \"proxy\")."
                    .into(),
            ],
            keeper: None,
            acme: None,
        }),
    }
}

/// `[tls] mode = "acme"`: the stored ACME certificate if it still serves, else the
/// self-signed one, while the task asks the directory for a new one.
fn acme_tls(dir: &Path, config: &Config, clock: &SharedClock) -> Result<ServedTls, Error> {
    let names = certificate_names(config);
    let self_signed = tls::load_or_create(dir, &names, clock.now())?;
    let settings = tls::acme::AcmeSettings::from(&config.tls.acme);
    let stored = tls::acme::stored(dir, &settings, clock.now());
    let bundle = stored.clone().unwrap_or_else(|| self_signed.clone());
    let resolver = Arc::new(SwappableResolver::new(&bundle)?);
    // Before the TLS configuration is built: it then offers acme-tls/1 (TLS-ALPN-01).
    resolver.enable_acme();
    let mut lines = vec![format!(
        "Certificate SHA-256 fingerprint: {}",
        bundle.fingerprint()?
    )];
    lines.push(if stored.is_some() {
        format!("(From the ACME directory {}.)", config.tls.acme.directory)
    } else {
        "(Self-signed: your browser will ask you to confirm this fingerprint the first time.)"
            .into()
    });
    lines.push(format!(
        "A certificate for {} is requested from {} in the background.",
        config.tls.acme.domains.join(", "),
        config.tls.acme.directory
    ));
    Ok(ServedTls {
        resolver: Some(resolver.clone()),
        lines,
        keeper: None,
        acme: Some(tls::acme::Acme {
            data_dir: dir.to_owned(),
            config: settings,
            resolver,
            clock: clock.clone(),
            on_outcome: None,
            fallback: self_signed,
        }),
    })
}

/// `[tls] mode = "files"`: checks the pair now, then watches it for replacements.
fn files_tls(config: &Config) -> Result<ServedTls, Error> {
    let (Some(cert), Some(key)) = (&config.tls.cert_file, &config.tls.key_file) else {
        return Err(Error::Config(crate::config::ConfigError::Invalid(
            "`tls.mode = \"files\"` needs `tls.cert_file` and `tls.key_file`".into(),
        )));
    };
    // Watch from before the read: a change in between is then seen at the first look.
    let watch = tls::files::Watch::new(cert, key);
    // The real clock, as for the self-signed certificate: browsers judge by theirs.
    let loaded = tls::files::load(cert, key, SystemClock.now()).map_err(tls::TlsError::from)?;
    if let Some(host) = &config.hostname {
        if !loaded.covers(host) {
            tracing::warn!(hostname = %host, "the certificate in `tls.cert_file` does not name `hostname`; browsers will refuse it for that name");
        }
    }
    if tls::files::readable_by_everyone(key) {
        tracing::warn!(key_file = %key.display(), "every user of this computer can read the private key in `tls.key_file`; chmod o-rwx it");
    }
    let resolver = Arc::new(SwappableResolver::from_key(loaded.key.clone()));
    Ok(ServedTls {
        resolver: Some(resolver.clone()),
        lines: vec![
            format!("Certificate SHA-256 fingerprint: {}", loaded.fingerprint),
            format!(
                "(From {}, valid until {}; a replaced file is served to new connections within seconds.)",
                cert.display(),
                crate::clock::human(loaded.not_after)
            ),
        ],
        keeper: Some(Box::pin(tls::files::keep_watching(watch, resolver))),
        acme: None,
    })
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
    // Own certificate files (and proxy mode, which has none) are checked before anything
    // is written; the self-signed certificate lives in the data directory, made below.
    let early = match opts.config.tls.mode {
        TlsMode::SelfSigned | TlsMode::Acme => None,
        _ => Some(serve_tls(dir, &opts.config, &clock)?),
    };
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
    if config.tls.mode != TlsMode::Acme {
        tls::acme::clear_status(dir);
    }
    let mut served = match early {
        Some(served) => served,
        None => serve_tls(dir, &config, &clock)?,
    };

    let behind_proxy = config.tls.mode == TlsMode::Proxy;
    let https = bind(config.listen, if behind_proxy { "HTTP" } else { "HTTPS" })?;
    let bound = https.local_addr()?;
    let origin = if bound.port() == 443 || behind_proxy {
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

    if behind_proxy {
        println!("Alcove is listening on http://{bound}/");
        println!("(Plain HTTP for the reverse proxy on this computer: browsers reach the portal through it at {origin}/.)");
    } else {
        println!("Alcove is listening on {origin}/");
    }
    if let Some((l, _)) = &http {
        println!(
            "Plain HTTP on http://{} redirects to HTTPS.",
            l.local_addr()?
        );
    }
    for line in &served.lines {
        println!("{line}");
    }

    let mailer = crate::mail::Mailer::from_config(&config.smtp, &config.public_host(bound))
        .map_err(|e| Error::Config(crate::config::ConfigError::Invalid(e.to_string())))?;
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
    if let Some(task) = &mut served.acme {
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
            if let Some(keeper) = served.keeper {
                actix_web::rt::spawn(keeper);
            }
            if let Some(task) = served.acme {
                // ACME renews its own; the self-signed fallback is made fresh at each start.
                drop(actix_web::rt::spawn(task.run()));
            }
            web::run(state, https, http, served.resolver).await
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
