//! S3-compatible object storage as a backup target (object_store): upload in parts, list,
//! delete for rotation, and re-read for the damage check. Blocking calls on a small
//! runtime of their own, since backups run on the blocking pool or the command line.

use std::io::Read;
use std::path::Path;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};

use super::BackupError;
use crate::config::backup::S3Config;

/// A bucket and prefix that holds backups.
pub struct S3Target {
    store: AmazonS3,
    prefix: String,
    /// `s3://bucket/prefix`, as the dashboard and records name it.
    pub label: String,
    runtime: tokio::runtime::Runtime,
}

fn fail(what: &'static str, source: object_store::Error) -> BackupError {
    BackupError::ObjectStorage { what, source }
}

impl S3Target {
    pub fn new(config: &S3Config) -> Result<Self, BackupError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose());
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| fail("connect", e))?;
        let prefix = config.prefix.trim_matches('/').to_owned();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BackupError::ObjectStorageRuntime)?;
        Ok(Self {
            store,
            label: format!("s3://{}/{}", config.bucket, prefix),
            prefix,
            runtime,
        })
    }

    fn key(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    /// Uploads `file` under its own name, in parts; an object appears only when complete.
    pub fn upload(&self, file: &Path) -> Result<(), BackupError> {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let key = self.key(&name);
        self.runtime.block_on(async {
            let upload = self
                .store
                .put_multipart(&key)
                .await
                .map_err(|e| fail("start the upload", e))?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, 8 * 1024 * 1024);
            let mut input = std::fs::File::open(file)?;
            let mut buf = vec![0u8; 1024 * 1024];
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                writer
                    .wait_for_capacity(4)
                    .await
                    .map_err(|e| fail("upload", e))?;
                writer.write(&buf[..n]);
            }
            writer
                .finish()
                .await
                .map_err(|e| fail("finish the upload", e))?;
            Ok(())
        })
    }

    /// Backup file names under the prefix.
    pub fn list(&self) -> Result<Vec<String>, BackupError> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        self.runtime.block_on(async {
            let mut names = Vec::new();
            let mut stream = self.store.list(prefix.as_ref());
            while let Some(meta) = stream.next().await {
                let meta = meta.map_err(|e| fail("list", e))?;
                if let Some(name) = meta.location.filename() {
                    if super::time_of(name).is_some() {
                        names.push(name.to_owned());
                    }
                }
            }
            Ok(names)
        })
    }

    pub fn delete(&self, name: &str) -> Result<(), BackupError> {
        self.runtime
            .block_on(self.store.delete(&self.key(name)))
            .map_err(|e| fail("delete", e))
    }

    /// Reads an object through, returning its size and SHA-256.
    pub fn digest(&self, name: &str) -> Result<(u64, String), BackupError> {
        self.fetch(name, |_| Ok(()))
    }

    /// Downloads an object into `dest`.
    pub fn download(&self, name: &str, dest: &Path) -> Result<(u64, String), BackupError> {
        let mut out = crate::fsutil::create_private_file(dest)?;
        let result = self.fetch(name, |chunk| {
            std::io::Write::write_all(&mut out, chunk).map_err(BackupError::Io)
        })?;
        out.sync_all()?;
        Ok(result)
    }

    fn fetch(
        &self,
        name: &str,
        mut sink: impl FnMut(&[u8]) -> Result<(), BackupError>,
    ) -> Result<(u64, String), BackupError> {
        let key = self.key(name);
        self.runtime.block_on(async {
            let got = self.store.get(&key).await.map_err(|e| fail("read", e))?;
            let mut stream = got.into_stream();
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| fail("read", e))?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                sink(&chunk)?;
            }
            Ok((size, hex::encode(hasher.finalize())))
        })
    }
}
