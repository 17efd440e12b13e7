//! Account records (every person who can sign in) and the client profiles beside them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::{Result, StoreError};
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::{AccountId, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Created, waiting for the person to accept the invitation.
    Invited,
    Active,
    Disabled,
}

/// The second sign-in step.
#[derive(Clone, Serialize, Deserialize)]
pub struct Totp {
    pub secret: Vec<u8>,
    /// False while enrollment waits for the first correct code.
    pub enabled: bool,
    /// The last time step whose code was accepted; a code is never accepted twice.
    pub last_step: u64,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub role: Role,
    pub name: String,
    pub email: String,
    pub status: AccountStatus,
    pub password_hash: Option<String>,
    pub totp: Option<Totp>,
    /// Blind indexes of unused recovery codes.
    pub recovery_codes: Vec<[u8; 32]>,
    /// Failed sign-in attempts within the last hour.
    #[serde(with = "time_vec")]
    pub failed_logins: Vec<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the person proved the email address is theirs (a confirmation link); alerts
    /// go only to confirmed addresses.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub email_confirmed_at: Option<OffsetDateTime>,
    /// Whether the person wants PHI-free email alerts of new messages. A client's "no" is
    /// their declining email notifications.
    #[serde(default = "yes")]
    pub email_alerts: bool,
}

fn yes() -> bool {
    true
}

// Account data is personal data; keep it out of logs entirely.
impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// A new account waiting for its person to accept an invitation (no password yet).
    pub fn invited(role: Role, name: &str, email: &str, now: OffsetDateTime) -> Self {
        Self {
            id: AccountId::generate(),
            role,
            name: name.trim().to_owned(),
            email: email.trim().to_owned(),
            status: AccountStatus::Invited,
            password_hash: None,
            totp: None,
            recovery_codes: Vec::new(),
            failed_logins: Vec::new(),
            created_at: now,
            email_confirmed_at: None,
            email_alerts: true,
        }
    }

    pub fn mfa_enabled(&self) -> bool {
        self.totp.as_ref().is_some_and(|t| t.enabled)
    }
}

mod time_vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(v: &[OffsetDateTime], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|t| t.unix_timestamp())
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<OffsetDateTime>, D::Error> {
        Vec::<i64>::deserialize(d)?
            .into_iter()
            .map(|t| OffsetDateTime::from_unix_timestamp(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

impl Record for Account {
    const TABLE: Table = tables::ACCOUNTS;
}

/// Email blind index -> account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailEntry {
    pub account: AccountId,
}

impl Record for EmailEntry {
    const TABLE: Table = tables::EMAIL_INDEX;
}

/// What the practice keeps about a client besides the account.
#[derive(Clone, Serialize, Deserialize, Default)]
pub struct ClientProfile {
    pub legal_name: String,
    pub preferred_name: String,
    pub phone: String,
    pub date_of_birth: String,
    pub admin_note: String,
    /// The owner requires this client to use a second sign-in step.
    pub mfa_required: bool,
    /// A legal hold: retention never purges this client while it is set.
    #[serde(default)]
    pub legal_hold: bool,
    /// Created by a public intake form; waits for the practice to accept it.
    #[serde(default)]
    pub pending_intake: bool,
    /// When the client last signed in fully (retention counts it as contact). Written
    /// only where a session is started, inside that transaction.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_sign_in: Option<OffsetDateTime>,
}

impl std::fmt::Debug for ClientProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientProfile { .. }")
    }
}

impl Record for ClientProfile {
    const TABLE: Table = tables::CLIENTS;
}

pub fn get(tx: &ReadTx<'_>, id: AccountId) -> Result<Option<Account>> {
    tx.get(id.as_bytes())
}

pub fn get_for_update(tx: &WriteTx<'_>, id: AccountId) -> Result<Option<Account>> {
    tx.get(id.as_bytes())
}

/// Stores an account; one of the practice's is also noted in `PRACTICE_ACCOUNTS` (a role
/// never changes between client and practice, so nothing is ever moved out of it).
pub fn put(tx: &WriteTx<'_>, account: &Account) -> Result<()> {
    tx.put(account.id.as_bytes(), account)?;
    if account.role != Role::Client {
        tx.put_index(tables::PRACTICE_ACCOUNTS, account.id.as_bytes())?;
    }
    Ok(())
}

/// The practice's own accounts (every role but clients), read through their index rows:
/// as many reads as the practice has members, whatever the number of clients. A row that
/// names a client's account is refused, as one planted without the store's key is.
pub fn practice_for_update(tx: &WriteTx<'_>) -> Result<Vec<Account>> {
    let mut out = Vec::new();
    for key in tx.index_keys_for_update(tables::PRACTICE_ACCOUNTS, &[])? {
        let Some(account) = tx.get::<Account>(&key)? else {
            continue;
        };
        if account.role == Role::Client {
            return Err(StoreError::Sealed {
                table: tables::PRACTICE_ACCOUNTS.0,
                source: crate::crypto::SealError::Authentication,
            });
        }
        out.push(account);
    }
    Ok(out)
}

pub fn find_by_email(tx: &ReadTx<'_>, index: &[u8; 32]) -> Result<Option<Account>> {
    match tx.get::<EmailEntry>(index)? {
        Some(entry) => get(tx, entry.account),
        None => Ok(None),
    }
}

pub fn email_taken(tx: &WriteTx<'_>, index: &[u8; 32]) -> Result<bool> {
    Ok(tx.get::<EmailEntry>(index)?.is_some())
}

pub fn index_email(tx: &WriteTx<'_>, index: &[u8; 32], account: AccountId) -> Result<()> {
    tx.put(index, &EmailEntry { account })
}

pub fn all(tx: &ReadTx<'_>) -> Result<Vec<Account>> {
    Ok(tx.all::<Account>()?.into_iter().map(|(_, a)| a).collect())
}

pub fn profile(tx: &ReadTx<'_>, id: AccountId) -> Result<Option<ClientProfile>> {
    tx.get(id.as_bytes())
}

pub fn put_profile(tx: &WriteTx<'_>, id: AccountId, profile: &ClientProfile) -> Result<()> {
    tx.put(id.as_bytes(), profile)
}

pub fn profile_for_update(tx: &WriteTx<'_>, id: AccountId) -> Result<Option<ClientProfile>> {
    tx.get(id.as_bytes())
}
