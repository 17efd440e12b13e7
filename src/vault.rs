//! The vault: the opened store and its services, and the one "store unlocked" signal.
//!
//! It is empty while the data directory is sealed and filled exactly once: by `serve` at
//! start (no passphrase, or `--passphrase-file`), or later by the unlock page. Whatever
//! needs the open store — the web handlers, the admin socket, the scheduler, the mail job —
//! holds a [`VaultCell`]: handlers look into it, background tasks wait on
//! [`VaultCell::opened`]. `serve`, the composition root, makes the cell and the
//! [`Opener`] that fills it, and hands both down.

use std::sync::{Arc, OnceLock};

use tokio::sync::watch;

use crate::domain::Services;
use crate::store::{Store, StoreError};

/// The opened, unsealed store. Handlers reach it only through services.
#[derive(Debug, Clone)]
pub struct Vault {
    pub services: Services,
}

/// Opens for business on a freshly opened store: builds its services, fills the cell (which
/// wakes everything waiting on it) and, while no owner account exists, returns the one-time
/// setup link. Made by the composition root; the unlock page calls it.
pub type Opener = Arc<dyn Fn(Store) -> Result<Option<String>, StoreError> + Send + Sync>;

/// The vault once it is open, shared by everything that needs it.
#[derive(Clone)]
pub struct VaultCell {
    vault: Arc<OnceLock<Vault>>,
    opened: Arc<watch::Sender<bool>>,
}

impl Default for VaultCell {
    fn default() -> Self {
        Self {
            vault: Arc::default(),
            opened: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl std::fmt::Debug for VaultCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultCell")
            .field("open", &self.get().is_some())
            .finish()
    }
}

impl VaultCell {
    /// The vault, once the store is open.
    pub fn get(&self) -> Option<&Vault> {
        self.vault.get()
    }

    /// Fills the cell and signals "unlocked". The first call wins: a later one changes
    /// nothing and returns false.
    pub fn fill(&self, vault: Vault) -> bool {
        let first = self.vault.set(vault).is_ok();
        if first {
            self.opened.send_replace(true);
        }
        first
    }

    /// Waits until the store is open (at once if it already is).
    pub async fn opened(&self) -> &Vault {
        // Subscribed before looking: a fill after the look is then seen as a change.
        let mut signal = self.opened.subscribe();
        loop {
            if let Some(vault) = self.vault.get() {
                return vault;
            }
            if signal.changed().await.is_err() {
                // The sender lives as long as `self`; without it nothing can fill the cell.
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(dir: &std::path::Path, name: &str) -> Vault {
        let keyring = crate::crypto::Keyring::generate();
        let store = Store::create(&dir.join(name), crate::crypto::Sealer::new(keyring)).unwrap();
        let services = Services::new(
            store,
            Arc::new(crate::clock::SystemClock),
            crate::domain::SessionTimeouts::default(),
        );
        Vault { services }
    }

    #[tokio::test]
    async fn waiters_wake_once_the_cell_is_filled_and_the_first_fill_wins() {
        let dir = tempfile::tempdir().unwrap();
        let cell = VaultCell::default();
        assert!(cell.get().is_none());
        let waiter = {
            let cell = cell.clone();
            tokio::spawn(async move {
                cell.opened().await;
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "nothing is open yet");
        assert!(cell.fill(vault(dir.path(), "a.redb")));
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter wakes")
            .unwrap();
        assert!(
            !cell.fill(vault(dir.path(), "b.redb")),
            "a second fill changes nothing"
        );
        // A late waiter returns at once.
        tokio::time::timeout(std::time::Duration::from_secs(1), cell.opened())
            .await
            .expect("already open");
    }
}
