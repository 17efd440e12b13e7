//! Attachments: a file is received in pieces, checked (size, kind by name and by content)
//! and sealed chunk by chunk as it arrives; it becomes part of the record only when the
//! message that carries it is written. A refused or abandoned upload removes its chunks,
//! and chunks left by a crash are swept at start, so a refused file leaves nothing.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::audit::{self, AuditTarget, Event, Outcome};
use super::{ServiceError, Services};
use crate::ids::AttachmentId;
use crate::ids::ThreadId;
use crate::policy::{AccountId, Action, Actor, Target};
use crate::store::attachments::{self, Attachment, AttachmentRef, FileKind, CHUNK};
use crate::store::messages::{self, MessageKind};

/// Default largest file, in bytes (25 MB).
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;

const ACCEPTED: &str =
    "You can send PDF, PNG, JPEG, HEIC, Word (.docx) and plain text (.txt) files.";

/// Makes a file name safe to store and to offer back as a download name: no folders, no
/// control or shell-special characters, at most 100 characters, extension kept.
pub fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c| c == '.' || c == ' ');
    let chars: Vec<char> = cleaned.chars().collect();
    if chars.len() <= 100 {
        return cleaned.to_owned();
    }
    let (stem, ext) = cleaned.rsplit_once('.').unwrap_or((cleaned, ""));
    let ext: String = ext.chars().take(10).collect();
    let stem: String = stem.chars().take(100 - ext.chars().count() - 1).collect();
    format!("{stem}.{ext}")
}

/// Does the content look like the kind its name claims? `head` is the first chunk.
fn content_matches(kind: FileKind, head: &[u8]) -> bool {
    match kind {
        FileKind::Pdf => infer::archive::is_pdf(head),
        FileKind::Png => infer::image::is_png(head),
        FileKind::Jpeg => infer::image::is_jpeg(head),
        FileKind::Heic => infer::image::is_heif(head),
        FileKind::Docx => infer::doc::is_docx(head),
        // Checked as it streams, by `TextCheck`.
        FileKind::Txt => true,
    }
}

/// Plain text: valid UTF-8 with no control characters but tab, line feed, carriage return
/// and form feed. Checked across chunk boundaries.
#[derive(Default)]
struct TextCheck {
    carry: Vec<u8>,
}

impl TextCheck {
    fn push(&mut self, bytes: &[u8]) -> bool {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&data) {
            Ok(text) => text,
            Err(e) if e.error_len().is_none() => {
                let (ok, rest) = data.split_at(e.valid_up_to());
                self.carry = rest.to_vec();
                // Safe: `valid_up_to` marks a UTF-8 boundary.
                std::str::from_utf8(ok).unwrap_or_default()
            }
            Err(_) => return false,
        };
        !valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    }

    fn finish(&self) -> bool {
        self.carry.is_empty()
    }
}

/// A file being received. Dropped before `finish`, it removes what it wrote.
pub struct Upload {
    services: Services,
    id: AttachmentId,
    name: String,
    kind: FileKind,
    max: u64,
    size: u64,
    digest: Sha256,
    buffer: Zeroizing<Vec<u8>>,
    chunks: u32,
    text: TextCheck,
    done: bool,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("id", &self.id)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

fn file_error(message: impl Into<String>) -> ServiceError {
    ServiceError::invalid("file", message)
}

impl Upload {
    /// Takes the next piece of the file.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), ServiceError> {
        self.size += bytes.len() as u64;
        if self.size > self.max {
            return Err(file_error(format!(
                "This file is larger than the {} MB limit. Please send a smaller file.",
                self.max / (1024 * 1024)
            )));
        }
        self.digest.update(bytes);
        if self.kind == FileKind::Txt && !self.text.push(bytes) {
            return Err(self.mismatch());
        }
        // One buffer of one chunk's size, filled and written in turn: it never grows past
        // a chunk (a 64 KiB piece crossing the boundary used to double it), and no buffer
        // is allocated per chunk.
        let mut rest = bytes;
        while !rest.is_empty() {
            let (now, later) = rest.split_at(rest.len().min(CHUNK - self.buffer.len()));
            self.buffer.extend_from_slice(now);
            rest = later;
            if self.buffer.len() == CHUNK {
                let chunk = std::mem::take(&mut self.buffer);
                self.write_chunk(&chunk)?;
                self.buffer = chunk;
                self.buffer.clear();
            }
        }
        Ok(())
    }

    fn mismatch(&self) -> ServiceError {
        file_error(format!(
            "This file's name says it is a {}, but its contents are not. {ACCEPTED}",
            self.kind.label()
        ))
    }

    fn write_chunk(&mut self, chunk: &[u8]) -> Result<(), ServiceError> {
        if self.chunks == 0 && !content_matches(self.kind, chunk) {
            return Err(self.mismatch());
        }
        let (id, index) = (self.id, self.chunks);
        self.services
            .store
            .write(|tx| attachments::put_chunk(tx, id, index, chunk))?;
        self.chunks += 1;
        Ok(())
    }

    /// The whole file has arrived: checks what is left and hands it over for a message.
    pub fn finish(mut self) -> Result<StagedFile, ServiceError> {
        if self.size == 0 {
            return Err(file_error("This file is empty. Please choose another."));
        }
        if self.kind == FileKind::Txt && !self.text.finish() {
            return Err(self.mismatch());
        }
        if !self.buffer.is_empty() {
            let last = std::mem::take(&mut self.buffer);
            self.write_chunk(&last)?;
        }
        self.done = true;
        Ok(StagedFile {
            services: self.services.clone(),
            id: self.id,
            name: std::mem::take(&mut self.name),
            kind: self.kind,
            size: self.size,
            sha256: hex::encode(self.digest.clone().finalize()),
            chunks: self.chunks,
            kept: false,
        })
    }
}

fn discard(services: &Services, id: AttachmentId) {
    if let Err(e) = services
        .store
        .write(|tx| attachments::remove_chunks(tx, id))
    {
        // Swept at the next start if this fails.
        tracing::warn!(error = %e, "could not remove a refused upload yet");
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.done && self.chunks > 0 {
            discard(&self.services, self.id);
        }
    }
}

/// A received, checked file waiting for its message. Dropped unused, it is removed.
pub struct StagedFile {
    services: Services,
    id: AttachmentId,
    name: String,
    kind: FileKind,
    size: u64,
    sha256: String,
    chunks: u32,
    kept: bool,
}

impl std::fmt::Debug for StagedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedFile")
            .field("id", &self.id)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl StagedFile {
    pub(super) fn record(
        &self,
        thread: ThreadId,
        client: AccountId,
        message: u64,
        by: AccountId,
        now: time::OffsetDateTime,
    ) -> (Attachment, AttachmentRef) {
        let record = Attachment {
            id: self.id,
            thread,
            client,
            message,
            name: self.name.clone(),
            kind: self.kind,
            size: self.size,
            sha256: self.sha256.clone(),
            chunks: self.chunks,
            uploaded_by: by,
            created_at: now,
        };
        let reference = AttachmentRef {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind,
            size: self.size,
        };
        (record, reference)
    }

    /// The sanitized file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id, as a form answer holds it.
    pub fn id_text(&self) -> String {
        self.id.to_string()
    }

    /// The message holding this file was committed: keep it.
    pub(super) fn kept(mut self) {
        self.kept = true;
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.kept {
            discard(&self.services, self.id);
        }
    }
}

/// An attachment the reader was allowed to open; hands out its chunks in order.
pub struct Download {
    services: Services,
    pub attachment: Attachment,
}

impl Download {
    /// Chunk `index` (0-based) of the file.
    pub fn chunk(&self, index: u32) -> Result<Zeroizing<Vec<u8>>, ServiceError> {
        let id = self.attachment.id;
        self.services
            .store
            .read(|tx| attachments::chunk(tx, id, index))?
            .ok_or(ServiceError::ChunkMissing)
    }
}

impl Services {
    /// Starts receiving a file for a message to `client`. The name's extension decides the
    /// kind the content must then match.
    pub fn begin_upload(
        &self,
        actor: &Actor,
        client: AccountId,
        file_name: &str,
    ) -> Result<Upload, ServiceError> {
        self.authorize(actor, Action::WriteMessage, Target::Client(client))?;
        self.new_upload(file_name)
    }

    /// Starts receiving a file once the caller has checked who may send it (a message's
    /// writer, or a valid form link).
    pub(super) fn new_upload(&self, file_name: &str) -> Result<Upload, ServiceError> {
        let name = sanitize_name(file_name);
        let kind = FileKind::from_name(&name).ok_or_else(|| {
            file_error(format!("This kind of file cannot be sent here. {ACCEPTED}"))
        })?;
        Ok(Upload {
            services: self.clone(),
            id: AttachmentId::generate(),
            name,
            kind,
            max: self.limits.attachment_max_bytes,
            size: 0,
            digest: Sha256::new(),
            buffer: Zeroizing::new(Vec::with_capacity(CHUNK)),
            chunks: 0,
            text: TextCheck::default(),
            done: false,
        })
    }

    /// Starts receiving a file for a reply in `thread`.
    pub fn begin_reply_upload(
        &self,
        actor: &Actor,
        thread: ThreadId,
        file_name: &str,
    ) -> Result<Upload, ServiceError> {
        let t = self
            .store
            .read(|tx| messages::get_thread(tx, thread))?
            .ok_or(ServiceError::NotFound)?;
        self.begin_upload(actor, t.client, file_name)
    }

    /// Opens an attachment of `thread` for download, if the reader may see its message.
    pub fn open_attachment(
        &self,
        actor: &Actor,
        thread: ThreadId,
        id: AttachmentId,
    ) -> Result<Download, ServiceError> {
        let (attachment, message) = self.store.read(|tx| {
            let Some(a) = attachments::get(tx, id)? else {
                return Ok::<_, ServiceError>((None, None));
            };
            let m = messages::message(tx, a.thread, a.message)?;
            Ok((Some(a), m))
        })?;
        // Files sent with forms (message 0) are reached only through their submission.
        let attachment = attachment
            .filter(|a| a.thread == thread && a.message != 0)
            .ok_or(ServiceError::NotFound)?;
        let target = Target::Client(attachment.client);
        self.authorize(actor, Action::ReadThread, target)?;
        if message.is_none_or(|m| m.kind == MessageKind::InternalNote) {
            self.authorize(actor, Action::InternalNotes, target)?;
        }
        let now = self.now();
        self.store.write(|tx| {
            audit::record(
                tx,
                now,
                actor,
                Event::AttachmentDownload,
                AuditTarget::new()
                    .client(attachment.client)
                    .thread(thread)
                    .attachment(id),
                Outcome::Ok,
            )
        })?;
        Ok(Download {
            services: self.clone(),
            attachment,
        })
    }

    /// Opens a file sent with a form, for those who may read the client's submissions.
    pub fn open_submission_file(
        &self,
        actor: &Actor,
        client: AccountId,
        submission: crate::ids::SubmissionId,
        id: AttachmentId,
    ) -> Result<Download, ServiceError> {
        self.authorize(actor, Action::ReadSubmissions, Target::Client(client))?;
        let (attachment, sub) = self.store.read(|tx| {
            let a = attachments::get(tx, id)?;
            let s = tx.get::<crate::store::submissions::Submission>(&submission.0)?;
            Ok::<_, ServiceError>((a, s))
        })?;
        let listed = sub.is_some_and(|s| {
            s.client == client
                && s.answers
                    .iter()
                    .any(|(_, v)| v.first().is_some_and(|f| f == &id.to_string()))
        });
        let attachment = attachment
            .filter(|a| a.client == client && listed)
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        self.store.write(|tx| {
            audit::record(
                tx,
                now,
                actor,
                Event::AttachmentDownload,
                AuditTarget::new()
                    .client(client)
                    .submission(submission)
                    .attachment(id),
                Outcome::Ok,
            )
        })?;
        Ok(Download {
            services: self.clone(),
            attachment,
        })
    }

    /// Removes chunks of uploads that never became part of a message (run at start).
    pub fn sweep_abandoned_uploads(&self) -> Result<u64, ServiceError> {
        Ok(self.store.write(attachments::remove_orphan_chunks)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_and_special_characters() {
        assert_eq!(sanitize_name("C:\\Users\\a\\scan.pdf"), "scan.pdf");
        assert_eq!(sanitize_name("../../etc/passwd.txt"), "passwd.txt");
        assert_eq!(sanitize_name("a\"b;c\r\n.pdf"), "a_b_c__.pdf");
        assert_eq!(sanitize_name("Überweisung.pdf"), "Überweisung.pdf");
        let long = format!("{}.docx", "x".repeat(300));
        let short = sanitize_name(&long);
        assert_eq!(short.chars().count(), 100);
        assert!(short.ends_with(".docx"));
    }

    #[test]
    fn text_check_follows_utf8_across_pieces() {
        let mut check = TextCheck::default();
        let snow = "snow ☃ man".as_bytes();
        assert!(check.push(&snow[..6]));
        assert!(!check.finish(), "a split character is pending");
        assert!(check.push(&snow[6..]));
        assert!(check.finish());
        assert!(!TextCheck::default().push(b"MZ\x90\x00binary"));
        assert!(!TextCheck::default().push(b"\xff\xfe"));
    }

    #[test]
    fn content_must_match_the_name() {
        assert!(content_matches(FileKind::Pdf, b"%PDF-1.7\n"));
        assert!(!content_matches(FileKind::Pdf, b"\x89PNG\r\n\x1a\n"));
        assert!(content_matches(FileKind::Png, b"\x89PNG\r\n\x1a\n0000"));
        assert!(!content_matches(FileKind::Jpeg, b"%PDF-1.7\n"));
        assert_eq!(FileKind::from_name("x.JPG"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::from_name("x.exe"), None);
        assert_eq!(FileKind::from_name("noext"), None);
    }
}
