//! A conversation: messages oldest first, a "seen" receipt, the reply form, and for the
//! practice the internal-note form.

use leptos::prelude::*;

use super::app::{action_view, field_view, nav_bar};
use crate::layout::Layout;
use crate::views_app::{FormSpec, ThreadPage};

fn form_view(form: FormSpec, heading: &'static str) -> impl IntoView {
    let enctype = crate::views_app::sends_file(&form.fields).then_some("multipart/form-data");
    let fields = form.fields.into_iter().map(field_view).collect_view();
    view! {
        <section class="card">
            <h2>{heading}</h2>
            <form class="stack" method="post" action=form.action enctype=enctype>
                <input type="hidden" name="csrf" value=form.csrf/>
                {fields}
                <button type="submit" class="button primary">{form.submit}</button>
            </form>
        </section>
    }
}

pub fn render_thread(page: ThreadPage) -> String {
    crate::document(move || {
        let notice = page
            .notice
            .map(|n| view! { <p class="notice" role="status">{n}</p> });
        let earlier = page
            .earlier
            .map(|l| view! { <p><a href=l.href>{l.label}</a></p> });
        let messages = page
            .messages
            .into_iter()
            .map(|m| {
                let class = match (m.note, m.mine) {
                    (true, _) => "message note",
                    (false, true) => "message mine",
                    (false, false) => "message theirs",
                };
                let files = (!m.files.is_empty()).then(|| {
                    let items = m
                        .files
                        .into_iter()
                        .map(|f| view! { <li><a href=f.href download="">{f.label}</a></li> })
                        .collect_view();
                    view! { <ul class="files" aria-label="Attached files">{items}</ul> }
                });
                let label = m.note.then(|| view! { <p class="note-label">"Internal note — never shown to the client"</p> });
                view! {
                    <li class=class>
                        {label}
                        <p class="message-meta"><strong>{m.author}</strong>" · "{m.when}</p>
                        <p class="message-body">{m.body}</p>
                        {files}
                    </li>
                }
            })
            .collect_view();
        let receipt = page.receipt.map(|r| view! { <p class="receipt">{r}</p> });
        let reply = page.reply.map(|f| form_view(f, "Reply"));
        let note = page.note.map(|f| form_view(f, "Internal note"));
        let actions = (!page.actions.is_empty()).then(|| {
            let items = page.actions.into_iter().map(action_view).collect_view();
            view! { <div class="actions">{items}</div> }
        });
        view! {
            <Layout chrome=page.chrome title=page.subject.clone()>
                {nav_bar(page.nav)}
                <h1>{page.subject}</h1>
                <p class="help">{page.meta}</p>
                {notice}
                {earlier}
                <ol class="messages">{messages}</ol>
                {receipt}
                {reply}
                {note}
                {actions}
            </Layout>
        }
    })
}
