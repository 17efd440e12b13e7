//! Downloading a message's file: always as a download (never shown inline), with a
//! sanitized name, `nosniff` (set for every response by the frame), and the content
//! streamed chunk by chunk from the sealed store.

use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{web, HttpResponse};
use futures_util::stream;

use super::error::AppError;
use super::session::{Ctx, SignedIn};
use crate::domain::attachments::Download;
use crate::ids::{AccountId, AttachmentId, SubmissionId, ThreadId};

fn disposition(name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// The next chunk of a download, read on the blocking pool.
async fn next_chunk(
    (download, index): (Option<Download>, u32),
) -> Option<(Result<web::Bytes, AppError>, (Option<Download>, u32))> {
    let download = download?;
    if index >= download.attachment.chunks {
        return None;
    }
    let read = web::block(move || {
        let chunk = download.chunk(index);
        (download, chunk)
    })
    .await;
    match read {
        Ok((download, Ok(chunk))) => Some((
            Ok(web::Bytes::copy_from_slice(&chunk)),
            (Some(download), index + 1),
        )),
        Ok((_, Err(e))) => Some((Err(AppError::Service(e)), (None, index))),
        Err(e) => Some((Err(AppError::Blocking(e)), (None, index))),
    }
}

/// `GET /messages/{thread}/files/{file}`.
pub async fn download(
    s: SignedIn,
    path: web::Path<(ThreadId, AttachmentId)>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let (thread, file) = path.into_inner();
    let download = services.open_attachment(&s.actor(), thread, file)?;
    Ok(respond(download))
}

/// Streams an opened attachment as a download.
pub(super) fn respond(download: Download) -> HttpResponse {
    let a = &download.attachment;
    let mut resp = HttpResponse::Ok();
    resp.content_type(a.kind.media_type())
        .insert_header(disposition(&a.name))
        .no_chunking(a.size);
    let body = stream::unfold((Some(download), 0u32), next_chunk);
    resp.streaming(body)
}

/// `GET /clients/{id}/submissions/{sub}/files/{file}`: a file sent with a form.
pub async fn submission_file(
    s: SignedIn,
    path: web::Path<(AccountId, SubmissionId, AttachmentId)>,
    Ctx { services, .. }: Ctx,
) -> Result<HttpResponse, AppError> {
    let (client, sub, file) = path.into_inner();
    let download = services.open_submission_file(&s.actor(), client, sub, file)?;
    Ok(respond(download))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_have_an_ascii_fallback_and_the_full_name() {
        let header = disposition("Überweisung (1).pdf").to_string();
        assert!(header.starts_with("attachment;"), "{header}");
        assert!(
            header.contains("filename=\"_berweisung (1).pdf\""),
            "{header}"
        );
        assert!(header.contains("filename*=UTF-8''"), "{header}");
    }
}
