use leptos::prelude::*;

use crate::layout::Layout;
use crate::views::{UnlockView, UnlockedView};

/// The only page a sealed server shows: the owner types the passphrase to unlock.
pub fn render_unlock(view: UnlockView) -> String {
    crate::document(move || {
        let error = view.error.map(|text| {
            view! { <p class="error" role="alert" id="passphrase-error">{text}</p> }
        });
        view! {
            <Layout chrome=view.chrome title="Unlock".to_owned()>
                <h1>"This portal is locked"</h1>
                <p>
                    "The practice's data is encrypted and stays locked until the owner types the "
                    "passphrase chosen at setup. Clients cannot sign in until then."
                </p>
                {error}
                <form class="card stack" method="post" action="/unlock">
                    <div class="field">
                        <label for="passphrase">"Passphrase"</label>
                        <input id="passphrase" name="passphrase" type="password"
                            autocomplete="current-password" required=true/>
                    </div>
                    <button type="submit" class="button primary">"Unlock"</button>
                </form>
            </Layout>
        }
    })
}

/// Shown once after a successful unlock.
pub fn render_unlocked(view: UnlockedView) -> String {
    crate::document(move || {
        let next = match view.setup_link {
            Some(link) => view! {
                <p>"No owner account exists yet. Open this one-time link to create it; it works for 24 hours:"</p>
                <p class="link-box"><a href=link.clone()>{link.clone()}</a></p>
            }
            .into_any(),
            None => view! {
                <p><a class="button primary" href="/">"Go to sign in"</a></p>
            }
            .into_any(),
        };
        view! {
            <Layout chrome=view.chrome title="Unlocked".to_owned()>
                <h1>"The portal is unlocked"</h1>
                <p>"Clients and staff can sign in again."</p>
                {next}
            </Layout>
        }
    })
}
