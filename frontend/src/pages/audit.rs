//! The audit log page's wording (owner): the latest events in a table. The services choose
//! the events and who may see them.

use crate::views_app::{ActionSpec, Cell, Section, TableSpec};

/// The page's title and heading, and the navigation entry it marks.
pub const AUDIT_TITLE: &str = "Audit log";
pub const AUDIT_HREF: &str = "/audit";

/// One audit event, as shown.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub seq: u64,
    /// When, in UTC, as recorded.
    pub at: String,
    /// Who acted, and in which role: one column.
    pub who: (String, String),
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub ip: String,
}

/// A page of the log as the services returned it.
#[derive(Clone, Debug, Default)]
pub struct AuditView {
    /// Newest first.
    pub rows: Vec<AuditRow>,
    /// The client the page is narrowed to (id).
    pub client: Option<String>,
    /// The account whose actions the page is narrowed to (id).
    pub account: Option<String>,
    /// Where the next (older) page starts, when there may be one.
    pub next: Option<u64>,
    /// This page came after "Older events" (it offers the way back).
    pub older: bool,
}

impl AuditView {
    /// The page's address with its filters and, if given, where it starts.
    fn href(&self, before: Option<u64>) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.client {
            parts.push(format!("client={c}"));
        }
        if let Some(a) = &self.account {
            parts.push(format!("account={a}"));
        }
        if let Some(b) = before {
            parts.push(format!("before={b}"));
        }
        if parts.is_empty() {
            AUDIT_HREF.to_owned()
        } else {
            format!("{AUDIT_HREF}?{}", parts.join("&"))
        }
    }
}

/// The page's one section: what the log is, the filters in force, the events newest
/// first, and the links to older events and back.
pub fn audit_section(view: AuditView) -> Section {
    let mut paragraphs = vec!["Every access to client records and every security event, in a tamper-evident chain. `alcove audit verify` checks the chain on the server.".to_owned()];
    if let Some(c) = &view.client {
        paragraphs.push(format!("Only events about client {c}."));
    }
    if let Some(a) = &view.account {
        paragraphs.push(format!("Only events by account {a}."));
    }
    if view.rows.is_empty() {
        paragraphs.push(if view.older {
            "No older events.".into()
        } else {
            "No events match.".into()
        });
    }
    let mut actions = Vec::new();
    if let Some(next) = view.next {
        actions.push(ActionSpec::link(
            &view.href(Some(next)),
            "Older events",
            false,
        ));
    }
    if view.older {
        actions.push(ActionSpec::link(
            &view.href(None),
            "Back to the newest",
            false,
        ));
    }
    if view.client.is_some() || view.account.is_some() {
        actions.push(ActionSpec::link(AUDIT_HREF, "All events", false));
    }
    let rows = view.rows;
    let table = TableSpec {
        caption: "Events, newest first".into(),
        headers: [
            "#",
            "Time (UTC)",
            "Who",
            "Action",
            "Target",
            "Outcome",
            "IP",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .into_iter()
            .map(|e| {
                vec![
                    Cell::Text(e.seq.to_string()),
                    Cell::Text(e.at),
                    Cell::Text(format!("{} ({})", e.who.0, e.who.1)),
                    Cell::Text(e.action),
                    Cell::Text(e.target),
                    Cell::Text(e.outcome),
                    Cell::Text(e.ip),
                ]
            })
            .collect(),
    };
    Section {
        paragraphs,
        table: (!table.rows.is_empty()).then_some(table),
        actions,
        ..Section::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_event_with_who_and_their_role_together() {
        let row = |seq| AuditRow {
            seq,
            at: "2026-01-01T00:00:00Z".into(),
            who: ("Ann".into(), "owner".into()),
            action: "client.read".into(),
            target: "client".into(),
            outcome: "allowed".into(),
            ip: "127.0.0.1".into(),
        };
        let view = AuditView {
            rows: vec![row(2), row(1)],
            ..AuditView::default()
        };
        let section = audit_section(view);
        assert!(section.actions.is_empty(), "one page, no filter: no links");
        let table = section.table.unwrap();
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.headers.len(), table.rows[0].len());
        assert!(matches!(&table.rows[0][0], Cell::Text(t) if t == "2"));
        assert!(matches!(&table.rows[0][2], Cell::Text(t) if t == "Ann (owner)"));
        let empty = audit_section(AuditView::default());
        assert!(empty.table.is_none());
        assert_eq!(empty.paragraphs.last().unwrap(), "No events match.");
    }

    #[test]
    fn older_pages_keep_the_filters() {
        let view = AuditView {
            client: Some("c1".into()),
            account: Some("a2".into()),
            next: Some(51),
            older: true,
            ..AuditView::default()
        };
        let links: Vec<_> = audit_section(view)
            .actions
            .into_iter()
            .filter_map(|a| match a {
                ActionSpec::Link { href, label, .. } => Some((href, label)),
                _ => None,
            })
            .collect();
        let expect = [
            ("/audit?client=c1&account=a2&before=51", "Older events"),
            ("/audit?client=c1&account=a2", "Back to the newest"),
            ("/audit", "All events"),
        ];
        assert_eq!(links.len(), expect.len());
        for ((href, label), (h, l)) in links.iter().zip(expect) {
            assert_eq!((href.as_str(), label.as_str()), (h, l));
        }
    }
}
