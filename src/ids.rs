//! The ids of every aggregate, and the roles: plain data that every layer may name. The
//! bottom of the crate: it imports nothing of Alcove's but the random source.
//!
//! Each id is 128 random bits, stored as its 16 bytes (the serialized form every store
//! and backup already holds) and shown in URLs as 32 hex digits. Read from a URL path, a
//! malformed id fails extraction, which the web layer answers with 404.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            pub fn generate() -> Self {
                let mut bytes = [0u8; 16];
                crate::crypto::random::fill(&mut bytes);
                Self(bytes)
            }

            /// Parses the hex form used in URLs; anything else is `None`.
            pub fn parse(text: &str) -> Option<Self> {
                Some(Self(hex::decode(text).ok()?.try_into().ok()?))
            }

            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor).map(Self)
            }
        }
    };
}

/// Reads an id as the store holds it (16 numbers) or as a URL shows it (32 hex digits).
struct IdVisitor;

impl<'de> serde::de::Visitor<'de> for IdVisitor {
    type Value = [u8; 16];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id: 32 hex digits or 16 bytes")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        hex::decode(v)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| E::custom("not an id"))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = seq
                .next_element()?
                .ok_or_else(|| serde::de::Error::invalid_length(i, &self))?;
        }
        if seq.next_element::<u8>()?.is_some() {
            return Err(serde::de::Error::invalid_length(17, &self));
        }
        Ok(out)
    }
}

opaque_id!(
    /// An account: a practice member or a client (a client's records are keyed by it).
    AccountId
);
opaque_id!(
    /// A message thread.
    ThreadId
);
opaque_id!(
    /// A file attached to a message or a submission.
    AttachmentId
);
opaque_id!(
    /// A form (all its versions).
    FormId
);
opaque_id!(
    /// A secure form link, sent to a client or public for intake.
    FormLinkId
);
opaque_id!(
    /// A submitted form.
    SubmissionId
);
opaque_id!(
    /// An appointment.
    AppointmentId
);
opaque_id!(
    /// A reply template.
    TemplateId
);

/// What an account is in the practice.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_keeps_its_stored_bytes_and_reads_from_a_url() {
        let id = ThreadId([0xab; 16]);
        let stored = serde_json::to_string(&id).unwrap();
        assert!(stored.starts_with("[171,171,"), "{stored}");
        assert_eq!(serde_json::from_str::<ThreadId>(&stored).unwrap(), id);
        let shown = format!("\"{id}\"");
        assert_eq!(serde_json::from_str::<ThreadId>(&shown).unwrap(), id);
        for bad in [
            "\"ab\"",
            "\"zz\"",
            "[1,2]",
            &format!("[{}]", ["1"; 17].join(",")),
        ] {
            assert!(serde_json::from_str::<ThreadId>(bad).is_err(), "{bad}");
        }
    }
}
