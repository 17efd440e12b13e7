//! What every handler can reach: configuration, the clock, and the vault (the opened store),
//! which stays empty while the data directory is sealed.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::vault::{Opener, Vault, VaultCell};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub data_dir: PathBuf,
    pub clock: SharedClock,
    /// `https://host:port`, the origin links point at and POSTs must come from.
    pub origin: String,
    vault: VaultCell,
    /// Fills the vault from a freshly opened store (made by `serve`).
    opener: Opener,
    practice_name: Arc<RwLock<String>>,
    /// One passphrase attempt at a time, in arrival order, with a pause per address.
    pub unlock_gate: super::unlock_gate::UnlockGate,
}

impl AppState {
    pub fn new(
        config: Arc<Config>,
        data_dir: PathBuf,
        clock: SharedClock,
        origin: String,
        vault: VaultCell,
        opener: Opener,
    ) -> Self {
        Self {
            config,
            data_dir,
            clock,
            origin,
            vault,
            opener,
            practice_name: Arc::new(RwLock::new("Alcove".to_owned())),
            unlock_gate: super::unlock_gate::UnlockGate::default(),
        }
    }

    pub fn vault(&self) -> Option<&Vault> {
        self.vault.get()
    }

    /// Opens for business on the opened store (the practice's name for the pages, then the
    /// vault: see [`Opener`]); returns the one-time setup link while no owner exists.
    pub fn open(&self, store: Store) -> Result<Option<String>, StoreError> {
        let profile = store.read(crate::store::practice::load)?;
        *self
            .practice_name
            .write()
            .unwrap_or_else(|p| p.into_inner()) = profile.name;
        (self.opener)(store)
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
