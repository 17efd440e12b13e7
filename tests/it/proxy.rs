//! `[tls] mode = "proxy"` behind a real nginx on a loopback port, terminating TLS with a
//! certificate from a test CA: an owner sets up and signs in, a client answers a message,
//! the security headers and `Secure` cookies arrive, and the address the server counts
//! (throttle lanes, unlock gate, audit log) is nginx's last `X-Forwarded-For` hop, never
//! what the browser wrote into that header.

use crate::kit::free_port;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::kit::{alcove, require_tool, Server};
use crate::tls_files::TestCa;
use crate::visitor::{
    client_with_portal, form_token, location, set_up_owner, sign_in, totp_next, Visitor,
    OWNER_EMAIL, OWNER_PASSWORD,
};

/// nginx in the foreground with everything (pid, logs, temp files) inside its folder.
struct Nginx {
    child: Child,
    port: u16,
}

impl Nginx {
    /// Terminates TLS on a free loopback port and passes everything to `upstream`
    /// (`127.0.0.1:PORT`), setting `X-Forwarded-For` as the README says.
    fn start(dir: &Path, ca: &TestCa, upstream: u16) -> Nginx {
        let leaf = ca.leaf();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("cert.pem"), &leaf.cert_pem).unwrap();
        std::fs::write(dir.join("key.pem"), &leaf.key_pem).unwrap();
        let port = free_port();
        let d = dir.display();
        let conf = format!(
            r#"
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    client_max_body_size 30m;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"#
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        // As root, nginx runs its worker as `nobody`, which must reach the temp folders.
        // (`dir` is a folder inside the test's temporary folder.)
        use std::os::unix::fs::PermissionsExt;
        for d in [dir, dir.parent().unwrap()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o711)).unwrap();
        }
        let mut child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}):\n{log}");
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { child, port }
    }

    fn origin(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM to the master, which stops its worker too (SIGKILL would leave it).
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proxy_env() -> [(&'static str, &'static str); 2] {
    [
        ("ALCOVE_TLS__MODE", "proxy"),
        ("ALCOVE_HOSTNAME", "localhost"),
    ]
}

/// Alcove in proxy mode with nginx in front; the server's clients go through nginx.
fn start_behind_nginx(dir: &Path, ca: &TestCa) -> (Server, Nginx) {
    let mut server = Server::start_with(&dir.join("data"), &[], &proxy_env());
    assert!(
        server.origin.starts_with("http://127.0.0.1:"),
        "plain HTTP on loopback: {}",
        server.stdout()
    );
    assert!(
        server.stdout().contains("https://localhost/"),
        "the public origin comes from `hostname`: {}",
        server.stdout()
    );
    assert!(server
        .setup_link()
        .unwrap()
        .starts_with("https://localhost/setup/"));
    let nginx = Nginx::start(&dir.join("nginx"), ca, server.port());
    server.behind(&nginx.origin(), ca.pem());
    (server, nginx)
}

#[test]
fn an_owner_and_a_client_use_the_portal_through_nginx_with_every_security_header() {
    if !require_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (server, _nginx) = start_behind_nginx(dir.path(), &ca);

    let owner = set_up_owner(&server);
    let mut v = Visitor::new(&server);
    let page = v.get("/");
    for header in [
        "strict-transport-security",
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(page.header(header).is_some(), "{header} through the proxy");
    }
    let r = sign_in(
        &mut v,
        OWNER_EMAIL,
        OWNER_PASSWORD,
        &totp_next(&owner.secret),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = r
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("__Host-alcove="))
        .map(|(_, v)| v.clone())
        .expect("a session cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert_eq!(v.get("/home").status, 200);

    let (client_id, mut client) =
        client_with_portal(&mut v, &server, "Jordan Ellis", "jordan@example.org");
    let compose = v.get("/messages/new");
    let started = v.post(
        "/messages",
        &compose.body,
        &[
            ("client", &client_id),
            ("subject", "Through the proxy"),
            ("body", "Hello from behind nginx."),
        ],
    );
    assert_eq!(started.status, 303, "{}", started.body);
    let thread = location(&started).to_owned();
    let read = client.get(&thread);
    assert!(
        read.body.contains("Hello from behind nginx."),
        "{}",
        read.body
    );
    let answered = client.post(&thread, &read.body, &[("body", "An answer, via nginx.")]);
    assert_eq!(answered.status, 303, "{}", answered.body);
    assert!(v.get(&thread).body.contains("An answer, via nginx."));

    // A POST from another origin is still refused behind the proxy.
    let forged = server
        .client()
        .post(&server.url("/signin"))
        .header("Origin", "https://evil.example")
        .send_form([("email", OWNER_EMAIL), ("password", "x")])
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
}

/// A wrong sign-in through nginx, sent by curl from the loopback address `from` with a
/// forged `X-Forwarded-For`. Returns the status.
fn wrong_sign_in_from(server: &Server, dir: &Path, from: &str, forged: &str) -> u16 {
    let jar = dir.join(format!("jar-{from}"));
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, server.cert_pem()).unwrap();
    let port = server.port().to_string();
    let curl = |extra: &[&str]| {
        let out = Command::new("curl")
            .args(["-s", "--interface", from, "--cacert"])
            .arg(&ca)
            .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
            .arg("-c")
            .arg(&jar)
            .arg("-b")
            .arg(&jar)
            .args(["-H", &format!("X-Forwarded-For: {forged}")])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let page = curl(&[&server.url("/")]);
    let csrf = form_token(&page).unwrap_or_else(|| panic!("a form token in {page}"));
    let status = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        &format!("Origin: {}", server.origin),
        "--data-urlencode",
        &format!("email={OWNER_EMAIL}"),
        "--data-urlencode",
        "password=a wrong password",
        "--data-urlencode",
        &format!("csrf={csrf}"),
        &server.url("/signin"),
    ]);
    status.trim().parse().unwrap_or(0)
}

#[test]
fn the_forwarded_address_counts_only_as_nginx_appended_it() {
    if !require_tool("nginx") || !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (server, _nginx) = start_behind_nginx(dir.path(), &ca);
    let mut owner = set_up_owner(&server).visitor;

    // Two browsers on two addresses, each claiming to be someone else.
    assert_eq!(
        wrong_sign_in_from(&server, dir.path(), "127.0.0.2", "203.0.113.9"),
        401
    );
    assert_eq!(
        wrong_sign_in_from(&server, dir.path(), "127.0.0.3", "127.0.0.2"),
        401
    );
    let audit = owner.get("/audit").body;
    assert!(
        audit.contains("127.0.0.2") && audit.contains("127.0.0.3"),
        "each guess counts from the address nginx saw: {audit}"
    );
    assert!(
        !audit.contains("203.0.113.9"),
        "a forged hop is never believed: {audit}"
    );
}

#[test]
fn proxy_mode_refuses_a_non_loopback_listen_address_and_a_redirect_listener() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (args, key) in [
        (vec!["--listen", "0.0.0.0:0"], "`listen`"),
        (vec!["--listen", "[::]:0"], "`listen`"),
        (
            vec!["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"],
            "`http_listen`",
        ),
    ] {
        let out = alcove(&data)
            .arg("serve")
            .args(&args)
            .envs(proxy_env())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} started");
        assert!(err.contains(key), "{args:?}: {err}");
        assert!(!data.exists(), "nothing is left behind");
    }
    let out = alcove(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ALCOVE_TLS__MODE", "proxy")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("`hostname`"));
}

#[test]
fn outside_proxy_mode_x_forwarded_for_is_ignored_even_from_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let mut owner = set_up_owner(&server).visitor;
    let mut v = Visitor::new(&server);
    let page = v.get("/");
    let csrf = form_token(&page.body).unwrap();
    let r = server
        .client()
        .post(&server.url("/signin"))
        .header("Origin", &server.origin)
        .header("X-Forwarded-For", "203.0.113.9")
        .header(
            "Cookie",
            &format!("__Host-alcove-pre={}", v.cookies["__Host-alcove-pre"]),
        )
        .send_form([
            ("email", OWNER_EMAIL),
            ("password", "a wrong password"),
            ("csrf", csrf.as_str()),
        ])
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let audit = owner.get("/audit").body;
    assert!(audit.contains("signin.failure"), "{audit}");
    assert!(!audit.contains("203.0.113.9"), "{audit}");
}
