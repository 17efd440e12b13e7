//! Who is acting: a signed-in account, an anonymous visitor, a background job, or the
//! local administrator on the box. Every service call carries one.

use std::net::IpAddr;

pub use crate::ids::{AccountId, Role};

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
