//! The owner's pages: the team (invite, switch off, reset sign-in codes) and the audit log.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use alcove_frontend::{ActionSpec, Cell, Field, FieldKind, Section, TableSpec};

use super::error::AppError;
use super::kit::{link, panel, see_other, signed_in_form, status_word, FormText};
use super::session::{csrf_form, Checked, Ctx, SignedIn, TokenOnly};
use crate::domain::ServiceError;
use crate::ids::AccountId;
use crate::policy::Role;

csrf_form!(TeamInviteForm {
    name: String,
    email: String,
    role: String
});

/// `GET /team`: every account, with switch-off and code-reset buttons (owner).
pub async fn team(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, csrf, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let accounts = services.team_members(&s.actor())?;
    let mut sections = vec![Section {
        heading: Some("Invite a clinician or staff member".into()),
        actions: vec![link("/team/invite", "Invite someone", true)],
        ..Section::default()
    }];
    for a in accounts {
        let mut facts = vec![
            ("Email".into(), a.email.clone()),
            ("Role".into(), a.role.name().into()),
            ("Status".into(), status_word(a.status).into()),
            (
                "Sign-in codes".into(),
                if a.mfa {
                    "On".into()
                } else {
                    "Not set up".into()
                },
            ),
        ];
        if a.locked {
            facts.push((
                "Locked".into(),
                "Yes, after repeated failed sign-ins (lifts within an hour)".into(),
            ));
        }
        let actions = if Some(a.id) == s.0.account.id.into() {
            vec![]
        } else {
            let mut actions = vec![];
            if a.status == crate::store::accounts::AccountStatus::Active {
                actions.push(ActionSpec::Post {
                    action: format!("/accounts/{}/reset-password", a.id),
                    csrf: csrf.clone(),
                    label: "Send a password-reset link".into(),
                    primary: false,
                });
            }
            actions.extend([
                ActionSpec::Post {
                    action: format!("/accounts/{}/reset-mfa", a.id),
                    csrf: csrf.clone(),
                    label: "Reset sign-in codes".into(),
                    primary: false,
                },
                ActionSpec::Post {
                    action: format!("/accounts/{}/disable", a.id),
                    csrf: csrf.clone(),
                    label: "Switch off account".into(),
                    primary: false,
                },
            ]);
            actions
        };
        sections.push(Section {
            heading: Some(a.name),
            facts,
            actions,
            ..Section::default()
        });
    }
    panel(
        &Ctx::of(&req)?,
        &s,
        "/team",
        "Team",
        "Team and accounts",
        None,
        sections,
    )
}

/// `GET /team/invite`.
pub async fn team_invite_form(req: HttpRequest, s: SignedIn) -> Result<HttpResponse, AppError> {
    team_invite_page(&req, &s, "", "", "staff", StatusCode::OK, None)
}

fn team_invite_page(
    req: &HttpRequest,
    s: &SignedIn,
    name: &str,
    email: &str,
    role: &str,
    status: StatusCode,
    error: Option<ServiceError>,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, .. } = Ctx::of(req)?;
    s.require(
        &services,
        crate::policy::Action::ManageTeam,
        crate::policy::Target::Practice,
    )?;
    let fields = vec![
        Field::new("name", "Name", FieldKind::Text)
            .value(name)
            .autocomplete("off"),
        Field::new("email", "Email address", FieldKind::Email)
            .value(email)
            .autocomplete("off"),
        Field::new(
            "role",
            "Role",
            FieldKind::Select(vec![
                ("staff".into(), "Staff (scheduling and admin)".into()),
                ("clinician".into(), "Clinician".into()),
            ]),
        )
        .value(role),
    ];
    let text = FormText {
        current: "/team",
        title: "Invite",
        heading: "Invite a clinician or staff member",
        action: "/team/invite",
        submit: "Create invitation link",
        intro: Vec::new(),
    };
    signed_in_form(&Ctx::of(req)?, s, text, fields, error, status)
}

/// `POST /team/invite`.
pub async fn team_invite(
    req: HttpRequest,
    s: SignedIn,
    form: Checked<TeamInviteForm>,
    Ctx {
        state, services, ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let role = match f.role.as_str() {
        "clinician" => Role::Clinician,
        _ => Role::Staff,
    };
    match services.invite_team_member(&s.actor(), &f.name, &f.email, role) {
        Ok(token) => panel(&Ctx::of(&req)?, &s, "/team", "Invitation", "Invitation created", None, vec![Section {
            paragraphs: vec!["Give this link to the new team member (it is shown only now). It works once, for 7 days. They will set a password and sign-in codes.".into()],
            link_box: Some(format!("{}/invite/{token}", state.origin)),
            actions: vec![link("/team", "Back to the team", true)],
            ..Section::default()
        }]),
        Err(e) if e.keeps_draft() => team_invite_page(&req, &s, &f.name, &f.email, &f.role, StatusCode::BAD_REQUEST, Some(e)),
        Err(e) => Err(e.into()),
    }
}

fn require_reauth(services: &crate::domain::Services, s: &SignedIn) -> Result<(), AppError> {
    if services.recently_reauthenticated(&s.0.session) {
        Ok(())
    } else {
        Err(AppError::Redirect("/reauth".into()))
    }
}

type AccountChange = fn(
    &crate::domain::Services,
    &crate::policy::Actor,
    crate::policy::AccountId,
) -> Result<(), ServiceError>;

/// Runs an account change after the policy check and a recent re-authentication.
async fn change_account(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    change: AccountChange,
) -> Result<HttpResponse, AppError> {
    let Ctx { services, .. } = Ctx::of(&req)?;
    let id = id.into_inner();
    s.require(
        &services,
        crate::policy::Action::ManageAccount,
        crate::policy::Target::Account(id),
    )?;
    require_reauth(&services, &s)?;
    change(&services, &s.actor(), id)?;
    Ok(see_other("/team", &[]))
}

/// `POST /accounts/{id}/disable` (re-authentication required).
pub async fn disable_account(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    change_account(req, s, id, crate::domain::Services::disable_account).await
}

/// `POST /accounts/{id}/reset-mfa` (re-authentication required).
pub async fn reset_mfa(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
) -> Result<HttpResponse, AppError> {
    change_account(req, s, id, crate::domain::Services::reset_mfa).await
}

/// `POST /accounts/{id}/reset-password` (owner, re-authentication required): a one-time
/// password-reset link for an active account, shown once.
pub async fn reset_password(
    req: HttpRequest,
    s: SignedIn,
    id: web::Path<AccountId>,
    _f: Checked<TokenOnly>,
    Ctx {
        state, services, ..
    }: Ctx,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    s.require(
        &services,
        crate::policy::Action::ResetPassword,
        crate::policy::Target::Account(id),
    )?;
    require_reauth(&services, &s)?;
    let section = match services.reset_password_link(&s.actor(), id) {
        Ok(token) => Section {
            paragraphs: vec![
                "Give this link to the person yourself, by phone or in person, not by email (it is shown only now). It works once, for 24 hours; their sign-in codes stay as they are. Once it is used, their other sessions end and their confirmed email address is told that the password was changed.".into(),
            ],
            link_box: Some(format!("{}/invite/{token}", state.origin)),
            ..Section::default()
        },
        Err(ServiceError::Invalid { message, .. }) => Section {
            paragraphs: vec![message],
            ..Section::default()
        },
        Err(e) => return Err(e.into()),
    };
    panel(
        &Ctx::of(&req)?,
        &s,
        "/team",
        "Password reset",
        "Password-reset link",
        None,
        vec![section],
    )
}

/// `GET /audit`: the latest audit events (owner).
pub async fn audit(
    req: HttpRequest,
    s: SignedIn,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let events = services.recent_audit(&s.actor(), 200)?;
    let table = TableSpec {
        caption: "Latest events, newest first".into(),
        headers: vec![
            "#".into(),
            "Time (UTC)".into(),
            "Who".into(),
            "Action".into(),
            "Target".into(),
            "Outcome".into(),
            "IP".into(),
        ],
        rows: events
            .into_iter()
            .map(|e| {
                vec![
                    Cell::Text(e.seq.to_string()),
                    Cell::Text(e.at),
                    Cell::Text(format!("{} ({})", e.actor, e.role)),
                    Cell::Text(e.action),
                    Cell::Text(e.target),
                    Cell::Text(e.outcome),
                    Cell::Text(e.ip),
                ]
            })
            .collect(),
    };
    panel(&Ctx::of(&req)?, &s, "/audit", "Audit log", "Audit log", None, vec![Section {
        paragraphs: vec!["Every access to client records and every security event, in a tamper-evident chain. `alcove audit verify` checks the chain on the server.".into()],
        table: Some(table),
        ..Section::default()
    }])
}
