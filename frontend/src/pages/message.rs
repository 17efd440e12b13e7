use leptos::prelude::*;

use crate::layout::Layout;
use crate::views::MessageView;

/// A calm page with a heading and a few sentences: not found, locked, something went wrong.
pub fn render_message(view: MessageView) -> String {
    crate::document(move || {
        let paragraphs = view
            .paragraphs
            .into_iter()
            .map(|p| view! { <p>{p}</p> })
            .collect_view();
        let reference = view
            .reference
            .map(|r| view! { <p class="reference">"Reference: " <code>{r}</code></p> });
        view! {
            <Layout chrome=view.chrome title=view.title>
                <h1>{view.heading}</h1>
                {paragraphs}
                <p><a class="button" href=view.back_href>"Go to the home page"</a></p>
                {reference}
            </Layout>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::Chrome;

    fn chrome() -> Chrome {
        Chrome {
            practice_name: "<Riverside & Co>".into(),
            stylesheet_href: "/assets/alcove.css?v=1".into(),
            icon_href: "/assets/icon.svg?v=1".into(),
        }
    }

    #[test]
    fn text_is_escaped_and_document_is_complete() {
        let html = render_message(MessageView {
            chrome: chrome(),
            title: "Not found".into(),
            heading: "<script>alert(1)</script>".into(),
            paragraphs: vec!["One.".into(), "Two.".into()],
            reference: Some("abc123".into()),
            back_href: "/".into(),
        });
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"en\""));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;Riverside &amp; Co&gt;"));
        assert!(html.contains("abc123"));
    }
}
