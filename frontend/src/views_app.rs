//! View structs for the signed-in and sign-in pages: a generic form page and a generic
//! panel page cover them all, so every page looks and behaves the same.

use crate::views::Chrome;

/// The navigation bar of a signed-in person. The services decide which links appear.
#[derive(Clone, Debug)]
pub struct Nav {
    pub links: Vec<NavLink>,
    /// The form token for the sign-out button.
    pub csrf: String,
    /// Who is signed in, as shown ("Signed in as Ann").
    pub who: String,
}

#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

#[derive(Clone, Debug)]
pub enum FieldKind {
    Text,
    Email,
    Password {
        autocomplete: &'static str,
    },
    Tel,
    Date,
    LongText,
    /// A one-time code: numeric keyboard, autofill from authenticator apps.
    Code,
    Select(Vec<(String, String)>),
    /// Radio buttons (one answer) or checkboxes (several), in a fieldset.
    Choice {
        options: Vec<String>,
        multiple: bool,
        selected: Vec<String>,
    },
    /// One checkbox (value `yes`); the label follows it.
    Check {
        checked: bool,
    },
    /// A file chooser; `accept` lists extensions and media types. Makes its form multipart.
    File {
        accept: &'static str,
    },
}

/// Does a form with these fields send a file (and so need `multipart/form-data`)?
pub fn sends_file(fields: &[Field]) -> bool {
    fields
        .iter()
        .any(|f| matches!(f.kind, FieldKind::File { .. }))
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    /// What the person typed (kept on error); never filled for passwords.
    pub value: String,
    pub help: Option<String>,
    pub error: Option<String>,
    pub required: bool,
    pub autocomplete: Option<&'static str>,
}

impl Field {
    pub fn new(name: &str, label: &str, kind: FieldKind) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            value: String::new(),
            help: None,
            error: None,
            required: true,
            autocomplete: None,
        }
    }

    pub fn value(mut self, value: &str) -> Self {
        self.value = value.to_owned();
        self
    }

    pub fn help(mut self, help: &str) -> Self {
        self.help = Some(help.to_owned());
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn autocomplete(mut self, value: &'static str) -> Self {
        self.autocomplete = Some(value);
        self
    }
}

#[derive(Clone, Debug)]
pub struct FormSpec {
    pub action: String,
    pub csrf: String,
    pub fields: Vec<Field>,
    pub submit: String,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub href: String,
    pub label: String,
}

/// A page whose main part is one form.
#[derive(Clone, Debug)]
pub struct FormPage {
    pub chrome: Chrome,
    pub nav: Option<Nav>,
    pub title: String,
    pub heading: String,
    pub intro: Vec<String>,
    /// A problem with the whole form, shown above it.
    pub error: Option<String>,
    /// A calm note shown above it ("You were signed out …").
    pub notice: Option<String>,
    /// An SVG drawn by the server (the QR code of the second-step setup).
    pub svg: Option<String>,
    /// Text shown in a box for copying (the second-step secret).
    pub secret: Option<String>,
    pub form: FormSpec,
    pub after: Vec<Link>,
}

#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Link { href: String, label: String },
}

#[derive(Clone, Debug)]
pub struct TableSpec {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Debug)]
pub enum ActionSpec {
    Link {
        href: String,
        label: String,
        primary: bool,
    },
    /// A button that POSTs a form with only the form token.
    Post {
        action: String,
        csrf: String,
        label: String,
        primary: bool,
    },
}

impl ActionSpec {
    /// A link styled as a button.
    pub fn link(href: &str, label: &str, primary: bool) -> Self {
        ActionSpec::Link {
            href: href.to_owned(),
            label: label.to_owned(),
            primary,
        }
    }

    /// A button posting only the form token to `action`.
    pub fn post(action: &str, csrf: &str, label: &str, primary: bool) -> Self {
        ActionSpec::Post {
            action: action.to_owned(),
            csrf: csrf.to_owned(),
            label: label.to_owned(),
            primary,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Section {
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
    /// Label and value pairs (a client's details).
    pub facts: Vec<(String, String)>,
    pub table: Option<TableSpec>,
    /// Codes shown once (recovery codes).
    pub codes: Vec<String>,
    /// A link shown in full for copying (an invitation link).
    pub link_box: Option<String>,
    pub actions: Vec<ActionSpec>,
}

/// A page of sections: homes, lists, a client's record.
#[derive(Clone, Debug)]
pub struct PanelPage {
    pub chrome: Chrome,
    pub nav: Option<Nav>,
    pub title: String,
    pub heading: String,
    pub notice: Option<String>,
    pub sections: Vec<Section>,
}

/// One message as shown in a thread.
#[derive(Clone, Debug)]
pub struct MessageItem {
    pub author: String,
    pub when: String,
    pub body: String,
    /// An internal note (practice only).
    pub note: bool,
    /// Written by the reader's side (shown aligned to the other side).
    pub mine: bool,
    /// Files sent with the message: download link and "name (size)".
    pub files: Vec<Link>,
}

/// A conversation page.
#[derive(Clone, Debug)]
pub struct ThreadPage {
    pub chrome: Chrome,
    pub nav: Option<Nav>,
    pub subject: String,
    /// "With Jordan Ellis · Open".
    pub meta: String,
    pub notice: Option<String>,
    pub earlier: Option<Link>,
    pub messages: Vec<MessageItem>,
    /// "Seen 14:02" under the reader's side's latest message.
    pub receipt: Option<String>,
    pub reply: Option<FormSpec>,
    pub note: Option<FormSpec>,
    pub actions: Vec<ActionSpec>,
}
