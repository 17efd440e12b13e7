//! The frame around every page: header with the practice's name, main column, footer.

use leptos::prelude::*;

use crate::views::Chrome;

#[component]
pub fn Layout(chrome: Chrome, title: String, children: Children) -> impl IntoView {
    let page_title = format!("{} · {}", title, chrome.practice_name);
    view! {
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="robots" content="noindex, nofollow"/>
                <title>{page_title}</title>
                <link rel="stylesheet" href=chrome.stylesheet_href/>
                <link rel="icon" type="image/svg+xml" href=chrome.icon_href/>
            </head>
            <body>
                <a class="skip-link" href="#main">"Skip to main content"</a>
                <header class="site-header">
                    <p class="practice-name">{chrome.practice_name}</p>
                    <p class="tagline">"Secure client portal"</p>
                </header>
                <main id="main" class="page">{children()}</main>
                <footer class="site-footer">
                    <p>"Your connection to this portal is encrypted. Messages are stored encrypted."</p>
                </footer>
            </body>
        </html>
    }
}
