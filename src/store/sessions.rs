//! Server-side sessions, keyed by the blind index of the token (the token itself is never
//! stored).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
use super::record::{Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::AccountId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// Password accepted; the second step is still to come.
    AwaitingTotp,
    /// Signed in, but must enroll a second step before anything else.
    EnrollingTotp,
    /// Fully signed in.
    Full,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub account: AccountId,
    pub stage: SessionStage,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
    /// When the person last proved password and second step (for sensitive actions).
    #[serde(with = "time::serde::rfc3339::option")]
    pub reauth_at: Option<OffsetDateTime>,
}

impl Record for Session {
    const TABLE: Table = tables::SESSIONS;
}

pub fn put(tx: &WriteTx<'_>, index: &[u8; 32], session: &Session) -> Result<()> {
    tx.put(index, session)
}

pub fn get(tx: &WriteTx<'_>, index: &[u8; 32]) -> Result<Option<Session>> {
    tx.get(index)
}

pub fn remove(tx: &WriteTx<'_>, index: &[u8; 32]) -> Result<bool> {
    tx.remove::<Session>(index)
}

/// Removes every session of `account` except `keep`; returns how many ended.
pub fn end_all_for(tx: &WriteTx<'_>, account: AccountId, keep: Option<&[u8; 32]>) -> Result<usize> {
    let mut ended = 0;
    for (key, session) in tx.all::<Session>()? {
        if session.account == account && keep.is_none_or(|k| k.as_slice() != key.as_slice()) {
            tx.remove::<Session>(&key)?;
            ended += 1;
        }
    }
    Ok(ended)
}
