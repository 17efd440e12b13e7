//! The generic form page and panel page, and the navigation bar.

use leptos::prelude::*;

use crate::layout::Layout;
use crate::views_app::{ActionSpec, Cell, Field, FieldKind, FormPage, Nav, PanelPage, Section};

pub(super) fn nav_bar(nav: Option<Nav>) -> impl IntoView {
    nav.map(|nav| {
        let links = nav
            .links
            .into_iter()
            .map(|l| {
                let current = l.current.then_some("page");
                view! { <li><a href=l.href aria-current=current>{l.label}</a></li> }
            })
            .collect_view();
        view! {
            <nav class="app-nav" aria-label="Main">
                <ul>{links}</ul>
                <form method="post" action="/signout" class="signout">
                    <input type="hidden" name="csrf" value=nav.csrf/>
                    <span class="who">{nav.who}</span>
                    " "
                    <button type="submit" class="button small">"Sign out"</button>
                </form>
            </nav>
        }
    })
}

/// A group of radio buttons or checkboxes, labelled by a legend.
fn choice_view(
    field: Field,
    options: Vec<String>,
    multiple: bool,
    selected: Vec<String>,
) -> AnyView {
    let id = format!("f-{}", field.name);
    let error_id = format!("{id}-error");
    let help = field
        .help
        .clone()
        .map(|h| view! { <p class="field-help">{h}</p> });
    let error = field
        .error
        .clone()
        .map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> });
    let described = field.error.as_ref().map(|_| error_id.clone());
    let ty = if multiple { "checkbox" } else { "radio" };
    let required = field.required && !multiple;
    let items = options
        .into_iter()
        .enumerate()
        .map(|(i, option)| {
            let oid = format!("{id}-{i}");
            let checked = selected.contains(&option);
            view! {
                <div class="choice">
                    <input type=ty id=oid.clone() name=field.name.clone() value=option.clone()
                        checked=checked required=required aria-describedby=described.clone()/>
                    <label for=oid>{option}</label>
                </div>
            }
        })
        .collect_view();
    let optional = (!field.required).then(|| view! { <span class="optional">" (optional)"</span> });
    view! {
        <fieldset class="field">
            <legend>{field.label}{optional}</legend>
            {help}
            {items}
            {error}
        </fieldset>
    }
    .into_any()
}

/// One checkbox with its label after it.
fn check_view(field: Field, checked: bool) -> AnyView {
    let id = format!("f-{}", field.name);
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let help = field
        .help
        .clone()
        .map(|h| view! { <p class="field-help" id=help_id.clone()>{h}</p> });
    let error = field
        .error
        .clone()
        .map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> });
    let described = match (&field.help, &field.error) {
        (_, Some(_)) => Some(error_id.clone()),
        (Some(_), None) => Some(help_id.clone()),
        _ => None,
    };
    let invalid = field.error.as_ref().map(|_| "true");
    view! {
        <div class="field choice">
            <input type="checkbox" id=id.clone() name=field.name value="yes" checked=checked
                required=field.required aria-describedby=described aria-invalid=invalid/>
            <label for=id>{field.label}</label>
            {help}
            {error}
        </div>
    }
    .into_any()
}

pub(super) fn field_view(field: Field) -> impl IntoView {
    match field.kind.clone() {
        FieldKind::Choice {
            options,
            multiple,
            selected,
        } => return choice_view(field, options, multiple, selected),
        FieldKind::Check { checked } => return check_view(field, checked),
        _ => {}
    }
    let id = format!("f-{}", field.name);
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let described = match (&field.help, &field.error) {
        (Some(_), Some(_)) => Some(format!("{help_id} {error_id}")),
        (Some(_), None) => Some(help_id.clone()),
        (None, Some(_)) => Some(error_id.clone()),
        (None, None) => None,
    };
    let invalid = field.error.as_ref().map(|_| "true");
    let help = field
        .help
        .clone()
        .map(|h| view! { <p class="field-help" id=help_id.clone()>{h}</p> });
    let error = field
        .error
        .clone()
        .map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> });
    let required = field.required;
    let name = field.name.clone();
    let value = field.value.clone();
    let auto = field.autocomplete;
    let input = match field.kind {
        FieldKind::LongText => view! {
            <textarea id=id.clone() name=name rows="4" required=required
                aria-describedby=described aria-invalid=invalid>{value}</textarea>
        }
        .into_any(),
        FieldKind::Select(options) => {
            let opts = options
                .into_iter()
                .map(|(v, label)| {
                    let selected = v == value;
                    view! { <option value=v selected=selected>{label}</option> }
                })
                .collect_view();
            view! {
                <select id=id.clone() name=name required=required
                    aria-describedby=described aria-invalid=invalid>{opts}</select>
            }
            .into_any()
        }
        FieldKind::File { accept } => view! {
            <input id=id.clone() name=name type="file" accept=accept required=required
                aria-describedby=described aria-invalid=invalid/>
        }
        .into_any(),
        kind => {
            let (ty, mode, auto) = match kind {
                FieldKind::Email => ("email", Some("email"), auto.or(Some("email"))),
                FieldKind::Password { autocomplete } => ("password", None, Some(autocomplete)),
                FieldKind::Tel => ("tel", Some("tel"), auto.or(Some("tel"))),
                FieldKind::Date => ("date", None, auto),
                FieldKind::Code => ("text", Some("numeric"), Some("one-time-code")),
                _ => ("text", None, auto),
            };
            let value = (ty != "password").then_some(value);
            view! {
                <input id=id.clone() name=name type=ty inputmode=mode autocomplete=auto
                    value=value required=required aria-describedby=described aria-invalid=invalid/>
            }
            .into_any()
        }
    };
    let optional = (!required).then(|| view! { <span class="optional">" (optional)"</span> });
    view! {
        <div class="field">
            <label for=id>{field.label}{optional}</label>
            {help}
            {input}
            {error}
        </div>
    }
    .into_any()
}

/// A page with one form.
pub fn render_form(page: FormPage) -> String {
    crate::document(move || {
        let intro = page
            .intro
            .into_iter()
            .map(|p| view! { <p>{p}</p> })
            .collect_view();
        let notice = page
            .notice
            .map(|n| view! { <p class="notice" role="status">{n}</p> });
        let error = page
            .error
            .map(|e| view! { <p class="error" role="alert">{e}</p> });
        let svg = page.svg.map(|svg| view! { <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=svg></div> });
        let secret = page.secret.map(|s| {
            view! {
                <p>"Or type this key into the app:"</p>
                <p class="link-box"><code>{s}</code></p>
            }
        });
        let enctype =
            crate::views_app::sends_file(&page.form.fields).then_some("multipart/form-data");
        let fields = page.form.fields.into_iter().map(field_view).collect_view();
        let after = page
            .after
            .into_iter()
            .map(|l| view! { <p><a href=l.href>{l.label}</a></p> })
            .collect_view();
        view! {
            <Layout chrome=page.chrome title=page.title>
                {nav_bar(page.nav)}
                <h1>{page.heading}</h1>
                {notice}
                {intro}
                {svg}
                {secret}
                {error}
                <form class="card stack" method="post" action=page.form.action enctype=enctype novalidate=true>
                    <input type="hidden" name="csrf" value=page.form.csrf/>
                    {fields}
                    <button type="submit" class="button primary">{page.form.submit}</button>
                </form>
                {after}
            </Layout>
        }
    })
}

pub(super) fn action_view(action: ActionSpec) -> impl IntoView {
    match action {
        ActionSpec::Link {
            href,
            label,
            primary,
        } => {
            let class = if primary { "button primary" } else { "button" };
            view! { <a class=class href=href>{label}</a> }.into_any()
        }
        ActionSpec::Post {
            action,
            csrf,
            label,
            primary,
        } => {
            let class = if primary { "button primary" } else { "button" };
            view! {
                <form method="post" action=action class="inline">
                    <input type="hidden" name="csrf" value=csrf/>
                    <button type="submit" class=class>{label}</button>
                </form>
            }
            .into_any()
        }
    }
}

fn section_view(section: Section) -> impl IntoView {
    let heading = section.heading.map(|h| view! { <h2>{h}</h2> });
    let paragraphs = section
        .paragraphs
        .into_iter()
        .map(|p| view! { <p>{p}</p> })
        .collect_view();
    let facts = (!section.facts.is_empty()).then(|| {
        let rows = section
            .facts
            .into_iter()
            .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
            .collect_view();
        view! { <dl class="facts">{rows}</dl> }
    });
    let table = section.table.map(|t| {
        let headers = t
            .headers
            .into_iter()
            .map(|h| view! { <th scope="col">{h}</th> })
            .collect_view();
        let rows = t
            .rows
            .into_iter()
            .map(|row| {
                let cells = row
                    .into_iter()
                    .map(|c| match c {
                        Cell::Text(text) => view! { <td>{text}</td> }.into_any(),
                        Cell::Link { href, label } => {
                            view! { <td><a href=href>{label}</a></td> }.into_any()
                        }
                    })
                    .collect_view();
                view! { <tr>{cells}</tr> }
            })
            .collect_view();
        // Wide tables scroll sideways on phones; keyboard users can focus and scroll them.
        let label = t.caption.clone();
        view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label=label>
                <table>
                    <caption>{t.caption}</caption>
                    <thead><tr>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let codes = (!section.codes.is_empty()).then(|| {
        let items = section
            .codes
            .into_iter()
            .map(|c| view! { <li><code>{c}</code></li> })
            .collect_view();
        view! { <ol class="codes">{items}</ol> }
    });
    let link_box = section
        .link_box
        .map(|l| view! { <p class="link-box"><code>{l}</code></p> });
    let actions = (!section.actions.is_empty()).then(|| {
        let items = section.actions.into_iter().map(action_view).collect_view();
        view! { <div class="actions">{items}</div> }
    });
    view! {
        <section class="card">
            {heading}
            {paragraphs}
            {facts}
            {table}
            {codes}
            {link_box}
            {actions}
        </section>
    }
}

/// A page of sections.
pub fn render_panel(page: PanelPage) -> String {
    crate::document(move || {
        let notice = page
            .notice
            .map(|n| view! { <p class="notice" role="status">{n}</p> });
        let sections = page.sections.into_iter().map(section_view).collect_view();
        view! {
            <Layout chrome=page.chrome title=page.title>
                {nav_bar(page.nav)}
                <h1>{page.heading}</h1>
                {notice}
                {sections}
            </Layout>
        }
    })
}
