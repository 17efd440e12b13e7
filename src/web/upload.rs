//! Forms that may carry one file: read as `multipart/form-data` (or, without a file, as an
//! ordinary urlencoded form). Text fields are small and held in memory; the file goes
//! piece by piece into an `Upload`, which seals each chunk as it arrives. The form token
//! must arrive (and be right) before any byte of the file is stored.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;

use super::error::AppError;
use super::session::csrf_matches;
use crate::domain::attachments::{StagedFile, Upload};
use crate::domain::{ServiceError, Services};
use alcove_frontend::{Field, FieldKind};

/// Largest text field accepted (a message is at most 20 000 characters).
const FIELD_MAX: usize = 128 * 1024;
/// Most text a form may send in all its fields together.
const TEXT_MAX: usize = 1024 * 1024;
/// Most values a form may send.
const FIELDS_MAX: usize = 200;

/// A posted form: its text fields, the file if one was sent and accepted, or why the file
/// was refused (to show next to the file field).
pub struct Posted {
    /// The last value of each field.
    pub fields: HashMap<String, String>,
    /// Every value in order (a multiple-choice question sends several).
    pub pairs: Vec<(String, String)>,
    pub file: Option<StagedFile>,
    pub file_error: Option<ServiceError>,
}

impl Posted {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn check_token(
    req: &HttpRequest,
    services: &Services,
    fields: &HashMap<String, String>,
) -> Result<(), AppError> {
    if csrf_matches(req, services, fields.get("csrf").map_or("", String::as_str)) {
        Ok(())
    } else {
        tracing::warn!("refused a form without a valid form token");
        Err(AppError::Forbidden)
    }
}

/// Reads a posted form. `start` is asked, with the text fields that came before the file,
/// to begin receiving a file with the given name; its refusal (`Invalid`) is kept for the
/// page, any other failure ends the request.
pub async fn read_post(
    req: &HttpRequest,
    services: &Services,
    payload: web::Payload,
    max_file: u64,
    start: impl FnOnce(&HashMap<String, String>, &str) -> Result<Upload, ServiceError>,
) -> Result<Posted, AppError> {
    read_post_checked(
        req,
        payload,
        max_file,
        |fields| check_token(req, services, fields),
        start,
    )
    .await
}

/// `read_post` with the form-token check given: the fuzzer's way in, which has no
/// sessions to check a token against.
pub async fn read_post_checked(
    req: &HttpRequest,
    payload: web::Payload,
    max_file: u64,
    check_token: impl Fn(&HashMap<String, String>) -> Result<(), AppError>,
    start: impl FnOnce(&HashMap<String, String>, &str) -> Result<Upload, ServiceError>,
) -> Result<Posted, AppError> {
    if !is_multipart(req) {
        let mut inner = payload.into_inner();
        let pairs = web::Form::<Vec<(String, String)>>::from_request(req, &mut inner)
            .await
            .map_err(|_| AppError::BadRequest)?
            .into_inner();
        let form: HashMap<String, String> = pairs.iter().cloned().collect();
        check_token(&form)?;
        return Ok(Posted {
            fields: form,
            pairs,
            file: None,
            file_error: None,
        });
    }
    // Past this many bytes a request is cut off rather than read to the end for a page.
    let budget = max_file.saturating_mul(2).saturating_add(1024 * 1024);
    let mut seen: u64 = 0;
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut fields = HashMap::new();
    let mut pairs = Vec::new();
    let mut text_total = 0usize;
    let mut start = Some(start);
    let mut file = None;
    let mut file_error = None;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| AppError::BadRequest)?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        match file_name {
            None => {
                if pairs.len() >= FIELDS_MAX {
                    return Err(AppError::BadRequest);
                }
                let mut value = Vec::new();
                while let Some(piece) = field.next().await {
                    let piece = piece.map_err(|_| AppError::BadRequest)?;
                    seen += piece.len() as u64;
                    value.extend_from_slice(&piece);
                    if value.len() > FIELD_MAX {
                        return Err(AppError::TooLarge);
                    }
                }
                text_total += value.len();
                if text_total > TEXT_MAX {
                    return Err(AppError::TooLarge);
                }
                let value = String::from_utf8(value).map_err(|_| AppError::BadRequest)?;
                pairs.push((name.clone(), value.clone()));
                fields.insert(name, value);
            }
            // A file input left empty.
            Some(n) if n.is_empty() => drain(&mut field, &mut seen, budget).await?,
            Some(n) => {
                check_token(&fields)?;
                // Only one file per form; a second is read past and ignored.
                let begun = start.take().map(|start| start(&fields, &n));
                let ended = match begun {
                    Some(Ok(upload)) => {
                        let (result, ended) = receive(upload, &mut field, &mut seen).await?;
                        match result {
                            Ok(staged) => file = Some(staged),
                            Err(e) => file_error = Some(e),
                        }
                        ended
                    }
                    // Kept for the page, like a refusal: the form comes back with its text.
                    Some(Err(
                        e @ (ServiceError::Invalid { .. }
                        | ServiceError::Store(crate::store::StoreError::DiskFull)),
                    )) => {
                        file_error = Some(e);
                        false
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => false,
                };
                if !ended {
                    drain(&mut field, &mut seen, budget).await?;
                }
            }
        }
        if seen > budget {
            return Err(AppError::TooLarge);
        }
    }
    check_token(&fields)?;
    Ok(Posted {
        fields,
        pairs,
        file,
        file_error,
    })
}

/// Feeds a file field into `upload`. Says whether the field was read to its end (a
/// refusal part-way leaves the rest unread).
async fn receive(
    mut upload: Upload,
    field: &mut actix_multipart::Field,
    seen: &mut u64,
) -> Result<(Result<StagedFile, ServiceError>, bool), AppError> {
    while let Some(piece) = field.next().await {
        let piece = piece.map_err(|_| AppError::BadRequest)?;
        *seen += piece.len() as u64;
        let pushed = web::block(move || upload.push(&piece).map(|()| upload))
            .await
            .map_err(AppError::Blocking)?;
        match pushed {
            Ok(u) => upload = u,
            Err(e) => return Ok((Err(e), false)),
        }
    }
    let finished = web::block(move || upload.finish())
        .await
        .map_err(AppError::Blocking)?;
    Ok((finished, true))
}

/// Reads and discards the rest of a field, within the budget.
async fn drain(
    field: &mut actix_multipart::Field,
    seen: &mut u64,
    budget: u64,
) -> Result<(), AppError> {
    while let Some(piece) = field.next().await {
        let piece = piece.map_err(|_| AppError::BadRequest)?;
        *seen += piece.len() as u64;
        if *seen > budget {
            return Err(AppError::TooLarge);
        }
    }
    Ok(())
}

/// What a file chooser offers: the kinds Alcove accepts.
pub const ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,.heic,.heif,.docx,.txt,application/pdf,image/png,image/jpeg,image/heic,text/plain,application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The optional file chooser of a message form.
pub fn file_field(services: &Services) -> Field {
    let mb = services.limits().attachment_max_bytes / (1024 * 1024);
    Field::new(
        "file",
        "Attach a file",
        FieldKind::File {
            accept: ACCEPT,
        },
    )
    .optional()
    .help(&format!(
        "PDF, PNG, JPEG, HEIC, Word (.docx) or plain text (.txt), up to {mb} MB. If this page comes back with a problem, choose the file again."
    ))
}
