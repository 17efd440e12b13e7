use leptos::prelude::*;

use crate::layout::Layout;
use crate::views::{SetupLinkState, SetupLinkView};

/// The owner setup link's landing page.
pub fn render_setup_link(view: SetupLinkView) -> String {
    crate::document(move || {
        let body = match view.state {
            SetupLinkState::Valid { expires } => view! {
                <h1>"Set up your practice"</h1>
                <p>"This setup link is valid until " {expires} "."</p>
                <p>
                    "Creating the owner account (name, email, password and a second sign-in step) "
                    "is not part of this version of Alcove yet. Keep this window's link: it stays "
                    "valid until the time above, and every restart of the server prints a new one "
                    "until the owner account exists."
                </p>
            }
            .into_any(),
            SetupLinkState::NotValid => view! {
                <h1>"This setup link no longer works"</h1>
                <p>
                    "Setup links work for 24 hours, and only the newest one works. "
                    "Restart Alcove on your server to print a fresh link."
                </p>
            }
            .into_any(),
        };
        view! {
            <Layout chrome=view.chrome title="Set up".to_owned()>
                {body}
            </Layout>
        }
    })
}
