//! The client list's wording and the form to add a client. The services decide who sees
//! the list and who may add one; these functions turn their answer into a section and
//! fields.

use super::client::{link, listing};
use crate::views_app::{Cell, Field, FieldKind, Section, TableSpec};

/// The list page's title (also its heading).
pub const LIST_TITLE: &str = "Clients";

/// The add-a-client page: title (also its heading), where it posts, its button.
pub const NEW_TITLE: &str = "Add a client";
pub const NEW_ACTION: &str = "/clients";
pub const NEW_SUBMIT: &str = "Save client";

/// Said above the form when a field was refused.
pub const FIX_THE_FIELD: &str = "Please correct the marked field.";

/// One client in the list.
#[derive(Clone, Debug)]
pub struct ClientRow {
    pub href: String,
    pub name: String,
    /// The portal access as worded for the account's status.
    pub portal_access: String,
}

/// The list's one section: the table of clients, or a line saying there are none.
pub fn list_section(rows: Vec<ClientRow>) -> Section {
    let table = TableSpec {
        caption: "Clients".into(),
        headers: vec!["Name".into(), "Portal access".into()],
        rows: rows
            .into_iter()
            .map(|c| {
                vec![
                    Cell::Link {
                        href: c.href,
                        label: c.name,
                    },
                    Cell::Text(c.portal_access),
                ]
            })
            .collect(),
    };
    let mut section = listing(None, "No clients yet.", table);
    section.actions = vec![link("/clients/new".into(), "Add a client".into(), true)];
    section
}

/// A client's record: as typed into the add-a-client form (empty for a new one), or as
/// stored, for the client page.
#[derive(Clone, Debug, Default)]
pub struct ClientRecord<'a> {
    pub legal_name: &'a str,
    /// Optional, as are the phone, the date of birth and the admin note.
    pub preferred_name: &'a str,
    /// Where the invitation link is meant to go.
    pub email: &'a str,
    pub phone: &'a str,
    /// As the date field gives it.
    pub date_of_birth: &'a str,
    /// A practical note, never a clinical one.
    pub admin_note: &'a str,
}

const EMAIL_HELP: &str = "The invitation link is meant for this address. Alcove never sends health information by email.";
const NOTE_HELP: &str = "A short practical note for the practice (not clinical notes).";

/// The form's fields, filled from the draft.
pub fn form_fields(d: &ClientRecord<'_>) -> Vec<Field> {
    let text = |name: &str, label: &str, kind: FieldKind, value: &str| {
        Field::new(name, label, kind).value(value)
    };
    vec![
        text("legal_name", "Legal name", FieldKind::Text, d.legal_name).autocomplete("off"),
        text(
            "preferred_name",
            "Preferred name",
            FieldKind::Text,
            d.preferred_name,
        )
        .optional()
        .autocomplete("off"),
        text("email", "Email address", FieldKind::Email, d.email)
            .autocomplete("off")
            .help(EMAIL_HELP),
        text("phone", "Phone", FieldKind::Tel, d.phone)
            .optional()
            .autocomplete("off"),
        text(
            "date_of_birth",
            "Date of birth",
            FieldKind::Date,
            d.date_of_birth,
        )
        .optional(),
        text(
            "admin_note",
            "Admin note",
            FieldKind::LongText,
            d.admin_note,
        )
        .optional()
        .help(NOTE_HELP),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> ClientRow {
        ClientRow {
            href: format!("/clients/{name}"),
            name: name.into(),
            portal_access: "Invited".into(),
        }
    }

    #[test]
    fn an_empty_list_says_so_and_has_no_table() {
        let s = list_section(vec![]);
        assert_eq!(s.paragraphs, ["No clients yet."]);
        assert!(s.table.is_none());
        assert_eq!(s.actions.len(), 1, "adding a client is always offered");
    }

    #[test]
    fn the_table_has_one_row_per_client_linking_to_it() {
        let s = list_section(vec![row("a"), row("b")]);
        assert!(s.paragraphs.is_empty());
        let table = s.table.expect("a table");
        assert_eq!(table.rows.len(), 2);
        assert!(
            matches!(&table.rows[1][0], Cell::Link { href, label } if href == "/clients/b" && label == "b")
        );
        assert!(matches!(&table.rows[0][1], Cell::Text(t) if t == "Invited"));
    }

    #[test]
    fn the_form_keeps_what_was_typed_and_only_the_names_and_email_are_required() {
        let draft = ClientRecord {
            legal_name: "Ada Lovelace",
            email: "ada@example.org",
            ..ClientRecord::default()
        };
        let fields = form_fields(&draft);
        assert_eq!(fields.len(), 6);
        assert_eq!(fields[0].value, "Ada Lovelace");
        assert_eq!(fields[2].value, "ada@example.org");
        let required: Vec<&str> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(required, ["legal_name", "email"]);
    }
}
