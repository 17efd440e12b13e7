//! The practice settings' wording (owner): message templates and automatic replies. The
//! services check and store them; these functions word the pages and their fields.

use crate::views_app::{ActionSpec, Field, FieldKind, Section};

/// The templates page's title and heading, and where it lives.
pub const TEMPLATES_TITLE: &str = "Templates";
pub const TEMPLATES_HEADING: &str = "Message templates";
pub const TEMPLATES_HREF: &str = "/settings/templates";

/// One template, with where its remove button posts.
#[derive(Clone, Debug)]
pub struct TemplateRow {
    pub name: String,
    pub body: String,
    pub remove: String,
}

/// The templates page: which placeholders may be used, then each template.
pub fn templates_sections(
    placeholders: &[&str],
    rows: Vec<TemplateRow>,
    csrf: &str,
) -> Vec<Section> {
    let mut sections = vec![Section {
        paragraphs: vec![format!(
            "Templates may use {}. They are filled in when you start a message from a client's page.",
            placeholders.join(", ")
        )],
        actions: vec![ActionSpec::link(
            "/settings/templates/new",
            "Add a template",
            true,
        )],
        ..Section::default()
    }];
    sections.extend(rows.into_iter().map(|t| Section {
        heading: Some(t.name),
        paragraphs: vec![t.body],
        actions: vec![ActionSpec::post(&t.remove, csrf, "Remove", false)],
        ..Section::default()
    }));
    sections
}

/// The form to add a template: its title (also its heading) and button; it posts to the
/// templates page.
pub const TEMPLATE_FORM_TITLE: &str = "Add a template";
pub const TEMPLATE_FORM_SUBMIT: &str = "Save template";

/// The template form's fields, filled with what was typed.
pub fn template_fields(name: &str, body: &str) -> Vec<Field> {
    vec![
        Field::new("name", "Name", FieldKind::Text)
            .value(name)
            .autocomplete("off"),
        Field::new("body", "Text", FieldKind::LongText)
            .value(body)
            .help("You may use {client_first_name}, {practice_name} and {appointment_time}."),
    ]
}

/// The automatic replies page: its title (also its heading), where it posts, its button,
/// and the note after saving.
pub const AUTO_REPLY_TITLE: &str = "Automatic replies";
pub const AUTO_REPLY_ACTION: &str = "/settings/auto-reply";
pub const AUTO_REPLY_SUBMIT: &str = "Save";
pub const AUTO_REPLY_SAVED: &str = "Saved.";

/// What the automatic replies form holds: as stored, or as posted.
#[derive(Clone, Debug)]
pub struct AutoReplyDraft<'a> {
    pub crisis_notice: &'a str,
    pub away_message: &'a str,
    pub away_from: &'a str,
    pub away_until: &'a str,
}

/// The automatic replies form's fields.
pub fn auto_reply_fields(d: &AutoReplyDraft<'_>) -> Vec<Field> {
    vec![
        Field::new("crisis_notice", "Crisis notice", FieldKind::LongText).value(d.crisis_notice)
            .help("Sent automatically in reply to a client's message, at most once per conversation every 12 hours."),
        Field::new("away_message", "Away message", FieldKind::LongText).value(d.away_message).optional()
            .help("Added to the automatic reply on the days below, for example \"I am away until 3 March and will answer when I am back.\""),
        Field::new("away_from", "First day away", FieldKind::Date).value(d.away_from).optional(),
        Field::new("away_until", "Last day away", FieldKind::Date).value(d.away_until).optional(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_template_gets_a_section_with_its_remove_button() {
        let row = |n: &str| TemplateRow {
            name: n.into(),
            body: "Hello {client_first_name}".into(),
            remove: format!("/settings/templates/{n}/delete"),
        };
        let s = templates_sections(&["{a}", "{b}"], vec![row("x"), row("y")], "tok");
        assert_eq!(s.len(), 3);
        assert!(s[0].paragraphs[0].starts_with("Templates may use {a}, {b}."));
        assert_eq!(s[2].heading.as_deref(), Some("y"));
        assert!(
            matches!(&s[2].actions[0], ActionSpec::Post { action, csrf, .. } if action == "/settings/templates/y/delete" && csrf == "tok")
        );
        assert_eq!(templates_sections(&[], vec![], "tok").len(), 1);
    }

    #[test]
    fn the_auto_reply_form_keeps_what_was_typed_and_only_the_notice_is_required() {
        let fields = auto_reply_fields(&AutoReplyDraft {
            crisis_notice: "Call 988.",
            away_message: "Away.",
            away_from: "2026-03-01",
            away_until: "2026-03-03",
        });
        let values: Vec<&str> = fields.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["Call 988.", "Away.", "2026-03-01", "2026-03-03"]);
        let required: Vec<bool> = fields.iter().map(|f| f.required).collect();
        assert_eq!(required, [true, false, false, false]);
        assert_eq!(template_fields("n", "b")[1].value, "b");
    }
}
