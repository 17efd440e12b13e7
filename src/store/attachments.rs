//! Files attached to messages. The description (name, type, size, digest) is one sealed
//! record; the content is sealed in chunks keyed by attachment id and chunk number, so a
//! large file is never held whole in memory and a chunk cannot be moved to another file or
//! position (the key is part of each chunk's AAD).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::error::Result;
use super::record::{ReadTx, Record, WriteTx};
use super::tables::{self, Table};
use crate::ids::{AccountId, AttachmentId, ThreadId};

/// Bytes per sealed chunk.
pub const CHUNK: usize = 256 * 1024;

/// The kinds of file Alcove accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Heic,
    Docx,
    Txt,
}

impl FileKind {
    /// The kind a file name claims, from its extension.
    pub fn from_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "pdf" => Self::Pdf,
            "png" => Self::Png,
            "jpg" | "jpeg" => Self::Jpeg,
            "heic" | "heif" => Self::Heic,
            "docx" => Self::Docx,
            "txt" => Self::Txt,
            _ => return None,
        })
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Heic => "image/heic",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Txt => "text/plain; charset=utf-8",
        }
    }

    /// How people call this kind of file.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Png => "PNG image",
            Self::Jpeg => "JPEG photo",
            Self::Heic => "HEIC photo",
            Self::Docx => "Word document",
            Self::Txt => "text file",
        }
    }
}

/// A stored attachment's description.
#[derive(Clone, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub thread: ThreadId,
    pub client: AccountId,
    /// The message it belongs to.
    pub message: u64,
    /// The sanitized file name.
    pub name: String,
    pub kind: FileKind,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub chunks: u32,
    pub uploaded_by: AccountId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Record for Attachment {
    const TABLE: Table = tables::ATTACHMENTS;
}

/// What a message keeps about its attachment, to list it without another read.
#[derive(Clone, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: AttachmentId,
    pub name: String,
    pub kind: FileKind,
    pub size: u64,
}

impl std::fmt::Debug for AttachmentRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentRef")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn chunk_key(id: AttachmentId, index: u32) -> [u8; 20] {
    let mut key = [0u8; 20];
    key[..16].copy_from_slice(&id.0);
    key[16..].copy_from_slice(&index.to_be_bytes());
    key
}

pub fn put(tx: &WriteTx<'_>, attachment: &Attachment) -> Result<()> {
    tx.put(&attachment.id.0, attachment)
}

pub fn get(tx: &ReadTx<'_>, id: AttachmentId) -> Result<Option<Attachment>> {
    tx.get(&id.0)
}

pub fn put_chunk(tx: &WriteTx<'_>, id: AttachmentId, index: u32, plain: &[u8]) -> Result<()> {
    tx.put_bytes(tables::ATTACHMENT_CHUNKS, &chunk_key(id, index), plain)
}

pub fn chunk(tx: &ReadTx<'_>, id: AttachmentId, index: u32) -> Result<Option<Zeroizing<Vec<u8>>>> {
    tx.get_bytes(tables::ATTACHMENT_CHUNKS, &chunk_key(id, index))
}

/// Removes an attachment's chunks (a refused or abandoned upload).
pub fn remove_chunks(tx: &WriteTx<'_>, id: AttachmentId) -> Result<u64> {
    tx.remove_prefix(tables::ATTACHMENT_CHUNKS, &id.0)
}

/// Removes chunks that no attachment record claims: uploads cut off by a crash or a
/// restart before their message was written. Returns how many chunks went.
pub fn remove_orphan_chunks(tx: &WriteTx<'_>) -> Result<u64> {
    let mut removed = 0;
    let mut checked: Option<[u8; 16]> = None;
    for key in tx.keys(tables::ATTACHMENT_CHUNKS)? {
        let Some(id) = key.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()) else {
            continue;
        };
        if checked == Some(id) {
            continue;
        }
        checked = Some(id);
        if tx.get::<Attachment>(&id)?.is_none() {
            removed += remove_chunks(tx, AttachmentId(id))?;
        }
    }
    Ok(removed)
}
