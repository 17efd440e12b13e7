//! The test kit: start the real server, talk HTTPS to it, find external tools.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_alcove");

/// A loopback port for a peer that must be told its port before it starts (a mail sink,
/// pebble, nginx). Taken below the kernel's ephemeral range (32768–60999 on Linux), where
/// neither a server binding port 0 nor an outgoing connection's local port can take it
/// between this check and the peer's start, and never the same twice in this process
/// (the tests run in one). A port taken by something else is skipped.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Where this process starts in the span: apart from a run beside it.
    let _ = NEXT.compare_exchange(
        0,
        std::process::id() % SPAN + 1,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..SPAN {
        let port = FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN;
        let port = u16::try_from(port).unwrap();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between {FIRST} and {}", FIRST + SPAN);
}

/// The `alcove` command with a data directory.
pub fn alcove(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    without_own_settings(cmd)
}

/// The `alcove` command with a data directory, run under `umask` (octal, as the shell's
/// `umask` takes it).
pub fn alcove_in_umask(data_dir: &Path, umask: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .arg("--data-dir")
        .arg(data_dir);
    without_own_settings(cmd)
}

/// Keeps the developer's own settings out of the tests.
pub fn without_own_settings(mut cmd: Command) -> Command {
    for (k, _) in std::env::vars() {
        if k.starts_with("ALCOVE_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// True when `tool` is on PATH. Under CI=true a missing tool fails the test; locally the
/// test is skipped with a loud message.
pub fn require_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("`{tool}` is required for this test and is not installed (CI=true)");
    }
    eprintln!("\n!!!!! SKIPPING: `{tool}` is not installed; install it to run this test !!!!!\n");
    false
}

/// A running `alcove serve`. Killed when dropped.
pub struct Server {
    /// Behind a lock so that [`Server::halt`] can stop it while visitors still hold it.
    child: Mutex<Child>,
    pub origin: String,
    pub data_dir: PathBuf,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    /// Set by [`Server::behind`]: the certificate clients trust instead of the server's own.
    trust: Option<String>,
}

fn pump(
    stream: impl Read + Send + 'static,
    sink: Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(tx) = &lines {
                let _ = tx.send(line);
            }
        }
    });
}

impl Server {
    /// Starts `alcove serve` on a free loopback port and waits until it says where it listens.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        Self::try_start(data_dir, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like `start`, but returns the output if the server exits before listening.
    pub fn try_start(data_dir: &Path, extra: &[&str]) -> Result<Server, String> {
        Self::try_start_with(data_dir, extra, &[])
    }

    /// Starts with extra environment variables (configuration as `ALCOVE_*`).
    pub fn start_with(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Self::try_start_with(data_dir, extra, env).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_start_with(
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server, String> {
        Self::spawn(alcove(data_dir), data_dir, extra, env)
    }

    /// Starts with HTTPS on `listen` (a port the test chose, for a peer that must know it
    /// in advance, like an ACME directory).
    pub fn start_at(data_dir: &Path, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Self::spawn_at(alcove(data_dir), data_dir, listen, extra, env)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts the server under `umask` (octal, as the shell's `umask` takes it).
    pub fn start_in_umask(data_dir: &Path, umask: &str, extra: &[&str]) -> Server {
        Self::spawn(alcove_in_umask(data_dir, umask), data_dir, extra, &[])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn spawn(
        cmd: Command,
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server, String> {
        Self::spawn_at(cmd, data_dir, "127.0.0.1:0", extra, env)
    }

    fn spawn_at(
        mut cmd: Command,
        data_dir: &Path,
        listen: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server, String> {
        cmd.args(["serve", "--listen", listen])
            .args(extra)
            .envs(env.iter().copied());
        Self::launch(cmd, data_dir)
    }

    /// Starts `cmd` as it is: a command line that already says `serve` and where its
    /// settings are (the installed binary with its configuration file).
    pub fn start_command(cmd: Command, data_dir: &Path) -> Server {
        Self::launch(cmd, data_dir).unwrap_or_else(|e| panic!("{e}"))
    }

    fn launch(mut cmd: Command, data_dir: &Path) -> Result<Server, String> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start alcove");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        pump(child.stdout.take().unwrap(), stdout.clone(), Some(tx));
        pump(child.stderr.take().unwrap(), stderr.clone(), None);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let origin = loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Alcove is listening on ") {
                        break rest.trim_end_matches('/').to_owned();
                    }
                }
                Err(_) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        std::thread::sleep(Duration::from_millis(100));
                        return Err(format!(
                            "alcove serve exited ({status}) before listening.\nstdout:\n{}\nstderr:\n{}",
                            stdout.lock().unwrap(),
                            stderr.lock().unwrap()
                        ));
                    }
                    if std::time::Instant::now() > deadline {
                        let _ = child.kill();
                        return Err("alcove serve did not start within 60 s".into());
                    }
                }
            }
        };
        // Let the rest of the start-up text (fingerprint, setup link) arrive: the server
        // ends it with this line.
        let server = Server {
            child: Mutex::new(child),
            origin,
            data_dir: data_dir.to_owned(),
            stdout,
            stderr,
            trust: None,
        };
        server.wait_for_stdout("Press Ctrl+C to stop.");
        // The admin socket comes up with the server's runtime, just after that line.
        for _ in 0..500 {
            if server.data_dir.join("admin.sock").exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(server)
    }

    pub fn port(&self) -> u16 {
        self.origin.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn wait_for_stdout(&self, needle: &str) -> String {
        for _ in 0..300 {
            let out = self.stdout();
            if out.contains(needle) {
                return out;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "server never printed {needle:?}; stdout:\n{}",
            self.stdout()
        );
    }

    /// The one-time setup link printed on the console, if any.
    pub fn setup_link(&self) -> Option<String> {
        self.stdout()
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("https://") && l.contains("/setup/"))
            .map(str::to_owned)
    }

    /// Points clients (and `Visitor`s) at a reverse proxy in front of this server: its
    /// HTTPS `origin`, trusted through `ca_pem`. `port()` then names the proxy's port.
    pub fn behind(&mut self, origin: &str, ca_pem: String) {
        self.origin = origin.to_owned();
        self.trust = Some(ca_pem);
    }

    pub fn cert_pem(&self) -> String {
        if let Some(pem) = &self.trust {
            return pem.clone();
        }
        std::fs::read_to_string(self.data_dir.join("tls/self-signed.crt")).expect("certificate")
    }

    /// An HTTPS client that trusts only this server's certificate and never follows redirects.
    pub fn client(&self) -> ureq::Agent {
        let pem = self.cert_pem();
        let cert = ureq::tls::Certificate::from_pem(pem.as_bytes()).unwrap();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
            .build();
        ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }

    pub fn get(&self, path: &str) -> Reply {
        Reply::from(self.client().get(&self.url(path)).call().expect("GET"))
    }

    /// A form POST as a browser on one of our pages would send it.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let resp = self
            .client()
            .post(&self.url(path))
            .header("Origin", &self.origin)
            .send_form(fields.iter().copied())
            .expect("POST");
        Reply::from(resp)
    }

    /// Sends SIGTERM and waits for the process to end.
    pub fn stop(self) {
        self.halt();
    }

    /// Kills the process with SIGKILL (as a power cut would end it, minus the disk) and
    /// waits for it to end.
    pub fn kill_hard(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Like [`Server::stop`], for a server that visitors still borrow (a test world's).
    pub fn halt(&self) {
        terminate(&mut self.child.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

fn terminate(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        // Ended already: its process id may belong to someone else by now.
        return;
    }
    let _ = Command::new("kill")
        .arg(child.id().to_string())
        .stderr(Stdio::null())
        .status();
    for _ in 0..100 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Server {
    fn drop(&mut self) {
        self.halt();
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as sent (downloads).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl From<ureq::http::Response<ureq::Body>> for Reply {
    fn from(mut resp: ureq::http::Response<ureq::Body>) -> Self {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }
}

/// Every file below `dir` with its bytes and mode, for "nothing changed" checks.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            // A socket may come or go while we look; only regular files and folders count.
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push((
                    path.clone(),
                    std::fs::read(&path).unwrap(),
                    meta.permissions().mode(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Writes a passphrase file and returns its path.
pub fn passphrase_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// What `init_data_dir` made.
pub struct Initialized {
    pub data: PathBuf,
    pub recovery: PathBuf,
    pub stdout: String,
}

/// Runs `alcove init` for `parent/data` with the recovery key at `parent/recovery.txt`,
/// locked with `passphrase` when one is given. Fails the test with init's output if it fails.
pub fn init_data_dir(parent: &Path, passphrase: Option<&str>) -> Initialized {
    let data = parent.join("data");
    let recovery = parent.join("recovery.txt");
    let mut cmd = alcove(&data);
    cmd.args(["init", "--recovery-out"]).arg(&recovery);
    if let Some(pass) = passphrase {
        cmd.arg("--passphrase-file").arg(passphrase_file(
            parent,
            "passphrase.txt",
            &format!("{pass}\n"),
        ));
    }
    let out = cmd.output().expect("run alcove init");
    assert!(
        out.status.success(),
        "alcove init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Initialized {
        data,
        recovery,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// `len` bytes that pass for a PDF (header, `marker`, then pseudo-random bytes that do not
/// compress), to upload as an attachment.
pub fn pdf_like(len: usize, marker: &str) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.7\n{marker}\n").into_bytes();
    let mut x: u32 = 0x9e37_79b9;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    bytes
}
