//! The client's chart beyond the profile, as the practice sees it: accepting a public
//! intake, the form links sent to the client, the forms received, the communication
//! preferences, and one submission's print-friendly page. Times come already shown.

use super::client::{link, listing, post};
use crate::views_app::{Cell, Section, TableSpec};

/// The submission page's title; its heading is the form's name.
pub const SUBMISSION_TITLE: &str = "Submission";

/// A record made by a public intake form, waiting to be accepted.
pub fn intake_section(accept: String, csrf: &str) -> Section {
    Section {
        heading: Some("New intake".into()),
        paragraphs: vec!["This record was created by a public intake form. Check the answers below, then accept it to treat it as a client (you can then invite them to the portal).".into()],
        actions: vec![post(accept, csrf, "Accept this intake".into(), true)],
        ..Section::default()
    }
}

/// One form link sent to the client.
#[derive(Clone, Debug)]
pub struct FormLinkRow {
    pub form: String,
    pub created: String,
    pub expires: String,
    /// The link's state as worded.
    pub state: String,
    /// Where withdrawing it posts, while it is open.
    pub withdraw: Option<String>,
}

/// The form links section: the table (when there are any), sending a form, and
/// withdrawing each open link.
pub fn form_links_section(send_href: String, csrf: &str, rows: Vec<FormLinkRow>) -> Section {
    let mut actions = vec![link(send_href, "Send a form".into(), false)];
    actions.extend(rows.iter().filter_map(|l| {
        let label = format!("Withdraw “{}” of {}", l.form, l.created);
        l.withdraw
            .clone()
            .map(|action| post(action, csrf, label, false))
    }));
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|l| {
            vec![
                Cell::Text(l.form),
                Cell::Text(l.created),
                Cell::Text(l.expires),
                Cell::Text(l.state),
            ]
        })
        .collect();
    Section {
        heading: Some("Form links".into()),
        table: (!rows.is_empty()).then(|| TableSpec {
            caption: "Links sent to this client".into(),
            headers: vec![
                "Form".into(),
                "Created".into(),
                "Expires".into(),
                "State".into(),
            ],
            rows,
        }),
        actions,
        ..Section::default()
    }
}

/// One submission received from the client.
#[derive(Clone, Debug)]
pub struct SubmissionRow {
    pub href: String,
    pub form: String,
    pub version: u32,
    pub received: String,
}

/// The forms received: a table, or a line saying there are none yet. `more`: older
/// submissions exist beyond those listed.
pub fn submissions_section(rows: Vec<SubmissionRow>, more: bool) -> Section {
    let shown = rows.len();
    let table = TableSpec {
        caption: "Submissions".into(),
        headers: vec!["Form".into(), "Version".into(), "Received".into()],
        rows: rows
            .into_iter()
            .map(|s| {
                vec![
                    Cell::Link {
                        href: s.href,
                        label: s.form,
                    },
                    Cell::Text(format!("version {}", s.version)),
                    Cell::Text(s.received),
                ]
            })
            .collect(),
    };
    let mut section = listing(Some("Forms received"), "None yet.", table);
    if more {
        section.paragraphs.push(format!(
            "Only the latest {shown} are listed here; older ones stay in the record."
        ));
    }
    section
}

/// The client's latest communication preferences.
#[derive(Clone, Debug)]
pub struct PreferencesView {
    pub portal: bool,
    pub email: bool,
    pub phone: bool,
    /// When they were given, as shown.
    pub given: String,
    pub form_version: u32,
    /// How many changes are on record.
    pub changes: usize,
}

pub fn preferences_section(p: PreferencesView) -> Section {
    let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
    Section {
        heading: Some("Communication preferences".into()),
        facts: vec![
            ("Portal messages".into(), yes(p.portal)),
            ("Email notifications".into(), yes(p.email)),
            ("Phone and voicemail".into(), yes(p.phone)),
            (
                "Given".into(),
                format!("{} (consent form version {})", p.given, p.form_version),
            ),
            ("Changes on record".into(), p.changes.to_string()),
        ],
        ..Section::default()
    }
}

/// One answer of a submission as shown.
#[derive(Clone, Debug)]
pub enum ShownAnswer {
    /// Nothing was given.
    Empty,
    /// A ticked checkbox or consent.
    Checked,
    /// A file, downloaded from `href`.
    File { name: String, href: String },
    /// The answer's text (several choices joined).
    Text(String),
}

/// How a submission was signed: the typed name, when, and from which address.
#[derive(Clone, Debug)]
pub struct SignatureView {
    pub name: String,
    pub at: String,
    /// Empty when the address is unknown.
    pub ip: String,
}

/// One submission, print-friendly.
#[derive(Clone, Debug)]
pub struct SubmissionView {
    /// Each question's label and answer, in the form's order.
    pub answers: Vec<(String, ShownAnswer)>,
    pub received: String,
    pub version: u32,
    pub sha256: String,
    pub signature: Option<SignatureView>,
    pub back_href: String,
}

/// The answers (with a download for each file), then the record of receipt.
pub fn submission_sections(v: SubmissionView) -> Vec<Section> {
    let mut files = Vec::new();
    let facts = v
        .answers
        .into_iter()
        .map(|(label, answer)| {
            let shown = match answer {
                ShownAnswer::Empty => "—".to_owned(),
                ShownAnswer::Checked => "Checked".to_owned(),
                ShownAnswer::File { name, href } => {
                    files.push(link(href, format!("Download {name}"), false));
                    name
                }
                ShownAnswer::Text(t) => t,
            };
            (label, shown)
        })
        .collect();
    let mut record = vec![
        format!("Received {} · form version {}", v.received, v.version),
        format!("Content fingerprint (SHA-256): {}", v.sha256),
    ];
    if let Some(sig) = v.signature {
        let from = if sig.ip.is_empty() {
            "an unknown address".to_owned()
        } else {
            sig.ip
        };
        record.push(format!(
            "Signed by typing “{}” at {} from {from}",
            sig.name, sig.at
        ));
    }
    vec![
        Section {
            facts,
            actions: files,
            ..Section::default()
        },
        Section {
            paragraphs: record,
            actions: vec![link(v.back_href, "Back to the client".into(), false)],
            ..Section::default()
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::client::labels;
    use super::*;

    fn link_row(form: &str, open: bool) -> FormLinkRow {
        FormLinkRow {
            form: form.into(),
            created: "1 May".into(),
            expires: "8 May".into(),
            state: if open { "open" } else { "used" }.into(),
            withdraw: open.then(|| format!("/form-links/{form}/revoke")),
        }
    }

    #[test]
    fn only_open_links_can_be_withdrawn_and_no_table_without_links() {
        let s = form_links_section("/send".into(), "t", vec![]);
        assert!(s.table.is_none());
        assert_eq!(labels(&s), ["Send a form"]);
        let s = form_links_section(
            "/send".into(),
            "t",
            vec![link_row("Intake", true), link_row("Consent", false)],
        );
        assert_eq!(s.table.as_ref().map(|t| t.rows.len()), Some(2));
        assert_eq!(labels(&s), ["Send a form", "Withdraw “Intake” of 1 May"]);
    }

    #[test]
    fn no_submissions_says_none_yet_and_rows_show_their_version() {
        let s = submissions_section(vec![], false);
        assert_eq!(s.paragraphs, ["None yet."]);
        assert!(s.table.is_none());
        let one = vec![SubmissionRow {
            href: "/s/1".into(),
            form: "Intake".into(),
            version: 3,
            received: "today".into(),
        }];
        let s = submissions_section(one.clone(), false);
        assert!(s.paragraphs.is_empty());
        let more = submissions_section(one, true);
        assert_eq!(
            more.paragraphs,
            ["Only the latest 1 are listed here; older ones stay in the record."]
        );
        let table = s.table.expect("a table");
        assert_eq!(table.rows.len(), 1);
        assert!(matches!(&table.rows[0][1], Cell::Text(t) if t == "version 3"));
    }

    #[test]
    fn preferences_say_yes_or_no() {
        let s = preferences_section(PreferencesView {
            portal: true,
            email: false,
            phone: true,
            given: "today".into(),
            form_version: 2,
            changes: 4,
        });
        assert_eq!(s.facts[0].1, "yes");
        assert_eq!(s.facts[1].1, "no");
        assert_eq!(s.facts[3].1, "today (consent form version 2)");
        assert_eq!(s.facts[4].1, "4");
    }

    #[test]
    fn each_file_gets_a_download_and_a_signature_without_address_says_so() {
        let sections = submission_sections(SubmissionView {
            answers: vec![
                ("Name".into(), ShownAnswer::Text("Ada".into())),
                ("Agree".into(), ShownAnswer::Checked),
                ("Phone".into(), ShownAnswer::Empty),
                (
                    "Letter".into(),
                    ShownAnswer::File {
                        name: "letter.pdf".into(),
                        href: "/f/1".into(),
                    },
                ),
            ],
            received: "today".into(),
            version: 1,
            sha256: "ab".into(),
            signature: Some(SignatureView {
                name: "Ada".into(),
                at: "noon".into(),
                ip: String::new(),
            }),
            back_href: "/clients/c".into(),
        });
        let shown: Vec<&str> = sections[0].facts.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(shown, ["Ada", "Checked", "—", "letter.pdf"]);
        assert_eq!(labels(&sections[0]), ["Download letter.pdf"]);
        assert_eq!(
            sections[1].paragraphs[2],
            "Signed by typing “Ada” at noon from an unknown address"
        );
        assert_eq!(labels(&sections[1]), ["Back to the client"]);
    }
}
