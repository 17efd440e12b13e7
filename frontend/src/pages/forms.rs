//! The form builder's wording: the list of forms, the form to create one, one form's
//! questions with their buttons and its public intake links, and the form to add or edit a
//! question. The services decide who may build forms; these functions turn their answer
//! into sections and fields.

use crate::views_app::{ActionSpec, Cell, Field, FieldKind, Section, TableSpec};

/// A select of `yes` and `no`, worded `yes` and `no` (the builder's "Required", the sent
/// link's "The link works").
pub(crate) fn yes_no(name: &str, label: &str, yes: &str, no: &str, value: &str) -> Field {
    Field::new(
        name,
        label,
        FieldKind::Select(vec![("yes".into(), yes.into()), ("no".into(), no.into())]),
    )
    .value(value)
}

fn link(href: String, label: &str, primary: bool) -> ActionSpec {
    ActionSpec::Link {
        href,
        label: label.into(),
        primary,
    }
}

fn post(action: String, csrf: &str, label: String) -> ActionSpec {
    ActionSpec::Post {
        action,
        csrf: csrf.to_owned(),
        label,
        primary: false,
    }
}

/// The list page's title and heading.
pub const LIST_TITLE: &str = "Forms";

/// One form in the list.
#[derive(Clone, Debug)]
pub struct FormRow {
    pub href: String,
    pub name: String,
    /// The current version's number.
    pub version: u32,
    /// How many questions the current version has.
    pub fields: usize,
}

/// The list page's one section: what forms are for, the table, and the link to create one.
pub fn list_section(rows: Vec<FormRow>) -> Section {
    Section {
        paragraphs: vec!["Send a form to a client from the client's page. A public intake link lets someone who is not a client yet fill in a form; it creates a new client record for you to review.".into()],
        table: Some(TableSpec {
            caption: "Forms".into(),
            headers: vec!["Form".into(), "Current".into(), "Fields".into()],
            rows: rows
                .into_iter()
                .map(|f| {
                    vec![
                        Cell::Link {
                            href: f.href,
                            label: f.name,
                        },
                        Cell::Text(format!("version {}", f.version)),
                        Cell::Text(f.fields.to_string()),
                    ]
                })
                .collect(),
        }),
        actions: vec![link("/forms/new".into(), "Create a form", true)],
        ..Section::default()
    }
}

/// The new-form page's title, heading and button.
pub const NEW_TITLE: &str = "New form";
pub const NEW_HEADING: &str = "Create a form";
pub const NEW_SUBMIT: &str = "Create form";

/// The new-form page's fields, as posted (or empty).
pub fn new_form_fields(name: &str, intro: &str) -> Vec<Field> {
    vec![
        Field::new("name", "Form name", FieldKind::Text).value(name),
        Field::new(
            "intro",
            "Text shown above the questions",
            FieldKind::LongText,
        )
        .value(intro)
        .optional(),
    ]
}

/// One question of a form as the builder shows it.
#[derive(Clone, Debug)]
pub struct QuestionRow {
    pub label: String,
    /// The type of answer, as worded ("Short text").
    pub kind: String,
    pub required: bool,
    /// The answers to choose from (choice questions).
    pub options: Vec<String>,
    pub help: String,
}

/// One public intake link of a form.
#[derive(Clone, Debug)]
pub struct PublicLinkRow {
    pub created: String,
    pub expires: String,
    /// Open, used, expired or revoked, as worded.
    pub state: String,
    pub answers: u32,
    /// Where the withdraw button posts, for a link that still works.
    pub revoke_action: Option<String>,
}

/// One form's page title (its heading is the form's name).
pub const FORM_TITLE: &str = "Form";

/// One form's page: its questions and its public links.
#[derive(Clone, Debug)]
pub struct FormView {
    /// The form's page (`/forms/{id}`); the question and link buttons post below it.
    pub href: String,
    /// The current version: its number and the text shown above its questions.
    pub version: u32,
    pub intro: String,
    pub questions: Vec<QuestionRow>,
    pub public: PublicLinks,
}

/// A form's public intake links.
#[derive(Clone, Debug, Default)]
pub struct PublicLinks {
    pub rows: Vec<PublicLinkRow>,
    /// A public link just created, shown this once.
    pub new_link: Option<String>,
}

fn question_section(href: &str, csrf: &str, i: usize, q: QuestionRow) -> Section {
    let mut paragraphs = vec![format!(
        "{}{}",
        q.kind,
        if q.required {
            ", required"
        } else {
            ", optional"
        }
    )];
    if !q.options.is_empty() {
        paragraphs.push(format!("Answers: {}", q.options.join(" · ")));
    }
    if !q.help.is_empty() {
        paragraphs.push(format!("Help: {}", q.help));
    }
    let field = format!("{href}/fields/{i}");
    Section {
        heading: Some(format!("{}. {}", i + 1, q.label)),
        paragraphs,
        actions: vec![
            link(field.clone(), "Edit", false),
            post(format!("{field}/up"), csrf, "Move up".into()),
            post(format!("{field}/down"), csrf, "Move down".into()),
            post(format!("{field}/remove"), csrf, "Remove".into()),
        ],
        ..Section::default()
    }
}

fn public_section(href: &str, csrf: &str, public: PublicLinks) -> Section {
    let PublicLinks {
        rows: links,
        new_link,
    } = public;
    let mut actions = vec![post(
        format!("{href}/public-link"),
        csrf,
        "Create a public link".into(),
    )];
    let mut rows = Vec::new();
    for l in links {
        if let Some(action) = l.revoke_action {
            actions.push(post(
                action,
                csrf,
                format!("Withdraw the link of {}", l.created),
            ));
        }
        rows.push(vec![
            Cell::Text(l.created),
            Cell::Text(l.expires),
            Cell::Text(l.state),
            Cell::Text(l.answers.to_string()),
        ]);
    }
    let mut paragraphs = vec!["Anyone with a public link can fill in this form once within 7 days; each answer creates a new client record for you to review.".into()];
    if new_link.is_some() {
        paragraphs.push("Copy this link now; it is shown only once:".into());
    }
    Section {
        heading: Some("Public intake links".into()),
        paragraphs,
        actions,
        table: (!rows.is_empty()).then(|| TableSpec {
            caption: "Public links of this form".into(),
            headers: vec![
                "Created".into(),
                "Expires".into(),
                "State".into(),
                "Answers".into(),
            ],
            rows,
        }),
        link_box: new_link,
        ..Section::default()
    }
}

/// One form's sections: its version and intro, a section per question, its public links
/// (`csrf`: the form token of their buttons).
pub fn form_sections(csrf: &str, view: FormView) -> Vec<Section> {
    let FormView {
        href,
        version,
        intro,
        questions,
        public,
    } = view;
    let mut sections = vec![Section {
        paragraphs: vec![
            format!("Version {version}. Changing a form that has answers makes a new version; earlier answers keep the version they answered."),
            intro,
        ],
        actions: vec![link(format!("{href}/fields/new"), "Add a question", true)],
        ..Section::default()
    }];
    sections.extend(
        questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| question_section(&href, csrf, i, q)),
    );
    sections.push(public_section(&href, csrf, public));
    sections
}

/// What the question form holds: as posted, from the question being edited, or (by
/// default) a new one, short text and required.
#[derive(Clone, Debug)]
pub struct QuestionDraft {
    pub label: String,
    /// A type of answer's name (`short_text`).
    pub kind: String,
    /// `yes` or `no`.
    pub required: String,
    pub help: String,
    /// One answer to choose from a line.
    pub options: String,
}

impl Default for QuestionDraft {
    fn default() -> Self {
        QuestionDraft {
            label: String::new(),
            kind: "short_text".into(),
            required: "yes".into(),
            help: String::new(),
            options: String::new(),
        }
    }
}

/// The question page's title and button (its heading: [`question_heading`]).
pub const QUESTION_TITLE: &str = "Question";
pub const QUESTION_SUBMIT: &str = "Save question";

/// The question page's heading.
pub fn question_heading(editing: bool) -> &'static str {
    if editing {
        "Edit a question"
    } else {
        "Add a question"
    }
}

/// The question form's fields; `types` are the types of answer (name, as worded).
pub fn question_fields(d: QuestionDraft, types: Vec<(String, String)>) -> Vec<Field> {
    vec![
        Field::new("label", "Question", FieldKind::LongText).value(&d.label),
        Field::new("kind", "Type of answer", FieldKind::Select(types)).value(&d.kind),
        yes_no("required", "Required", "Yes", "No, optional", &d.required),
        Field::new("help", "Help text", FieldKind::Text)
            .value(&d.help)
            .optional(),
        Field::new(
            "options",
            "Answers to choose from (for choice questions), one per line",
            FieldKind::LongText,
        )
        .value(&d.options)
        .optional(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(options: &[&str], help: &str, required: bool) -> QuestionRow {
        QuestionRow {
            label: "How are you?".into(),
            kind: "Short text".into(),
            required,
            options: options.iter().map(|o| (*o).into()).collect(),
            help: help.into(),
        }
    }

    fn public(revoke: bool) -> PublicLinkRow {
        PublicLinkRow {
            created: "today 09:00".into(),
            expires: "in 7 days".into(),
            state: "open".into(),
            answers: 0,
            revoke_action: revoke.then(|| "/form-links/L/revoke".into()),
        }
    }

    fn view(
        questions: Vec<QuestionRow>,
        links: Vec<PublicLinkRow>,
        new_link: Option<&str>,
    ) -> FormView {
        FormView {
            href: "/forms/F".into(),
            version: 3,
            intro: "Welcome".into(),
            questions,
            public: PublicLinks {
                rows: links,
                new_link: new_link.map(Into::into),
            },
        }
    }

    fn labels(s: &Section) -> Vec<String> {
        s.actions
            .iter()
            .map(|a| match a {
                ActionSpec::Link { label, .. } | ActionSpec::Post { label, .. } => label.clone(),
            })
            .collect()
    }

    #[test]
    fn the_list_has_a_row_a_form() {
        let row = |n: &str| FormRow {
            href: format!("/forms/{n}"),
            name: n.into(),
            version: 2,
            fields: 5,
        };
        let rows = list_section(vec![row("a"), row("b")]).table.unwrap().rows;
        let links: Vec<(&str, &str)> = rows
            .iter()
            .filter_map(|r| match &r[0] {
                Cell::Link { href, label } => Some((href.as_str(), label.as_str())),
                Cell::Text(_) => None,
            })
            .collect();
        assert_eq!(links, [("/forms/a", "a"), ("/forms/b", "b")]);
        assert!(matches!(&rows[0][1], Cell::Text(t) if t == "version 2"));
        assert!(matches!(&rows[1][2], Cell::Text(t) if t == "5"));
    }

    #[test]
    fn a_question_shows_its_answers_and_help_only_when_it_has_them() {
        let s = form_sections(
            "tok",
            view(
                vec![
                    question(&[], "", true),
                    question(&["Yes", "No"], "Be brief", false),
                ],
                vec![],
                None,
            ),
        );
        assert_eq!(s.len(), 4, "intro, two questions, public links");
        assert!(s[0].paragraphs[0].starts_with("Version 3."));
        assert_eq!(s[1].paragraphs, ["Short text, required"]);
        assert_eq!(
            s[2].paragraphs,
            [
                "Short text, optional",
                "Answers: Yes · No",
                "Help: Be brief"
            ]
        );
        assert_eq!(s[2].heading.as_deref(), Some("2. How are you?"));
        assert!(
            matches!(&s[2].actions[3], ActionSpec::Post { action, csrf, .. }
            if action == "/forms/F/fields/1/remove" && csrf == "tok")
        );
    }

    #[test]
    fn only_links_that_still_work_can_be_withdrawn() {
        let s = form_sections("tok", view(vec![], vec![public(true), public(false)], None));
        let links = s.last().unwrap();
        assert_eq!(links.table.as_ref().unwrap().rows.len(), 2);
        assert_eq!(
            labels(links),
            ["Create a public link", "Withdraw the link of today 09:00"]
        );
        assert!(links.link_box.is_none());
        assert_eq!(links.paragraphs.len(), 1);
    }

    #[test]
    fn no_links_no_table_and_a_new_link_is_shown_once() {
        let s = form_sections("tok", view(vec![], vec![], Some("https://x/f/t")));
        let links = s.last().unwrap();
        assert!(links.table.is_none());
        assert_eq!(links.link_box.as_deref(), Some("https://x/f/t"));
        assert_eq!(
            links.paragraphs[1],
            "Copy this link now; it is shown only once:"
        );
    }

    #[test]
    fn the_question_form_keeps_the_draft() {
        let types = vec![("short_text".into(), "Short text".into())];
        let draft = QuestionDraft {
            required: "no".into(),
            label: "Age?".into(),
            ..QuestionDraft::default()
        };
        let fields = question_fields(draft, types);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["label", "kind", "required", "help", "options"]);
        assert_eq!(fields[0].value, "Age?");
        assert_eq!(fields[1].value, "short_text");
        assert_eq!(fields[2].value, "no");
        assert!(!fields[3].required && !fields[4].required);
        assert_eq!(question_heading(true), "Edit a question");
        assert_eq!(question_heading(false), "Add a question");
    }
}
