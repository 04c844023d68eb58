//! STORE: the only module that links object_store. Outputs are addressed by URL and built
//! once into an `Arc<dyn ObjectStore>` plus a key prefix.
//!
//! Supported now: `file:///abs/dir`, a plain directory path, `memory://[prefix]`. S3, GCS and
//! Azure come with the storage issue; their URLs are rejected with a clear message until then.

mod error;

pub use error::StoreError;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};

/// Where a run's outputs go.
#[derive(Clone)]
pub struct OutputStore {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    url: String,
    /// The local directory, for file outputs (shown to the analyst, used in TileJSON).
    directory: Option<PathBuf>,
    /// LocalFileSystem cannot keep object attributes such as Content-Type.
    keeps_attributes: bool,
}

impl std::fmt::Debug for OutputStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputStore")
            .field("url", &self.url)
            .finish()
    }
}

impl OutputStore {
    /// Builds the store for an output URL or absolute path. File outputs create their
    /// directory here, so an unwritable destination fails before any work starts.
    pub fn open(url: &str) -> Result<OutputStore, StoreError> {
        let bad = |message: &str| StoreError::Url {
            url: url.to_string(),
            message: message.to_string(),
        };
        if let Some(rest) = url.strip_prefix("memory://") {
            return Ok(OutputStore {
                store: Arc::new(InMemory::new()),
                prefix: ObjectPath::from(rest.trim_matches('/')),
                url: url.to_string(),
                directory: None,
                keeps_attributes: true,
            });
        }
        let directory = match url.strip_prefix("file://") {
            Some(rest) => {
                let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
                parsed
                    .to_file_path()
                    .map_err(|_| bad(&format!("`{rest}` is not an absolute local path")))?
            }
            None if url.contains("://") => {
                return Err(bad(
                    "unsupported scheme; write to a directory, file:// or memory://",
                ))
            }
            None => PathBuf::from(url),
        };
        std::fs::create_dir_all(&directory).map_err(|source| StoreError::CreateDirectory {
            path: directory.clone(),
            source,
        })?;
        let local = LocalFileSystem::new_with_prefix(&directory).map_err(|e| {
            StoreError::CreateDirectory {
                path: directory.clone(),
                source: std::io::Error::other(e.to_string()),
            }
        })?;
        Ok(OutputStore {
            store: Arc::new(local.with_automatic_cleanup(true)),
            prefix: ObjectPath::default(),
            url: url.to_string(),
            directory: Some(directory),
            keeps_attributes: false,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn directory(&self) -> Option<&std::path::Path> {
        self.directory.as_deref()
    }

    /// A URL a client on this machine can read `key` from, where there is one.
    pub fn public_url(&self, key: &str) -> String {
        match &self.directory {
            Some(dir) => format!("file://{}/{key}", dir.display()),
            None => format!("{}/{key}", self.url.trim_end_matches('/')),
        }
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.as_ref().is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Writes one object, replacing any previous one.
    pub async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), StoreError> {
        let mut opts = PutOptions::default();
        if self.keeps_attributes {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.to_string().into());
            opts.attributes = attributes;
        }
        self.store
            .put_opts(&self.path(key), PutPayload::from_bytes(bytes), opts)
            .await
            .map(|_| ())
            .map_err(|source| StoreError::Put {
                key: key.to_string(),
                url: self.url.clone(),
                source: Box::new(source),
            })
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let get = self.store.get(&self.path(key)).await;
        let result = match get {
            Ok(r) => r.bytes().await,
            Err(e) => Err(e),
        };
        result.map_err(|source| StoreError::Get {
            key: key.to_string(),
            url: self.url.clone(),
            source: Box::new(source),
        })
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(StoreError::Put {
                key: key.to_string(),
                url: self.url.clone(),
                source: Box::new(source),
            }),
        }
    }

    /// Every key under the output, relative to it, sorted.
    pub async fn list(&self) -> Result<Vec<String>, StoreError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let metas: Vec<_> = self
            .store
            .list(prefix)
            .try_collect()
            .await
            .map_err(|source| StoreError::Get {
                key: String::new(),
                url: self.url.clone(),
                source: Box::new(source),
            })?;
        let strip = if self.prefix.as_ref().is_empty() {
            0
        } else {
            self.prefix.as_ref().len() + 1
        };
        let mut keys: Vec<String> = metas
            .into_iter()
            .map(|m| m.location.as_ref()[strip..].to_string())
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Writes and removes a probe object, so an unwritable output fails before any work.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        const PROBE: &str = ".aftermath-write-probe";
        self.put(PROBE, Bytes::from_static(b"probe"), "text/plain")
            .await
            .map_err(|e| StoreError::Unwritable {
                url: self.url.clone(),
                message: e.to_string(),
            })?;
        self.delete(PROBE).await
    }
}

#[cfg(test)]
mod tests;
