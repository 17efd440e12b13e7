//! Alcove: a secure client portal for therapy practices, shipped as one binary.
//!
//! Rooms: `config` (one typed config), `crypto` (sealing, keyring, identities), `store`
//! (redb, sealed values), `domain` (services), `web` (actix handlers and middleware),
//! `tls` (certificates), `datadir` (init and unlock), `vault` (the opened store and the
//! "unlocked" signal), `commands` (init, backup verify, restore), `serve` (the composition
//! root: the running server). ARCHITECTURE.md orders them in layers.

pub mod admin;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod datadir;
pub mod domain;
pub mod error;
pub mod fsutil;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod jobs;
pub mod logging;
pub mod mail;
pub mod policy;
pub mod serve;
pub mod store;
pub mod tls;
pub mod vault;
pub mod web;
