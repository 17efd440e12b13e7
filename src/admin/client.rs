//! The command-line side: ask the running server over its socket, or, when no server is
//! running, open the store directly.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::{commands, socket, Request, Response};
use crate::config::Config;
use crate::crypto::unlock::Passphrase;
use crate::datadir::OpenError;
use crate::store::StoreError;

/// How long a command waits for a data directory another command holds.
const IN_USE_WAIT: Duration = Duration::from_secs(30);

/// Sends `request` to the running server, if one answers on the socket.
fn via_socket(data_dir: &Path, request: &Request) -> Option<Response> {
    let mut stream = UnixStream::connect(socket::path(data_dir)).ok()?;
    // A backup of a large store takes a while; everything else answers at once.
    let wait = match request {
        Request::BackupNow | Request::BackupCheck => Duration::from_secs(3600),
        _ => Duration::from_secs(60),
    };
    stream.set_read_timeout(Some(wait)).ok()?;
    let mut line = serde_json::to_string(request).ok()?;
    line.push('\n');
    stream.write_all(line.as_bytes()).ok()?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).ok()?;
    serde_json::from_str(&answer).ok()
}

/// Runs `request`: through the running server, or against the store when it is stopped.
pub fn run(
    data_dir: &Path,
    config: &Config,
    passphrase: Option<&Passphrase>,
    request: &Request,
) -> Response {
    // The store is held either by the server (which answers on its socket) or, for a
    // moment, by another `alcove` command (a backup): wait a little for either.
    let deadline = std::time::Instant::now() + IN_USE_WAIT;
    let store = loop {
        if let Some(response) = via_socket(data_dir, request) {
            return response;
        }
        match crate::domain::data_dir::open(data_dir, passphrase) {
            Ok(store) => break store,
            Err(OpenError::Store(StoreError::InUse)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(OpenError::Store(StoreError::InUse)) => {
                return Response::Failed {
                    message: "The data directory is in use: another alcove command is still working on it, or the server is running and its admin socket did not answer. Try again in a moment, or stop the server and run the command again.".into(),
                }
            }
            Err(e) => return Response::Failed { message: e.to_string() },
        }
    };
    // Alerts this queues (a failed backup) go out when the server next runs.
    let clock = crate::clock::InZone {
        clock: std::sync::Arc::new(crate::clock::SystemClock),
        zone: config.zone(),
    };
    let services = crate::domain::Services::new(
        store,
        std::sync::Arc::new(clock),
        crate::domain::SessionTimeouts::default(),
    )
    .with_mail(crate::domain::notify::MailSwitch {
        enabled: config.smtp.host.is_some(),
        ..Default::default()
    });
    let port = config.listen.port();
    let host = config.public_host(config.listen);
    let origin = if port == 443 {
        format!("https://{host}")
    } else {
        format!("https://{host}:{port}")
    };
    let ctx = super::Context {
        origin,
        data_dir: data_dir.to_owned(),
        config: std::sync::Arc::new(config.clone()),
        progress: true,
    };
    commands::execute(&services, &ctx, request)
}
