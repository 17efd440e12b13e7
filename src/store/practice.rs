//! The practice's profile: what every page shows at the top.

use serde::{Deserialize, Serialize};

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PracticeProfile {
    /// The practice's name, as the owner wants clients to see it.
    pub name: String,
}

// The profile is practice data; keep it out of logs like everything in the store.
impl std::fmt::Debug for PracticeProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PracticeProfile { .. }")
    }
}

impl Default for PracticeProfile {
    fn default() -> Self {
        Self {
            name: "Your practice".to_owned(),
        }
    }
}

impl Record for PracticeProfile {
    const TABLE: Table = tables::PRACTICE;
}

const KEY: &[u8] = b"profile";

pub fn load(tx: &ReadTx<'_>) -> Result<PracticeProfile> {
    Ok(tx.get(KEY)?.unwrap_or_default())
}

pub fn save(tx: &WriteTx<'_>, profile: &PracticeProfile) -> Result<()> {
    tx.put(KEY, profile)
}
