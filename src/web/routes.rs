//! Every route, in one table: what `configure` registers and what the `authz_matrix` test
//! must cover (a route missing from the test's table fails it).

use actix_web::web;

use super::{
    appointments, assets, auth, chart, clients, email, files, form_links, forms, home, messages,
    onboard, pages, retention, settings, team,
};

macro_rules! routes {
    ($( $path:literal => { $($method:ident => $handler:path),+ $(,)? } )*) => {
        /// (method, path pattern) of every route.
        pub const ROUTES: &[(&str, &str)] = &[ $( $( (stringify!($method), $path), )+ )* ];

        pub fn register(cfg: &mut web::ServiceConfig) {
            $( cfg.service(web::resource($path) $( .route(web::$method().to($handler)) )+ ); )*
        }
    };
}

routes! {
    "/healthz" => { get => pages::healthz }
    "/" => { get => auth::index }
    "/unlock" => { post => pages::unlock }
    "/signin" => { post => auth::sign_in }
    "/signin/code" => { get => auth::code_form, post => auth::code_submit }
    "/signout" => { post => auth::sign_out }
    "/signed-out" => { get => auth::signed_out }
    "/mfa/setup" => { get => auth::enroll_form, post => auth::enroll_submit }
    "/reauth" => { get => auth::reauth_form, post => auth::reauth_submit }
    "/setup/{token}" => { get => onboard::setup_form, post => onboard::setup_submit }
    "/invite/{token}" => { get => onboard::invite_form, post => onboard::invite_submit }
    "/home" => { get => home::home }
    "/clients" => { get => clients::clients, post => clients::create_client }
    "/clients/new" => { get => clients::new_client }
    "/clients/{id}" => { get => clients::client }
    "/clients/{id}/invite" => { post => clients::invite_client }
    "/clients/{id}/invite/revoke" => { post => clients::revoke_invites }
    "/clients/{id}/require-mfa" => { post => clients::require_mfa }
    "/clients/{id}/accept-intake" => { post => chart::accept_intake }
    "/clients/{id}/appointments" => { post => appointments::add_appointment }
    "/clients/{id}/appointments/new" => { get => appointments::new_appointment }
    "/clients/{id}/form-links" => { post => form_links::create_link }
    "/clients/{id}/form-links/new" => { get => form_links::new_link }
    "/clients/{id}/submissions/{sub}" => { get => chart::submission }
    "/clients/{id}/submissions/{sub}/files/{file}" => { get => files::submission_file }
    "/forms" => { get => forms::list, post => forms::create }
    "/forms/new" => { get => forms::new_form }
    "/forms/{form}" => { get => forms::show }
    "/forms/{form}/fields" => { post => forms::add_field }
    "/forms/{form}/fields/new" => { get => forms::new_field }
    "/forms/{form}/fields/{n}" => { get => forms::edit_field, post => forms::save_field }
    "/forms/{form}/fields/{n}/up" => { post => forms::up }
    "/forms/{form}/fields/{n}/down" => { post => forms::down }
    "/forms/{form}/fields/{n}/remove" => { post => forms::remove }
    "/forms/{form}/public-link" => { post => forms::public_link }
    "/form-links/{link}/revoke" => { post => forms::revoke }
    "/f/{token}" => { get => form_links::show, post => form_links::submit }
    "/clients/{id}/legal-hold" => { post => retention::toggle_hold }
    "/clients/{id}/email-alerts" => { post => email::toggle_client }
    "/clients/{id}/confirm-email" => { post => email::resend_client }
    "/team" => { get => team::team }
    "/team/invite" => { get => team::team_invite_form, post => team::team_invite }
    "/accounts/{id}/disable" => { post => team::disable_account }
    "/accounts/{id}/reset-mfa" => { post => team::reset_mfa }
    "/accounts/{id}/reset-password" => { post => team::reset_password }
    "/audit" => { get => team::audit }
    "/retention" => { get => retention::review }
    "/retention/clock" => { post => retention::confirm_clock }
    "/messages" => { get => messages::inbox, post => messages::create_thread }
    "/messages/new" => { get => messages::new_thread }
    "/messages/{thread}" => { get => messages::thread, post => messages::reply }
    "/messages/{thread}/files/{file}" => { get => files::download }
    "/messages/{thread}/note" => { post => messages::note }
    "/messages/{thread}/close" => { post => messages::close }
    "/settings/email" => { get => email::settings, post => email::toggle_own }
    "/settings/email/confirm" => { post => email::resend_own }
    "/confirm-email/{token}" => { get => email::confirm_form, post => email::confirm }
    "/settings/templates" => { get => settings::templates, post => settings::add_template }
    "/settings/templates/new" => { get => settings::new_template }
    "/settings/templates/{template}/delete" => { post => settings::remove_template }
    "/settings/auto-reply" => { get => settings::auto_reply_form, post => settings::auto_reply_save }
    "/assets/{path:.*}" => { get => assets::serve }
}
