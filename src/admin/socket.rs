//! The admin socket inside the running server.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::{commands, Context, Request, Response, SOCKET_FILE};
use crate::vault::VaultCell;

/// Binds `DATA_DIR/admin.sock` (owner-only) and answers requests until the server stops;
/// while the store is sealed it answers that the server is locked. `ctx` names the data
/// directory, the configuration and the origin links point at.
pub async fn serve(vault: VaultCell, ctx: Context) -> std::io::Result<()> {
    let path = ctx.data_dir.join(SOCKET_FILE);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    let owner_uid = std::fs::metadata(&path)?.uid();
    let _guard = RemoveOnDrop(path.clone());
    loop {
        let (stream, _) = listener.accept().await?;
        let same_user = stream.peer_cred().is_ok_and(|c| c.uid() == owner_uid);
        if !same_user {
            tracing::warn!("refused an admin socket connection from another user");
            continue;
        }
        let (vault, ctx) = (vault.clone(), ctx.clone());
        actix_web::rt::spawn(async move {
            if let Err(e) = answer(stream, &vault, ctx).await {
                tracing::warn!(error = %e, "admin socket request failed");
            }
        });
    }
}

/// Longest request line read (a restore summary is a few lines of text).
const MAX_REQUEST: u64 = 64 * 1024;

/// Reads one request line as sent by `alcove` on the same machine.
pub fn parse_request(line: &[u8]) -> Result<Request, Response> {
    serde_json::from_slice::<Request>(line).map_err(|_| Response::Failed {
        message: "The server did not understand that command (is the alcove program the same version as the server?).".into(),
    })
}

async fn answer(stream: UnixStream, vault: &VaultCell, ctx: Context) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = Vec::new();
    BufReader::new(read.take(MAX_REQUEST))
        .read_until(b'\n', &mut line)
        .await?;
    let response = match parse_request(&line) {
        Err(refused) => refused,
        Ok(request) => match vault.get() {
            None => Response::Failed {
                message: "The server is locked. Unlock it on its web page first.".into(),
            },
            Some(vault) => {
                let services = vault.services.clone();
                let ctx = Context {
                    progress: false,
                    ..ctx
                };
                tracing::info!("running a local administrator command");
                tokio::task::spawn_blocking(move || commands::execute(&services, &ctx, &request))
                    .await
                    .unwrap_or(Response::Failed {
                        message: "The command failed inside the server.".into(),
                    })
            }
        },
    };
    let mut text = serde_json::to_string(&response).unwrap_or_default();
    text.push('\n');
    write.write_all(text.as_bytes()).await?;
    write.shutdown().await
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The socket path for a data directory.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_FILE)
}

/// True when a running server answers on `data_dir`'s admin socket.
pub fn server_answers(data_dir: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(path(data_dir)).is_ok()
}
