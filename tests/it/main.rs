//! Alcove's integration tests: one binary, many modules. Each test starts the real `alcove`
//! binary on a loopback port with a temporary data directory and talks HTTPS to it, trusting
//! only the server's own certificate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser_kit;
mod kit;
mod smtp_kit;

mod accounts;
mod admin;
mod attachments;
mod authz;
mod backups;
mod browser;
mod forms;
mod headers;
mod init;
mod keyring;
mod messages;
mod notifications;
mod sealed;
mod serve;
mod tls;
mod untrusted_input;
