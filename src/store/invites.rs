//! Invitation and password-reset links: single use, expiring, revocable. Keyed by the
//! blind index of the token.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::Result;
use super::record::{Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::AccountId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteKind {
    /// A new account sets its password (and, for practice accounts, its second step).
    Join,
    /// An existing, active account sets a new password (issued by the owner after
    /// re-authentication, or by `alcove user reset-password`).
    ResetPassword,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invite {
    pub account: AccountId,
    pub kind: InviteKind,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub used_at: Option<OffsetDateTime>,
    pub revoked: bool,
    /// Who issued the link, as the audit log names them (`account:…`, `local-admin`).
    #[serde(default)]
    pub issued_by: Option<String>,
}

impl Record for Invite {
    const TABLE: Table = tables::INVITES;
}

pub fn put(tx: &WriteTx<'_>, index: &[u8; 32], invite: &Invite) -> Result<()> {
    tx.put(index, invite)
}

pub fn get(tx: &WriteTx<'_>, index: &[u8; 32]) -> Result<Option<Invite>> {
    tx.get(index)
}

/// Revokes every open invitation of `account`; returns how many.
pub fn revoke_all_for(tx: &WriteTx<'_>, account: AccountId) -> Result<usize> {
    let mut revoked = 0;
    for (key, mut invite) in tx.all::<Invite>()? {
        if invite.account == account && !invite.revoked && invite.used_at.is_none() {
            invite.revoked = true;
            tx.put(&key, &invite)?;
            revoked += 1;
        }
    }
    Ok(revoked)
}

/// Revokes every invitation and password-reset link that could still be used at `now`
/// (after a restore, so a link withdrawn after the backup cannot work again); returns how
/// many invitations and how many other links (resets).
pub fn revoke_all_open(tx: &WriteTx<'_>, now: OffsetDateTime) -> Result<(usize, usize)> {
    let (mut joins, mut others) = (0, 0);
    for (key, mut invite) in tx.all::<Invite>()? {
        if !invite.revoked && invite.used_at.is_none() && invite.expires_at > now {
            invite.revoked = true;
            tx.put(&key, &invite)?;
            if invite.kind == InviteKind::Join {
                joins += 1;
            } else {
                others += 1;
            }
        }
    }
    Ok((joins, others))
}
