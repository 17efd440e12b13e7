use leptos::prelude::*;

use crate::layout::Layout;
use crate::views::SignInView;

/// The sign-in page: email and password in a plain form that works without JavaScript.
pub fn render_sign_in(view: SignInView) -> String {
    crate::document(move || {
        let notice = view
            .notice
            .map(|text| view! { <p class="notice" role="status">{text}</p> });
        view! {
            <Layout chrome=view.chrome title="Sign in".to_owned()>
                <h1>"Sign in"</h1>
                {notice}
                <form class="card stack" method="post" action="/signin">
                    <div class="field">
                        <label for="email">"Email address"</label>
                        <input id="email" name="email" type="email" autocomplete="username"
                            required=true inputmode="email"/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password"
                            autocomplete="current-password" required=true/>
                    </div>
                    <button type="submit" class="button primary">"Sign in"</button>
                </form>
                <p class="help">
                    "Forgot your password, or never received an invitation? "
                    "Please contact your practice; they can send you a new link."
                </p>
            </Layout>
        }
    })
}
