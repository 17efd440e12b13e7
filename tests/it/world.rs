//! The test world: a running server in its own data directory, with a practice seeded the
//! way people would seed it — through the real binary over HTTPS, never by writing to the
//! store. The owner walks the setup link and turns sign-in codes on; each client is added
//! and invited by the owner and sets a password; each team member is invited by the owner,
//! sets a password and turns sign-in codes on; each conversation is started by the owner.
//!
//! ```ignore
//! let world = World::builder()
//!     .client("Jordan Ellis", "jo@example.org")
//!     .staff("Sam Staff", "sam@example.org")
//!     .thread("Jordan Ellis", "Scheduling", "Shall we meet Monday?")
//!     .start();
//! let mut owner = world.owner();
//! let mut jordan = world.visitor("Jordan Ellis");
//! let thread = world.thread("Scheduling");
//! ```
//!
//! Visitors handed out by the world share the seeded sessions (their cookies), each on its
//! own connection.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::kit::Server;
use crate::visitor::{
    client_with_portal_as, join_by_invite, location, set_up_owner, team_member, Owner, Visitor,
    PASSWORD,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Client,
    Staff,
    Clinician,
}

/// Someone the world seeded besides the owner.
pub struct Person {
    pub role: Role,
    pub name: String,
    /// The client's id, as in `/clients/{id}` (empty for team members).
    pub id: String,
    cookies: BTreeMap<String, String>,
}

/// A running server with a seeded practice. Dropping it stops the server, then removes
/// the data directory.
pub struct World {
    pub server: Server,
    /// The server's data directory.
    pub data: PathBuf,
    /// The owner's sign-in code secret.
    pub owner_secret: String,
    owner: BTreeMap<String, String>,
    people: Vec<Person>,
    /// Conversations the world started: subject and path (`/messages/…`).
    threads: Vec<(String, String)>,
    tmp: tempfile::TempDir,
}

/// What to seed; [`WorldBuilder::start`] starts the server and seeds it in the order given.
#[derive(Default)]
pub struct WorldBuilder {
    env: Vec<(String, String)>,
    seeds: Vec<Seed>,
}

enum Seed {
    Client {
        name: String,
        email: String,
        fields: Vec<(String, String)>,
    },
    Team {
        role: Role,
        name: String,
        email: String,
    },
    Thread {
        to: String,
        subject: String,
        body: String,
    },
}

impl WorldBuilder {
    /// An environment variable for the server (configuration as `ALCOVE_*`).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// A client with portal access (added, invited, password set).
    pub fn client(self, name: &str, email: &str) -> Self {
        self.client_with(name, email, &[])
    }

    /// A client whose new-client form also carries `fields` (`admin_note`, `phone`, …).
    pub fn client_with(mut self, name: &str, email: &str, fields: &[(&str, &str)]) -> Self {
        self.seeds.push(Seed::Client {
            name: name.to_owned(),
            email: email.to_owned(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        self
    }

    /// A staff member (invited, password set, sign-in codes on).
    pub fn staff(self, name: &str, email: &str) -> Self {
        self.team(Role::Staff, name, email)
    }

    /// A clinician (invited, password set, sign-in codes on).
    pub fn clinician(self, name: &str, email: &str) -> Self {
        self.team(Role::Clinician, name, email)
    }

    fn team(mut self, role: Role, name: &str, email: &str) -> Self {
        self.seeds.push(Seed::Team {
            role,
            name: name.to_owned(),
            email: email.to_owned(),
        });
        self
    }

    /// A conversation the owner starts with the client called `to` (seeded before).
    pub fn thread(mut self, to: &str, subject: &str, body: &str) -> Self {
        self.seeds.push(Seed::Thread {
            to: to.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        });
        self
    }

    /// Starts the server in a new temporary data directory and seeds it.
    pub fn start(self) -> World {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let server = Server::start_with(&data, &[], &env);
        let mut people = Vec::new();
        let mut threads = Vec::new();
        let Owner {
            visitor: mut owner,
            secret: owner_secret,
            ..
        } = set_up_owner(&server);
        for seed in self.seeds {
            match seed {
                Seed::Client {
                    name,
                    email,
                    fields,
                } => {
                    let fields: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let (id, visitor) =
                        client_with_portal_as(&mut owner, &server, &name, &email, &fields);
                    people.push(Person {
                        role: Role::Client,
                        name,
                        id,
                        cookies: visitor.cookies,
                    });
                }
                Seed::Team { role, name, email } => {
                    let as_text = match role {
                        Role::Staff => "staff",
                        Role::Clinician => "clinician",
                        Role::Client => unreachable!("clients are seeded as clients"),
                    };
                    let invite = team_member(&mut owner, &name, &email, as_text);
                    let (visitor, _secret) = join_by_invite(&server, &invite, PASSWORD);
                    people.push(Person {
                        role,
                        name,
                        id: String::new(),
                        cookies: visitor.cookies,
                    });
                }
                Seed::Thread { to, subject, body } => {
                    let client = people
                        .iter()
                        .find(|p| p.name == to && p.role == Role::Client)
                        .unwrap_or_else(|| panic!("no client {to} seeded before the thread"));
                    let path = start_thread(&mut owner, &client.id, &subject, &body);
                    threads.push((subject, path));
                }
            }
        }
        let owner_cookies = owner.cookies.clone();
        drop(owner);
        World {
            server,
            data,
            owner_secret,
            owner: owner_cookies,
            people,
            threads,
            tmp: dir,
        }
    }
}

impl World {
    pub fn builder() -> WorldBuilder {
        WorldBuilder::default()
    }

    /// A server with an owner and nothing else.
    pub fn start() -> World {
        Self::builder().start()
    }

    /// The temporary folder that holds the data directory, for a test's other files.
    pub fn dir(&self) -> &std::path::Path {
        self.tmp.path()
    }

    /// The owner, signed in.
    pub fn owner(&self) -> Visitor<'_> {
        self.with_cookies(&self.owner)
    }

    /// Someone not signed in.
    pub fn anonymous(&self) -> Visitor<'_> {
        Visitor::new(&self.server)
    }

    /// The person called `name`, signed in.
    pub fn visitor(&self, name: &str) -> Visitor<'_> {
        self.with_cookies(&self.person(name).cookies)
    }

    /// The person called `name`, as seeded.
    pub fn person(&self, name: &str) -> &Person {
        self.people
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("nobody called {name} in this world"))
    }

    /// The id of the client called `name`.
    pub fn client_id(&self, name: &str) -> String {
        let person = self.person(name);
        assert_eq!(person.role, Role::Client, "{name} is not a client");
        person.id.clone()
    }

    /// The client called `name`: their id and their signed-in visitor.
    pub fn client(&self, name: &str) -> (String, Visitor<'_>) {
        (self.client_id(name), self.visitor(name))
    }

    /// The path (`/messages/…`) of the conversation the world started about `subject`.
    pub fn thread(&self, subject: &str) -> String {
        self.threads
            .iter()
            .find(|(s, _)| s == subject)
            .map(|(_, path)| path.clone())
            .unwrap_or_else(|| panic!("no conversation about {subject} in this world"))
    }

    fn with_cookies(&self, cookies: &BTreeMap<String, String>) -> Visitor<'_> {
        let mut v = Visitor::new(&self.server);
        v.cookies = cookies.clone();
        v
    }
}

/// The practice member `owner` starts a conversation with client `client_id`; returns its
/// path (`/messages/…`).
pub fn start_thread(owner: &mut Visitor<'_>, client_id: &str, subject: &str, body: &str) -> String {
    let compose = owner.get("/messages/new");
    let started = owner.post(
        "/messages",
        &compose.body,
        &[("client", client_id), ("subject", subject), ("body", body)],
    );
    assert_eq!(started.status, 303, "{}", started.body);
    location(&started).to_owned()
}
