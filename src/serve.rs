//! `alcove serve`, the composition root: initialize an empty data directory, load the
//! certificate, unlock (or start sealed), bind, print where to go; then build the state and
//! start the HTTP listeners, the admin socket and — once the store is open, at start or
//! after an unlock on the web page — the scheduler and the mail job, and run until stopped.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use crate::clock::{Clock as _, SharedClock, SystemClock};
use crate::config::{Config, TlsMode};
use crate::crypto::unlock::Passphrase;
use crate::datadir;
use crate::domain::{setup, Services};
use crate::error::Error;
use crate::store::{Store, StoreError};
use crate::tls::{self, SwappableResolver};
use crate::vault::{Opener, Vault, VaultCell};
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
        return Err(Error::Config(crate::config::Rule::FilesNeedBoth.into()));
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

/// What opening for business needs besides the store.
struct Business {
    vault: VaultCell,
    config: Arc<Config>,
    clock: SharedClock,
    origin: String,
    mail: bool,
}

/// Builds the services on the opened store, fills the vault (which starts what waits on
/// it) and, while no owner account exists, issues a fresh one-time setup link, prints it on
/// the console and returns it.
fn open_for_business(b: &Business, store: Store) -> Result<Option<String>, StoreError> {
    let timeouts = crate::domain::SessionTimeouts::from(&b.config.session);
    let services = Services::new(store.clone(), b.clock.clone(), timeouts)
        .with_limits(crate::domain::Limits::from(&b.config.attachments))
        .with_mail(crate::domain::notify::MailSwitch {
            enabled: b.mail,
            wake: Arc::default(),
            retry: time::Duration::seconds(b.config.smtp.retry_seconds.into()),
        });
    match services.sweep_abandoned_uploads() {
        Ok(0) => {}
        Ok(n) => tracing::info!(chunks = n, "removed pieces of uploads that never finished"),
        Err(e) => tracing::warn!(error = %e, "could not sweep unfinished uploads"),
    }
    if !b.vault.fill(Vault { services }) {
        // Another unlock got there first and opened the store in use: this one issues
        // nothing (the unlock page lets one attempt through at a time, so this is a guard).
        return Ok(None);
    }
    if setup::owner_exists(&store)? {
        return Ok(None);
    }
    let issued = setup::issue(&store, b.clock.as_ref())?;
    let link = format!("{}/setup/{}", b.origin, issued.token);
    println!();
    println!("Create the owner account with this one-time link (valid for 24 hours):");
    println!("    {link}");
    println!();
    Ok(Some(link))
}

/// Starts, on the runtime, what runs beside the HTTP listeners: the admin socket at once
/// (it answers "locked" until the store is open), and the scheduler and the mail job once
/// the vault is filled.
fn start_background(
    vault: &VaultCell,
    ctx: crate::admin::Context,
    mailer: Option<Arc<crate::mail::Mailer>>,
) {
    let (socket_vault, socket_ctx) = (vault.clone(), ctx.clone());
    actix_web::rt::spawn(async move {
        if let Err(e) = crate::admin::socket::serve(socket_vault, socket_ctx).await {
            tracing::error!(error = %e, "the admin socket stopped; `alcove user` commands need the server stopped now");
        }
    });
    let jobs_vault = vault.clone();
    let origin = ctx.origin.clone();
    actix_web::rt::spawn(async move {
        let vault = jobs_vault.opened().await;
        let plan = crate::domain::backup::BackupPlan::new(&ctx.data_dir, &ctx.config);
        if let Err(e) = crate::jobs::start(vault.services.clone(), plan, &ctx.config) {
            tracing::error!(error = %e, "the scheduler did not start");
        }
    });
    if let Some(mailer) = mailer {
        let mail_vault = vault.clone();
        actix_web::rt::spawn(async move {
            // Sends until the server stops.
            let services = mail_vault.opened().await.services.clone();
            crate::mail::run(services, mailer, origin).await;
        });
    }
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
        crate::commands::init::first_start(dir, clock.as_ref())?;
    }

    let passphrase = match &opts.passphrase_file {
        Some(file) => Some(Passphrase::from_file(file).map_err(Error::Passphrase)?),
        None => None,
    };
    // Open before binding: a wrong passphrase given on the command line stops here.
    let store = if passphrase.is_some() || !datadir::needs_passphrase(dir) {
        Some(crate::domain::data_dir::open(dir, passphrase.as_ref())?)
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

    let mailer = crate::mail::Mailer::from_config(&config.smtp, &config.public_host(bound))?;
    match &mailer {
        Some(_) => println!("Email alerts go out through the configured mail server."),
        None => {
            println!("Email alerts are off: no mail server is configured ([smtp] in alcove.toml).")
        }
    }
    let mailer = mailer.map(Arc::new);
    let vault = VaultCell::default();
    // The services' clock, in the practice's zone; in debug builds a test may set it ahead
    // (TLS keeps the real one).
    let services_clock = crate::clock::server_clock(config.zone());
    let business = Business {
        vault: vault.clone(),
        config: config.clone(),
        clock: services_clock.clone(),
        origin: origin.clone(),
        mail: mailer.is_some(),
    };
    let opener: Opener = Arc::new(move |store| open_for_business(&business, store));
    let admin = crate::admin::Context {
        origin: origin.clone(),
        data_dir: dir.clone(),
        config: config.clone(),
        progress: false,
    };
    let state = AppState::new(
        config,
        dir.clone(),
        services_clock,
        origin.clone(),
        vault.clone(),
        opener,
    );
    if let Some(task) = &mut served.acme {
        let vault = vault.clone();
        task.on_outcome = Some(Arc::new(move |outcome| match vault.get() {
            Some(vault) => vault.services.certificate_outcome(outcome).is_ok(),
            None => false,
        }));
    }
    match store {
        Some(store) => {
            state.open(store)?;
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
            start_background(&vault, admin, mailer);
            web::run(state, https, http, served.resolver).await
        })
        .map_err(Error::Server)
}
