//! Form links' wording: the practice's form to send one to a client and the page with the
//! link; for the person with a link (no account, often on a phone) the form's fields, what
//! is said around them, the thank-you page and the calm page for a link that no longer
//! works (which never says whose it was).

use super::forms::yes_no;
use crate::views::{Chrome, MessageView};
use crate::views_app::{ActionSpec, Field, FieldKind, Section};

/// The send-a-form page's title (also its heading), button and intro.
pub const SEND_TITLE: &str = "Send a form";
pub const SEND_SUBMIT: &str = "Create link";
pub const SEND_INTRO: &str = "You get a link to give the client (by the portal, a text message or in person). It works for 7 days without an account.";

/// Said next to the form choice when none was chosen.
pub const CHOOSE_A_FORM: &str = "Please choose a form.";

/// The send-a-form fields: which form (`forms`: id and name) and whether the link works once.
pub fn send_fields(forms: Vec<(String, String)>, form: &str, single_use: &str) -> Vec<Field> {
    vec![
        Field::new("form", "Form", FieldKind::Select(forms)).value(form),
        yes_no(
            "single_use",
            "The link works",
            "Once",
            "Until it expires (7 days)",
            single_use,
        ),
    ]
}

/// The page with a link just created: title and heading.
pub const CREATED_TITLE: &str = "Form link";
pub const CREATED_HEADING: &str = "Form link created";

/// The created link, for copying, and the way back to the client.
pub fn created_section(url: String, back_href: String) -> Section {
    Section {
        paragraphs: vec![
            "Copy this link and give it to the client; it is shown only now and works for 7 days:"
                .into(),
        ],
        link_box: Some(url),
        actions: vec![ActionSpec::Link {
            href: back_href,
            label: "Back to the client".into(),
            primary: true,
        }],
        ..Section::default()
    }
}

/// The type of answer a question takes, as the fill page draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    ShortText,
    LongText,
    Email,
    Phone,
    Date,
    /// The full name typed as a signature.
    Signature,
    SingleChoice,
    MultipleChoice,
    Checkbox,
    /// A checkbox that must be ticked.
    Consent,
    /// A file; `accept` lists extensions and media types.
    File {
        accept: &'static str,
    },
}

/// One question of the form being filled, with what was typed for it.
#[derive(Clone, Debug)]
pub struct Question<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub answer: Answer,
    pub required: bool,
    pub help: &'a str,
    pub options: &'a [String],
    /// What was posted under the question's key (several for multiple choice).
    pub given: Vec<String>,
    /// Why the answer was refused.
    pub error: Option<String>,
}

/// The field of one question, keeping what was typed and its error.
pub fn fill_field(q: Question<'_>) -> Field {
    let first = q.given.first().cloned().unwrap_or_default();
    let kind = match q.answer {
        Answer::ShortText | Answer::Signature => FieldKind::Text,
        Answer::LongText => FieldKind::LongText,
        Answer::Email => FieldKind::Email,
        Answer::Phone => FieldKind::Tel,
        Answer::Date => FieldKind::Date,
        Answer::SingleChoice | Answer::MultipleChoice => FieldKind::Choice {
            options: q.options.to_vec(),
            multiple: q.answer == Answer::MultipleChoice,
            selected: q.given,
        },
        Answer::Checkbox | Answer::Consent => FieldKind::Check {
            checked: first == "yes",
        },
        Answer::File { accept } => FieldKind::File { accept },
    };
    let mut field = Field::new(q.key, q.label, kind).value(&first);
    field.required = q.required || q.answer == Answer::Consent;
    if !q.help.is_empty() {
        field = field.help(q.help);
    }
    if q.answer == Answer::Signature {
        field = field.autocomplete("name");
    }
    field.error = q.error;
    field
}

/// The fill page's button.
pub const FILL_SUBMIT: &str = "Send securely";

/// Why the fill page is shown again.
#[derive(Clone, Debug)]
pub enum Refill {
    /// Some answers were refused (each says why next to it).
    Answers,
    /// The server's disk is full; `heading` says so.
    DiskFull { heading: String },
}

/// What the fill page says around the questions.
#[derive(Clone, Debug)]
pub struct FillText {
    pub intro: Vec<String>,
    /// Shown above the form.
    pub error: Option<String>,
}

/// The form's own intro, the email-risk notice (forms that ask for consent), and what is
/// wrong when the page comes back.
pub fn fill_text(intro: String, risk_notice: Option<String>, refill: Option<Refill>) -> FillText {
    let mut lines = vec![intro];
    lines.extend(risk_notice);
    lines.push(
        "No account is needed. What you send is encrypted and seen only by the practice.".into(),
    );
    FillText {
        intro: lines,
        error: refill.map(|r| match r {
            Refill::DiskFull { heading } => {
                format!("{heading}. Please try again in a few minutes.")
            }
            Refill::Answers => "Some answers need another look; see the notes next to them. Everything you typed is still here.".into(),
        }),
    }
}

/// Why a form link no longer works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkGone {
    Used,
    Expired,
    Revoked,
    Unknown,
}

fn message(chrome: Chrome, title: &str, heading: &str, paragraphs: Vec<String>) -> MessageView {
    MessageView {
        chrome,
        title: title.into(),
        heading: heading.into(),
        paragraphs,
        reference: None,
        back_href: "/".into(),
    }
}

/// The page for a link that no longer works: why, and what to do.
pub fn gone_message(chrome: Chrome, why: LinkGone) -> MessageView {
    let (heading, why) = match why {
        LinkGone::Used => (
            "This form was already sent",
            "This link works once, and it has been used.",
        ),
        LinkGone::Expired => (
            "This link has expired",
            "Form links work for a limited time.",
        ),
        LinkGone::Revoked => (
            "This link was withdrawn",
            "The practice has withdrawn this link.",
        ),
        LinkGone::Unknown => (
            "This link does not work",
            "It may be mistyped or incomplete.",
        ),
    };
    message(chrome, "Form link", heading, vec![
        why.into(),
        "Please contact the practice and ask for a new link. Nothing you may have typed was kept.".into(),
    ])
}

/// The page after a form was sent.
pub fn received_message(chrome: Chrome) -> MessageView {
    message(chrome, "Form received", "Thank you — your form was received", vec![
        "It was sent securely and stored encrypted. The practice will see it in your record. You can close this page.".into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrome() -> Chrome {
        Chrome {
            practice_name: "Practice".into(),
            stylesheet_href: "/s.css".into(),
            icon_href: "/i.svg".into(),
        }
    }

    fn question(answer: Answer, given: &[&str], error: Option<&str>) -> Question<'static> {
        Question {
            key: "q1",
            label: "Question",
            answer,
            required: false,
            help: "",
            options: &[],
            given: given.iter().map(|g| (*g).into()).collect(),
            error: error.map(Into::into),
        }
    }

    #[test]
    fn a_refused_answer_shows_by_its_field_with_what_was_typed() {
        let f = fill_field(question(Answer::Email, &["a@b"], Some("Not an address")));
        assert_eq!(f.error.as_deref(), Some("Not an address"));
        assert_eq!(f.value, "a@b");
        assert!(matches!(f.kind, FieldKind::Email));
        assert!(fill_field(question(Answer::Email, &[], None))
            .error
            .is_none());
    }

    #[test]
    fn consent_is_always_required_and_a_ticked_box_stays_ticked() {
        let consent = fill_field(question(Answer::Consent, &["yes"], None));
        assert!(consent.required);
        assert!(matches!(consent.kind, FieldKind::Check { checked: true }));
        let check = fill_field(question(Answer::Checkbox, &[], None));
        assert!(!check.required);
        assert!(matches!(check.kind, FieldKind::Check { checked: false }));
    }

    #[test]
    fn a_signature_autofills_the_name_and_choices_keep_every_answer() {
        let sig = fill_field(question(Answer::Signature, &[], None));
        assert_eq!(sig.autocomplete, Some("name"));
        let many = fill_field(question(Answer::MultipleChoice, &["a", "b"], None));
        assert!(
            matches!(&many.kind, FieldKind::Choice { multiple: true, selected, .. } if selected.len() == 2)
        );
    }

    #[test]
    fn the_risk_notice_and_the_error_appear_only_when_given() {
        let plain = fill_text("Hello".into(), None, None);
        assert_eq!(plain.intro.len(), 2);
        assert!(plain.error.is_none());
        let consent = fill_text(
            "Hello".into(),
            Some("Email is not secure".into()),
            Some(Refill::DiskFull {
                heading: "The disk is full".into(),
            }),
        );
        assert_eq!(consent.intro[1], "Email is not secure");
        assert!(consent.intro[2].starts_with("No account is needed."));
        assert_eq!(
            consent.error.as_deref(),
            Some("The disk is full. Please try again in a few minutes.")
        );
        let refused = fill_text(String::new(), None, Some(Refill::Answers));
        assert!(refused
            .error
            .unwrap()
            .starts_with("Some answers need another look"));
    }

    #[test]
    fn each_gone_link_says_why_and_never_keeps_what_was_typed() {
        let all = [
            LinkGone::Used,
            LinkGone::Expired,
            LinkGone::Revoked,
            LinkGone::Unknown,
        ];
        let headings: Vec<String> = all
            .iter()
            .map(|w| gone_message(chrome(), *w).heading)
            .collect();
        let mut distinct = headings.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 4);
        for w in all {
            let m = gone_message(chrome(), w);
            assert_eq!(m.title, "Form link");
            assert!(m.paragraphs[1].ends_with("Nothing you may have typed was kept."));
        }
    }

    #[test]
    fn the_send_form_offers_once_or_until_expiry() {
        let fields = send_fields(vec![("f1".into(), "Intake".into())], "f1", "no");
        assert_eq!(fields[0].value, "f1");
        assert!(
            matches!(&fields[1].kind, FieldKind::Select(o) if o[1].1 == "Until it expires (7 days)")
        );
        assert_eq!(fields[1].value, "no");
    }
}
