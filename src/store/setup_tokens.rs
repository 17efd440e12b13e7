//! One-time owner setup links. Only the blind index of a token is stored, never the token.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SetupToken {
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl Record for SetupToken {
    const TABLE: Table = tables::SETUP_TOKENS;
}

/// Replaces every earlier setup token with this one: only the newest link works.
pub fn replace_all(tx: &WriteTx<'_>, index: &[u8; 32], token: &SetupToken) -> Result<()> {
    tx.clear::<SetupToken>()?;
    tx.put(index, token)
}

pub fn find(tx: &ReadTx<'_>, index: &[u8; 32]) -> Result<Option<SetupToken>> {
    tx.get(index)
}

/// Removes every setup token (after a restore; a server that still has no owner issues a
/// new link when it starts).
pub fn clear(tx: &WriteTx<'_>) -> Result<()> {
    tx.clear::<SetupToken>()?;
    Ok(())
}
