//! Every route, in one table: what `configure` registers and what the `authz_matrix` test
//! must cover (a route missing from the test's table fails it).

use actix_web::web;

use super::{
    assets, auth_pages, chart_pages, email_pages, file_pages, form_link_pages, form_pages,
    message_pages, onboard_pages, pages, practice_pages, retention_pages, settings_pages,
    team_pages,
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
    "/" => { get => auth_pages::index }
    "/unlock" => { post => pages::unlock }
    "/signin" => { post => auth_pages::sign_in }
    "/signin/code" => { get => auth_pages::code_form, post => auth_pages::code_submit }
    "/signout" => { post => auth_pages::sign_out }
    "/signed-out" => { get => auth_pages::signed_out }
    "/mfa/setup" => { get => auth_pages::enroll_form, post => auth_pages::enroll_submit }
    "/reauth" => { get => auth_pages::reauth_form, post => auth_pages::reauth_submit }
    "/setup/{token}" => { get => onboard_pages::setup_form, post => onboard_pages::setup_submit }
    "/invite/{token}" => { get => onboard_pages::invite_form, post => onboard_pages::invite_submit }
    "/home" => { get => practice_pages::home }
    "/clients" => { get => practice_pages::clients, post => practice_pages::create_client }
    "/clients/new" => { get => practice_pages::new_client }
    "/clients/{id}" => { get => practice_pages::client }
    "/clients/{id}/invite" => { post => practice_pages::invite_client }
    "/clients/{id}/invite/revoke" => { post => practice_pages::revoke_invites }
    "/clients/{id}/require-mfa" => { post => practice_pages::require_mfa }
    "/clients/{id}/accept-intake" => { post => chart_pages::accept_intake }
    "/clients/{id}/appointments" => { post => chart_pages::add_appointment }
    "/clients/{id}/appointments/new" => { get => chart_pages::new_appointment }
    "/clients/{id}/form-links" => { post => chart_pages::create_link }
    "/clients/{id}/form-links/new" => { get => chart_pages::new_link }
    "/clients/{id}/submissions/{sub}" => { get => chart_pages::submission }
    "/clients/{id}/submissions/{sub}/files/{file}" => { get => file_pages::submission_file }
    "/forms" => { get => form_pages::list, post => form_pages::create }
    "/forms/new" => { get => form_pages::new_form }
    "/forms/{form}" => { get => form_pages::show }
    "/forms/{form}/fields" => { post => form_pages::add_field }
    "/forms/{form}/fields/new" => { get => form_pages::new_field }
    "/forms/{form}/fields/{n}" => { get => form_pages::edit_field, post => form_pages::save_field }
    "/forms/{form}/fields/{n}/up" => { post => form_pages::up }
    "/forms/{form}/fields/{n}/down" => { post => form_pages::down }
    "/forms/{form}/fields/{n}/remove" => { post => form_pages::remove }
    "/forms/{form}/public-link" => { post => form_pages::public_link }
    "/form-links/{link}/revoke" => { post => form_pages::revoke }
    "/f/{token}" => { get => form_link_pages::show, post => form_link_pages::submit }
    "/clients/{id}/legal-hold" => { post => retention_pages::toggle_hold }
    "/clients/{id}/email-alerts" => { post => email_pages::toggle_client }
    "/clients/{id}/confirm-email" => { post => email_pages::resend_client }
    "/team" => { get => team_pages::team }
    "/team/invite" => { get => team_pages::team_invite_form, post => team_pages::team_invite }
    "/accounts/{id}/disable" => { post => team_pages::disable_account }
    "/accounts/{id}/reset-mfa" => { post => team_pages::reset_mfa }
    "/accounts/{id}/reset-password" => { post => team_pages::reset_password }
    "/audit" => { get => team_pages::audit }
    "/retention" => { get => retention_pages::review }
    "/retention/clock" => { post => retention_pages::confirm_clock }
    "/messages" => { get => message_pages::inbox, post => message_pages::create_thread }
    "/messages/new" => { get => message_pages::new_thread }
    "/messages/{thread}" => { get => message_pages::thread, post => message_pages::reply }
    "/messages/{thread}/files/{file}" => { get => file_pages::download }
    "/messages/{thread}/note" => { post => message_pages::note }
    "/messages/{thread}/close" => { post => message_pages::close }
    "/settings/email" => { get => email_pages::settings, post => email_pages::toggle_own }
    "/settings/email/confirm" => { post => email_pages::resend_own }
    "/confirm-email/{token}" => { get => email_pages::confirm_form, post => email_pages::confirm }
    "/settings/templates" => { get => settings_pages::templates, post => settings_pages::add_template }
    "/settings/templates/new" => { get => settings_pages::new_template }
    "/settings/templates/{template}/delete" => { post => settings_pages::remove_template }
    "/settings/auto-reply" => { get => settings_pages::auto_reply_form, post => settings_pages::auto_reply_save }
    "/assets/{path:.*}" => { get => assets::serve }
}
