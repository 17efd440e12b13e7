//! The appointment pages' wording: the form to add one, the client page's list of upcoming
//! appointments (practice side), and the client's own list on their home. The services
//! decide who sees them; these functions turn the rows into sections and fields.

use crate::views_app::{ActionSpec, Cell, Field, FieldKind, Section, TableSpec};

/// The form page's title, heading and button.
pub const FORM_TITLE: &str = "Appointment";
pub const FORM_HEADING: &str = "Add an appointment";
pub const FORM_SUBMIT: &str = "Save appointment";

/// What the appointment form holds: as posted, or the defaults of a new one.
#[derive(Clone, Debug)]
pub struct AppointmentDraft<'a> {
    pub date: &'a str,
    pub time: &'a str,
    pub minutes: &'a str,
    /// `in_person` or `telehealth`.
    pub setting: &'a str,
    pub note: &'a str,
}

impl AppointmentDraft<'static> {
    /// A new appointment: 50 minutes, in person.
    pub const NEW: Self = AppointmentDraft {
        date: "",
        time: "",
        minutes: "50",
        setting: "in_person",
        note: "",
    };
}

/// The form's fields, filled from the draft.
pub fn form_fields(d: &AppointmentDraft<'_>) -> Vec<Field> {
    vec![
        Field::new("date", "Date", FieldKind::Date).value(d.date),
        Field::new("time", "Time (24-hour, practice time)", FieldKind::Text)
            .value(d.time)
            .help("For example 14:30."),
        Field::new("minutes", "Length in minutes", FieldKind::Text).value(d.minutes),
        Field::new(
            "setting",
            "Where",
            FieldKind::Select(vec![
                ("in_person".into(), "In person".into()),
                ("telehealth".into(), "Telehealth".into()),
            ]),
        )
        .value(d.setting),
        Field::new("note", "Location or video link note", FieldKind::Text)
            .value(d.note)
            .optional(),
    ]
}

/// One upcoming appointment as shown.
#[derive(Clone, Debug)]
pub struct AppointmentRow {
    /// When it starts, in practice time, as shown.
    pub when: String,
    pub minutes: u32,
    pub telehealth: bool,
    /// A location or a video link note.
    pub note: String,
}

/// The client page's appointments section (practice side), with the link to add one.
pub fn chart_section(new_href: &str, rows: Vec<AppointmentRow>) -> Section {
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|a| {
            vec![
                Cell::Text(a.when),
                Cell::Text(format!("{} min", a.minutes)),
                Cell::Text(
                    if a.telehealth {
                        "telehealth"
                    } else {
                        "in person"
                    }
                    .into(),
                ),
                Cell::Text(a.note),
            ]
        })
        .collect();
    Section {
        heading: Some("Appointments".into()),
        paragraphs: if rows.is_empty() {
            vec!["No upcoming appointments.".into()]
        } else {
            vec![]
        },
        table: (!rows.is_empty()).then(|| TableSpec {
            caption: "Upcoming appointments".into(),
            headers: vec![
                "When (practice time)".into(),
                "Length".into(),
                "Where".into(),
                "Note".into(),
            ],
            rows,
        }),
        actions: vec![ActionSpec::Link {
            href: new_href.to_owned(),
            label: "Add an appointment".into(),
            primary: false,
        }],
        ..Section::default()
    }
}

/// The client's own upcoming appointments on their home; nothing when there are none.
pub fn client_section(rows: Vec<AppointmentRow>) -> Option<Section> {
    if rows.is_empty() {
        return None;
    }
    Some(Section {
        heading: Some("Upcoming appointments".into()),
        table: Some(TableSpec {
            caption: "Your upcoming appointments".into(),
            headers: vec![
                "When (practice time)".into(),
                "Length".into(),
                "Where".into(),
                "Details".into(),
            ],
            rows: rows
                .into_iter()
                .map(|a| {
                    vec![
                        Cell::Text(a.when),
                        Cell::Text(format!("{} minutes", a.minutes)),
                        Cell::Text(
                            if a.telehealth {
                                "Telehealth (video)"
                            } else {
                                "In person"
                            }
                            .into(),
                        ),
                        Cell::Text(a.note),
                    ]
                })
                .collect(),
        }),
        ..Section::default()
    })
}
