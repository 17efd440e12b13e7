//! What every handler can reach: configuration, the clock, and the vault (the opened store),
//! which stays empty while the data directory is sealed.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::store::Store;

/// The opened, unsealed store. Handlers reach it only through services.
#[derive(Debug, Clone)]
pub struct Vault {
    pub store: Store,
    pub services: crate::domain::Services,
}

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub data_dir: PathBuf,
    pub clock: SharedClock,
    /// `https://host:port`, the origin links point at and POSTs must come from.
    pub origin: String,
    vault: Arc<OnceLock<Vault>>,
    practice_name: Arc<RwLock<String>>,
    /// One passphrase attempt at a time, in arrival order, with a pause per address.
    pub unlock_gate: super::unlock_gate::UnlockGate,
    pub timeouts: crate::domain::SessionTimeouts,
    /// The mail server, when one is configured.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
}

impl AppState {
    pub fn new(config: Arc<Config>, data_dir: PathBuf, clock: SharedClock, origin: String) -> Self {
        let timeouts = crate::domain::SessionTimeouts::from(&config.session);
        Self {
            config,
            data_dir,
            clock,
            origin,
            vault: Arc::new(OnceLock::new()),
            practice_name: Arc::new(RwLock::new("Alcove".to_owned())),
            unlock_gate: super::unlock_gate::UnlockGate::default(),
            timeouts,
            mailer: None,
        }
    }

    pub fn vault(&self) -> Option<&Vault> {
        self.vault.get()
    }

    /// Installs the opened store; the first call wins, later ones are ignored.
    pub fn unseal(&self, store: Store) -> Result<(), crate::store::StoreError> {
        let profile = store.read(crate::store::practice::load)?;
        *self
            .practice_name
            .write()
            .unwrap_or_else(|p| p.into_inner()) = profile.name;
        let services =
            crate::domain::Services::new(store.clone(), self.clock.clone(), self.timeouts)
                .with_limits(crate::domain::Limits::from(&self.config.attachments))
                .with_mail(crate::domain::notify::MailSwitch {
                    enabled: self.mailer.is_some(),
                    wake: Arc::default(),
                    retry: time::Duration::seconds(self.config.smtp.retry_seconds.into()),
                });
        match services.sweep_abandoned_uploads() {
            Ok(0) => {}
            Ok(n) => tracing::info!(chunks = n, "removed pieces of uploads that never finished"),
            Err(e) => tracing::warn!(error = %e, "could not sweep unfinished uploads"),
        }
        let _ = self.vault.set(Vault { store, services });
        Ok(())
    }

    pub fn set_practice_name(&self, name: &str) {
        *self
            .practice_name
            .write()
            .unwrap_or_else(|p| p.into_inner()) = name.to_owned();
    }

    pub fn practice_name(&self) -> String {
        self.practice_name
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
