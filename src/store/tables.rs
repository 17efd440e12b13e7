//! Every table of the store, in one place. Keys are opaque ids or blind indexes; values
//! are always sealed (see `crypto::seal`), so every table is bytes to bytes.

use redb::TableDefinition;

/// Raw definition shared by all tables.
pub(super) type Raw = TableDefinition<'static, &'static [u8], &'static [u8]>;

/// A table's name; the name is also part of every sealed value's AAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table(pub &'static str);

impl Table {
    pub(super) fn def(self) -> Raw {
        TableDefinition::new(self.0)
    }
}

/// Store metadata: schema version.
pub const META: Table = Table("meta");
/// The practice's own profile (name shown on every page).
pub const PRACTICE: Table = Table("practice");
/// One-time owner setup links, keyed by the blind index of the token.
pub const SETUP_TOKENS: Table = Table("setup_tokens");

/// Every table the current schema holds, for migrations and whole-store checks.
pub const ALL: &[Table] = &[META, PRACTICE, SETUP_TOKENS];
