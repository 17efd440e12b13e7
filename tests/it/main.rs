//! Alcove's integration tests: one binary, many modules. Each test starts the real `alcove`
//! binary on a loopback port with a temporary data directory and talks HTTPS to it, trusting
//! only the server's own certificate.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The tests run the real binary against the real clock.
#![allow(clippy::disallowed_methods)]

mod canary;
mod kit;
mod mail_kit;
mod pebble_kit;
mod smtp_kit;
mod visitor;
mod world;

mod accounts;
mod acme;
mod acme_alerts;
mod admin;
mod attachments;
mod authz;
mod backup_s3;
mod backup_schedule;
mod backups;
mod browser;
mod client_home;
mod conversations;
mod crash;
mod disk_full;
mod doctor;
mod drill_reminder;
mod file_modes;
mod forms;
mod headers;
mod inbox_pages;
mod init;
mod install_from_deb;
mod installs;
mod keyring;
mod layering;
mod lifecycle;
mod messages;
mod notifications;
mod packaging;
mod page_audit;
mod proxy;
mod restore_safety;
mod retention;
mod sealed;
mod serve;
mod throttle;
mod time_zone;
mod tls;
mod tls_files;
mod untrusted_input;
