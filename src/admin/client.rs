//! The command-line side: ask the running server over its socket, or, when no server is
//! running, open the store directly.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::{commands, socket, Request, Response};
use crate::config::Config;
use crate::crypto::unlock::Passphrase;
use crate::datadir::{self, OpenError};
use crate::store::StoreError;

/// Sends `request` to the running server, if one answers on the socket.
fn via_socket(data_dir: &Path, request: &Request) -> Option<Response> {
    let mut stream = UnixStream::connect(socket::path(data_dir)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
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
    if let Some(response) = via_socket(data_dir, request) {
        return response;
    }
    let store = match datadir::open(data_dir, passphrase) {
        Ok(store) => store,
        Err(OpenError::Store(StoreError::InUse)) => {
            return Response::Failed {
                message: "The server is running but its admin socket did not answer. Try again, or stop the server and run the command again.".into(),
            }
        }
        Err(e) => return Response::Failed { message: e.to_string() },
    };
    let services = crate::domain::Services::new(
        store,
        std::sync::Arc::new(crate::clock::SystemClock),
        crate::domain::SessionTimeouts::default(),
    );
    let port = config.listen.port();
    let host = config.public_host(config.listen);
    let origin = if port == 443 {
        format!("https://{host}")
    } else {
        format!("https://{host}:{port}")
    };
    commands::execute(&services, &origin, request)
}
