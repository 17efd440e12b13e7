//! The audit log page's wording (owner): the latest events in a table. The services choose
//! the events and who may see them.

use crate::views_app::{Cell, Section, TableSpec};

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

/// The page's one section: what the log is, and the events, newest first.
pub fn audit_section(rows: Vec<AuditRow>) -> Section {
    let table = TableSpec {
        caption: "Latest events, newest first".into(),
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
        paragraphs: vec!["Every access to client records and every security event, in a tamper-evident chain. `alcove audit verify` checks the chain on the server.".into()],
        table: Some(table),
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
        let table = audit_section(vec![row(2), row(1)]).table.unwrap();
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.headers.len(), table.rows[0].len());
        assert!(matches!(&table.rows[0][0], Cell::Text(t) if t == "2"));
        assert!(matches!(&table.rows[0][2], Cell::Text(t) if t == "Ann (owner)"));
        assert!(audit_section(vec![]).table.unwrap().rows.is_empty());
    }
}
