//! A scripted visitor: keeps cookies like a browser, sends the Origin header on POST like a
//! browser on our own pages, reads form tokens out of pages, and never follows redirects.

use std::collections::BTreeMap;

use crate::kit::{Reply, Server};

pub struct Visitor<'a> {
    pub server: &'a Server,
    pub cookies: BTreeMap<String, String>,
    /// When set, responses do not change the cookies (the access matrix replays one
    /// identity against every route).
    pub frozen: bool,
    agent: ureq::Agent,
}

impl<'a> Visitor<'a> {
    pub fn new(server: &'a Server) -> Self {
        Self {
            server,
            cookies: BTreeMap::new(),
            frozen: false,
            agent: server.client(),
        }
    }

    /// The same visitor (cookies) on a new connection: for many visitors prepared first
    /// and sent at once, whose earlier connections the server may have closed while idle.
    pub fn on_new_connection(&self) -> Visitor<'a> {
        let mut v = Visitor::new(self.server);
        v.cookies = self.cookies.clone();
        v
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, reply: &Reply) {
        if self.frozen {
            return;
        }
        for (name, value) in &reply.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let pair = value.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() || value.contains("Max-Age=0") {
                        self.cookies.remove(k.trim());
                    } else {
                        self.cookies
                            .insert(k.trim().to_owned(), v.trim().to_owned());
                    }
                }
            }
        }
    }

    pub fn get(&mut self, path: &str) -> Reply {
        let url = self.server.url(path);
        let mut req = self.agent.get(&url);
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        let reply = Reply::from(req.call().expect("GET"));
        self.absorb(&reply);
        reply
    }

    /// POSTs `fields` plus the form token found in `page`.
    pub fn post(&mut self, path: &str, page: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = form_token(page).expect("the page has a form token");
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_raw(path, &all)
    }

    /// POSTs exactly `fields`; `None` when the connection failed (the server is gone).
    pub fn try_post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Option<Reply> {
        let url = self.server.url(path);
        let mut req = self.agent.post(&url).header("Origin", &self.server.origin);
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        let reply = Reply::from(req.send_form(fields.iter().copied()).ok()?);
        self.absorb(&reply);
        Some(reply)
    }

    /// POSTs exactly `fields` (no token added).
    pub fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let url = self.server.url(path);
        let mut req = self.agent.post(&url).header("Origin", &self.server.origin);
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        let reply = Reply::from(req.send_form(fields.iter().copied()).expect("POST"));
        self.absorb(&reply);
        reply
    }

    /// POSTs a `multipart/form-data` form as a browser does: the form token first, then
    /// `fields`, then the file (name, bytes) as field `file`, if any.
    pub fn post_multipart(
        &mut self,
        path: &str,
        page: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Reply {
        let csrf = form_token(page).expect("the page has a form token");
        let boundary = "----AlcoveTestBoundary7d1f9a";
        let mut body = Vec::new();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        for (k, v) in all {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, bytes) = file.unwrap_or(("", b""));
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = self.server.url(path);
        let mut req = self
            .agent
            .post(&url)
            .header("Origin", &self.server.origin)
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            );
        if !self.cookies.is_empty() {
            req = req.header("Cookie", &self.cookie_header());
        }
        let sent = req.send(&body[..]);
        let reply =
            Reply::from(sent.unwrap_or_else(|e| {
                panic!("POST {path}: {e}\nserver log:\n{}", self.server.stderr())
            }));
        self.absorb(&reply);
        reply
    }

    pub fn session(&self) -> Option<String> {
        self.cookies.get("__Host-alcove").cloned()
    }
}

/// The value of the first hidden `csrf` field in a page.
pub fn form_token(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\"")?;
    let rest = &page[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

/// The text inside the first `<code>` after `marker`.
pub fn code_after(page: &str, marker: &str) -> Option<String> {
    let at = page.find(marker)?;
    let rest = &page[at..];
    let s = rest.find("<code>")? + 6;
    let e = rest[s..].find("</code>")?;
    Some(rest[s..s + e].to_owned())
}

pub fn location(reply: &Reply) -> &str {
    reply.header("location").unwrap_or("")
}

/// The current TOTP code for a secret shown as text.
pub fn totp_now(secret_text: &str) -> String {
    let secret = alcove::crypto::totp::secret_from_text(secret_text).expect("secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    alcove::crypto::totp::code_at(&secret, now)
}

/// The code for the next 30-second step (a code not yet used).
pub fn totp_next(secret_text: &str) -> String {
    let secret = alcove::crypto::totp::secret_from_text(secret_text).expect("secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    alcove::crypto::totp::code_at(&secret, now + 30)
}

pub const OWNER_EMAIL: &str = "owner@riverside.example";
pub const OWNER_PASSWORD: &str = "quiet river lantern morning";
/// The password seeded clients (and the test world's team members) set.
pub const PASSWORD: &str = "blue heron at dawn";

/// An owner created through the setup link, with sign-in codes on.
pub struct Owner<'a> {
    pub visitor: Visitor<'a>,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Walks the setup link: creates the owner, enrolls TOTP, saves the recovery codes.
pub fn set_up_owner(server: &Server) -> Owner<'_> {
    let link = server.setup_link().expect("setup link");
    // The path only: behind a proxy the printed link names the public origin.
    let path = link[link.find("/setup/").expect("setup path")..].to_owned();
    let mut v = Visitor::new(server);
    let form = v.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    let created = v.post(
        &path,
        &form.body,
        &[
            ("practice", "Riverside Counselling"),
            ("name", "Dana Reyes"),
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
            ("confirm", OWNER_PASSWORD),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(location(&created), "/mfa/setup");
    let enroll = v.get("/mfa/setup");
    assert_eq!(enroll.status, 200);
    assert!(enroll.body.contains("<svg"), "QR code drawn on the server");
    let secret = code_after(&enroll.body, "type this key").expect("secret text");
    let done = v.post("/mfa/setup", &enroll.body, &[("code", &totp_now(&secret))]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Save your recovery codes"));
    let codes: Vec<String> = done
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    Owner {
        visitor: v,
        secret,
        recovery_codes: codes,
    }
}

/// Signs in with password and the given second-step code; returns the final reply.
pub fn sign_in(v: &mut Visitor<'_>, email: &str, password: &str, code: &str) -> Reply {
    let page = v.get("/");
    let first = v.post(
        "/signin",
        &page.body,
        &[("email", email), ("password", password)],
    );
    if first.status != 303 || location(&first) != "/signin/code" {
        return first;
    }
    let code_page = v.get("/signin/code");
    v.post("/signin/code", &code_page.body, &[("code", code)])
}

/// Signs a new practice member in through an invitation link and enrolls sign-in codes;
/// returns the visitor (fully signed in) and the TOTP secret.
pub fn join_by_invite<'a>(
    server: &'a Server,
    invite_path: &str,
    password: &str,
) -> (Visitor<'a>, String) {
    let mut v = Visitor::new(server);
    let form = v.get(invite_path);
    assert_eq!(form.status, 200, "{}", form.body);
    let r = v.post(
        invite_path,
        &form.body,
        &[("password", password), ("confirm", password)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let enroll = v.get("/mfa/setup");
    assert_eq!(enroll.status, 200, "{}", enroll.body);
    let secret = code_after(&enroll.body, "type this key").expect("secret");
    let done = v.post("/mfa/setup", &enroll.body, &[("code", &totp_now(&secret))]);
    assert_eq!(done.status, 200, "{}", done.body);
    (v, secret)
}

/// The path of the invitation link shown on a page.
pub fn invite_path_in(page: &str) -> String {
    let code = code_after(page, "shown only now").expect("invite link");
    let at = code.find("/invite/").expect("invite path");
    code[at..].to_owned()
}

/// The owner adds a client and invites them; the client sets a password. Returns the
/// client's id and their signed-in visitor.
pub fn client_with_portal<'a>(
    owner: &mut Visitor<'_>,
    server: &'a Server,
    name: &str,
    email: &str,
) -> (String, Visitor<'a>) {
    client_with_portal_as(owner, server, name, email, &[])
}

/// The owner adds a client (with more `fields` in the new-client form) and invites them:
/// the client's id and the unused invitation path.
pub fn invited_client(
    owner: &mut Visitor<'_>,
    name: &str,
    email: &str,
    fields: &[(&str, &str)],
) -> (String, String) {
    let new = owner.get("/clients/new");
    let mut all = vec![("legal_name", name), ("email", email)];
    all.extend_from_slice(fields);
    let created = owner.post("/clients", &new.body, &all);
    assert_eq!(created.status, 303, "{}", created.body);
    let client_id = location(&created)
        .trim_start_matches("/clients/")
        .to_owned();
    let detail = owner.get(&format!("/clients/{client_id}"));
    let invited = owner.post(&format!("/clients/{client_id}/invite"), &detail.body, &[]);
    (client_id, invite_path_in(&invited.body))
}

/// Like [`client_with_portal`], with more `fields` in the new-client form.
pub fn client_with_portal_as<'a>(
    owner: &mut Visitor<'_>,
    server: &'a Server,
    name: &str,
    email: &str,
    fields: &[(&str, &str)],
) -> (String, Visitor<'a>) {
    let (client_id, invite) = invited_client(owner, name, email, fields);
    let mut client = Visitor::new(server);
    let form = client.get(&invite);
    let joined = client.post(
        &invite,
        &form.body,
        &[("password", PASSWORD), ("confirm", PASSWORD)],
    );
    assert_eq!(joined.status, 303, "{}", joined.body);
    (client_id, client)
}

/// The address of the link labelled `label` in `page`, unescaped.
pub fn link_labelled(page: &str, label: &str) -> Option<String> {
    let end = page.find(&format!("\">{label}</a>"))?;
    let start = page[..end].rfind("href=\"")? + 6;
    let href = page[start..end].split('"').next()?;
    Some(href.replace("&amp;", "&"))
}

/// Every page of the audit log from `first` (`/audit`, perhaps with a filter), newest
/// first, as one text.
pub fn whole_audit_log(v: &mut Visitor<'_>, first: &str) -> String {
    let mut all = String::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let page = v.get(&path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        next = link_labelled(&page.body, "Older events");
        all.push_str(&page.body);
    }
    all
}

/// The first quoted URL in `page` that contains `needle` (a link's `href`).
pub fn href_with(page: &str, needle: &str) -> String {
    let at = page
        .find(needle)
        .unwrap_or_else(|| panic!("no link with {needle} in the page"));
    let start = page[..at].rfind('"').unwrap() + 1;
    let end = at + page[at..].find('"').unwrap();
    page[start..end].to_owned()
}

/// The owner invites a clinician or staff member; returns the invitation path.
pub fn team_member(owner: &mut Visitor<'_>, name: &str, email: &str, role: &str) -> String {
    let form = owner.get("/team/invite");
    let r = owner.post(
        "/team/invite",
        &form.body,
        &[("name", name), ("email", email), ("role", role)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    invite_path_in(&r.body)
}

/// The id of the form called `name` (as the forms list shows it).
pub fn form_id(owner: &mut Visitor<'_>, name: &str) -> String {
    let page = owner.get("/forms").body;
    let at = page
        .find(&format!(">{name}<"))
        .unwrap_or_else(|| panic!("{name} in {page}"));
    let href = page[..at].rfind("/forms/").unwrap() + "/forms/".len();
    page[href..href + 32].to_owned()
}

/// The path of the form link shown once in a page's link box.
pub fn shown_link(page: &str) -> String {
    let at = page.find("/f/").expect("a form link");
    let end = at + page[at..].find('<').unwrap();
    page[at..end].to_owned()
}

/// The owner sends client `client_id` a link to the form called `form_name`; returns its path.
pub fn send_form_link(owner: &mut Visitor<'_>, client_id: &str, form_name: &str) -> String {
    let form = form_id(owner, form_name);
    let new_link = owner.get(&format!("/clients/{client_id}/form-links/new"));
    let made = owner.post(
        &format!("/clients/{client_id}/form-links"),
        &new_link.body,
        &[("form", &form), ("single_use", "yes")],
    );
    assert_eq!(made.status, 200, "{}", made.body);
    shown_link(&made.body)
}
