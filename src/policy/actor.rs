//! Who is acting: a signed-in account, an anonymous visitor, a background job, or the
//! local administrator on the box. Every service call carries one.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// An account's opaque id: 128 random bits, shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountId(pub [u8; 16]);

impl AccountId {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        crate::crypto::random::fill(&mut bytes);
        Self(bytes)
    }

    /// Parses the hex form used in URLs; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = hex::decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({self})")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Clinician,
    Staff,
    Client,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Clinician => "clinician",
            Role::Staff => "staff",
            Role::Client => "client",
        }
    }

    /// Practice accounts must use a second sign-in step.
    pub fn is_practice(self) -> bool {
        !matches!(self, Role::Client)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous {
        ip: Option<IpAddr>,
    },
    Account {
        id: AccountId,
        role: Role,
        ip: Option<IpAddr>,
    },
    /// A background job, by name (`system:backup`).
    System(&'static str),
    /// A command run on the box itself (`alcove user …`).
    LocalAdmin,
}

impl Actor {
    pub fn account(id: AccountId, role: Role, ip: Option<IpAddr>) -> Self {
        Actor::Account { id, role, ip }
    }

    /// The actor as the audit log names it: an id, never a name or an email.
    pub fn audit_id(&self) -> String {
        match self {
            Actor::Anonymous { .. } => "anonymous".to_owned(),
            Actor::Account { id, .. } => format!("account:{id}"),
            Actor::System(job) => format!("system:{job}"),
            Actor::LocalAdmin => "local-admin".to_owned(),
        }
    }

    pub fn audit_role(&self) -> &'static str {
        match self {
            Actor::Anonymous { .. } => "anonymous",
            Actor::Account { role, .. } => role.name(),
            Actor::System(_) => "system",
            Actor::LocalAdmin => "local-admin",
        }
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Actor::Anonymous { ip } | Actor::Account { ip, .. } => *ip,
            _ => None,
        }
    }

    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Actor::Account { id, .. } => Some(*id),
            _ => None,
        }
    }
}
