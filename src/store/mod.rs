//! STORE: the only module that links object_store. Outputs are addressed by URL and built
//! once into an `Arc<dyn ObjectStore>` plus a key prefix.
//!
//! Supported: `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix` (see
//! [`cloud`]), `file:///abs/dir`, a plain directory path, `memory://[prefix]`.

mod cloud;
mod error;
pub mod pmtiles;

pub use error::StoreError;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutMultipartOptions,
    PutOptions, PutPayload, WriteMultipart,
};

/// Objects larger than this are uploaded in parts of this size (S3 wants parts ≥ 5 MiB).
pub const MULTIPART_THRESHOLD: usize = 8 << 20;

/// Parts of a streamed upload ([`OutputStore::put_file`]) sent at once.
pub const PARTS_IN_FLIGHT: usize = 4;

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
    /// The HTTP(S) base clients read a cloud output from.
    public_base: Option<String>,
    cache_control: Option<String>,
    /// `--resume`: objects whose stored content is already identical are not written again.
    resume: bool,
    counts: Arc<PutCounts>,
    /// Keys found before this run that it has not put (yet), when tracked: what a run over
    /// an existing output no longer produces.
    stale: Arc<Mutex<Option<HashSet<String>>>>,
    /// The local directory did not exist before this store was opened.
    created_directory: bool,
}

/// Objects written and objects left as they were (identical content, with `--resume`).
#[derive(Debug, Default)]
struct PutCounts {
    written: AtomicU64,
    unchanged: AtomicU64,
}

/// The user-metadata key holding an object's SHA-256 (`x-amz-meta-…`, `x-ms-meta-…`; Azure
/// allows no hyphen in metadata names), which `--resume` compares instead of downloading the
/// object.
const HASH_METADATA: &str = "aftermath_sha256";

/// How to reach and write an output beyond its URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreConfig {
    /// Backend options by object_store's names (`aws_endpoint`, …), over the environment's.
    pub options: Vec<(String, String)>,
    /// `Cache-Control` of every object written (where the store keeps it).
    pub cache_control: Option<String>,
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
        OutputStore::open_with(url, &StoreConfig::default())
    }

    /// [`OutputStore::open`] with backend options and a `Cache-Control`.
    pub fn open_with(url: &str, config: &StoreConfig) -> Result<OutputStore, StoreError> {
        let bad = |message: &str| StoreError::Url {
            url: url.to_string(),
            message: message.to_string(),
        };
        if let Ok(parsed) = url::Url::parse(url) {
            if let Some(cloud) = cloud::open(&parsed, url, &config.options) {
                let cloud = cloud?;
                return Ok(OutputStore {
                    store: cloud.store,
                    // As written: `from` would percent-encode non-ASCII letters into the key.
                    prefix: ObjectPath::parse(&cloud.prefix).map_err(|e| StoreError::Url {
                        url: url.to_string(),
                        message: format!("the prefix is not a valid object key: {e}"),
                    })?,
                    url: url.to_string(),
                    directory: None,
                    keeps_attributes: true,
                    public_base: Some(cloud.public_base),
                    cache_control: config.cache_control.clone(),
                    resume: false,
                    counts: Arc::default(),
                    stale: Arc::default(),
                    created_directory: false,
                });
            }
        }
        if !config.options.is_empty() {
            return Err(bad(
                "store options (--store-opt, [output.options]) apply to s3://, gs:// and az:// outputs only",
            ));
        }
        if let Some(rest) = url.strip_prefix("memory://") {
            return Ok(OutputStore {
                store: Arc::new(InMemory::new()),
                prefix: ObjectPath::from(rest.trim_matches('/')),
                url: url.to_string(),
                directory: None,
                keeps_attributes: true,
                public_base: None,
                cache_control: config.cache_control.clone(),
                resume: false,
                counts: Arc::default(),
                stale: Arc::default(),
                created_directory: false,
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
                    "unsupported scheme; write to s3://, gs://, az://, a directory, file:// or memory://",
                ))
            }
            None => PathBuf::from(url),
        };
        let created_directory = !directory.exists();
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
            public_base: None,
            cache_control: None,
            resume: false,
            counts: Arc::default(),
            stale: Arc::default(),
            created_directory,
        })
    }

    /// Removes the local directory this store created if it is still empty: a run that
    /// fails before its first object leaves no trace.
    pub fn discard_if_empty(&self) {
        if let (true, Some(dir)) = (self.created_directory, &self.directory) {
            // Fails (and keeps the directory) unless it is empty.
            let _ = std::fs::remove_dir(dir);
        }
    }

    /// With `resume`, [`OutputStore::put`] leaves objects whose content is already identical.
    pub fn resuming(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// (objects written, objects left unchanged) by this store so far.
    pub fn put_counts(&self) -> (u64, u64) {
        (
            self.counts.written.load(Ordering::Relaxed),
            self.counts.unchanged.load(Ordering::Relaxed),
        )
    }

    /// Whether `key` already holds exactly `bytes`: by the SHA-256 in its metadata on object
    /// stores (a HEAD request), by its bytes on a local filesystem. Missing means no.
    async fn holds(&self, key: &str, bytes: &[u8], hash: &str) -> bool {
        if let Some(dir) = &self.directory {
            return std::fs::read(dir.join(key)).is_ok_and(|stored| stored == bytes);
        }
        self.holds_hash(key, bytes.len() as u64, hash).await
    }

    /// Whether the object store's `key` holds `len` bytes whose SHA-256 (in its metadata)
    /// is `hash`.
    async fn holds_hash(&self, key: &str, len: u64, hash: &str) -> bool {
        match self.head(key).await {
            Ok(found) => {
                found.meta.size == len
                    && found
                        .attributes
                        .get(&Attribute::Metadata(HASH_METADATA.into()))
                        .is_some_and(|v| v.as_ref() == hash)
            }
            Err(_) => false,
        }
    }

    /// `key` is put by this run: not stale ([`OutputStore::track_stale`]).
    fn track_put(&self, key: &str) {
        if let Ok(mut stale) = self.stale.lock() {
            if let Some(keys) = stale.as_mut() {
                keys.remove(key);
            }
        }
    }

    fn put_error(&self, key: &str, source: object_store::Error) -> StoreError {
        StoreError::Put {
            key: key.to_string(),
            url: self.url.clone(),
            source: Box::new(source),
        }
    }

    /// A HEAD request: the object's size and attributes, not its bytes.
    async fn head(&self, key: &str) -> object_store::Result<object_store::GetResult> {
        let head = GetOptions {
            head: true,
            ..GetOptions::default()
        };
        self.store.get_opts(&self.path(key), head).await
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn directory(&self) -> Option<&std::path::Path> {
        self.directory.as_deref()
    }

    /// A URL a client on this machine can read `key` from, where there is one.
    pub fn public_url(&self, key: &str) -> String {
        match (&self.directory, &self.public_base) {
            // Percent-encoded (spaces, `%`, `#`), so GDAL and browsers open it; the key is
            // appended as is, keeping `{z}/{x}/{y}` templates intact.
            (Some(dir), _) => match url::Url::from_directory_path(dir) {
                Ok(base) => format!("{base}{key}"),
                Err(()) => format!("file://{}/{key}", dir.display()),
            },
            (None, Some(base)) => format!("{}/{key}", base.trim_end_matches('/')),
            (None, None) => format!("{}/{key}", self.url.trim_end_matches('/')),
        }
    }

    /// The object path of `key` under the prefix: the prefix as it is, the key's parts added
    /// one by one (never re-encoding the prefix).
    fn path(&self, key: &str) -> ObjectPath {
        (key.split('/').filter(|p| !p.is_empty()))
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    fn attributes(&self, content_type: &str, hash: &str) -> Attributes {
        let mut attributes = Attributes::new();
        if self.keeps_attributes {
            attributes.insert(Attribute::ContentType, content_type.to_string().into());
            if let Some(cache) = &self.cache_control {
                attributes.insert(Attribute::CacheControl, cache.clone().into());
            }
            attributes.insert(
                Attribute::Metadata(HASH_METADATA.into()),
                hash.to_string().into(),
            );
        }
        attributes
    }

    /// Writes one object, replacing any previous one (with `--resume`: unless it already holds
    /// these bytes); objects over [`MULTIPART_THRESHOLD`] go up as a multipart upload in parts
    /// of that size.
    pub async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), StoreError> {
        let put_error = |source| self.put_error(key, source);
        self.track_put(key);
        // The hash is kept beside the object and compared by `--resume`; a store that keeps
        // no attributes (a local directory, where `--resume` compares the bytes) needs none.
        let hash = match self.keeps_attributes {
            true => sha256_hex(&bytes),
            false => String::new(),
        };
        if self.resume && self.holds(key, &bytes, &hash).await {
            self.counts.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.counts.written.fetch_add(1, Ordering::Relaxed);
        let attributes = self.attributes(content_type, &hash);
        if bytes.len() > MULTIPART_THRESHOLD {
            let opts = PutMultipartOptions {
                attributes,
                ..PutMultipartOptions::default()
            };
            let upload = self
                .store
                .put_multipart_opts(&self.path(key), opts)
                .await
                .map_err(put_error)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, MULTIPART_THRESHOLD);
            writer.put(bytes);
            return writer.finish().await.map(|_| ()).map_err(put_error);
        }
        let opts = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&self.path(key), PutPayload::from_bytes(bytes), opts)
            .await
            .map(|_| ())
            .map_err(put_error)
    }

    /// Writes the file at `path` as one object, streamed from disk: a multipart upload in
    /// parts of [`MULTIPART_THRESHOLD`], at most [`PARTS_IN_FLIGHT`] of them in memory, so a
    /// product of any size costs a few parts of memory. Small files go through
    /// [`OutputStore::put`]. With `--resume`, an object already holding the file's bytes is
    /// left as it is.
    pub async fn put_file(
        &self,
        key: &str,
        path: &std::path::Path,
        content_type: &str,
    ) -> Result<(), StoreError> {
        use std::io::Read;
        let scratch = |source| StoreError::Scratch {
            key: key.to_string(),
            path: path.to_path_buf(),
            source,
        };
        let len = std::fs::metadata(path).map_err(scratch)?.len();
        if len <= MULTIPART_THRESHOLD as u64 {
            let bytes = std::fs::read(path).map_err(scratch)?;
            return self.put(key, bytes.into(), content_type).await;
        }
        let put_error = |source| self.put_error(key, source);
        self.track_put(key);
        if let Some(dir) = &self.directory {
            return self.local_file(dir, key, path, false);
        }
        let hash = file_sha256_hex(path).map_err(scratch)?;
        if self.resume && self.holds_hash(key, len, &hash).await {
            self.counts.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.counts.written.fetch_add(1, Ordering::Relaxed);
        let opts = PutMultipartOptions {
            attributes: self.attributes(content_type, &hash),
            ..PutMultipartOptions::default()
        };
        let upload = self
            .store
            .put_multipart_opts(&self.path(key), opts)
            .await
            .map_err(put_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, MULTIPART_THRESHOLD);
        let mut file = std::fs::File::open(path).map_err(scratch)?;
        loop {
            let mut part = Vec::with_capacity(MULTIPART_THRESHOLD);
            let read = (&mut file)
                .take(MULTIPART_THRESHOLD as u64)
                .read_to_end(&mut part)
                .map_err(scratch)?;
            if read == 0 {
                break;
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(put_error)?;
            writer.put(part.into());
        }
        writer.finish().await.map(|_| ()).map_err(put_error)
    }

    /// [`OutputStore::put_file`] for a scratch file the caller is done with: the store takes
    /// it. Into a local directory on the same filesystem it is renamed into place (no copy of
    /// its bytes; a reader sees the old object or the new one, never half a file); anywhere
    /// else it is put as `put_file` puts it, then removed.
    pub async fn move_file(
        &self,
        key: &str,
        path: &std::path::Path,
        content_type: &str,
    ) -> Result<(), StoreError> {
        if let Some(dir) = &self.directory {
            return self.local_file(dir, key, path, true);
        }
        self.put_file(key, path, content_type).await?;
        // Put: the scratch file is not needed again (nothing is lost if it stays).
        let _ = std::fs::remove_file(path);
        Ok(())
    }

    /// The file at `path` as the object `key` of the local directory `dir`. Taken (`take`):
    /// renamed into place, or on another filesystem copied and removed. Otherwise copied by
    /// the kernel (`copy_file_range`) next to its destination, then renamed over it, so a
    /// reader never sees half a file. With `--resume`, an identical object is left as it is.
    fn local_file(
        &self,
        dir: &std::path::Path,
        key: &str,
        path: &std::path::Path,
        take: bool,
    ) -> Result<(), StoreError> {
        self.track_put(key);
        let taken = || {
            if take {
                let _ = std::fs::remove_file(path);
            }
        };
        let target = dir.join(key);
        if self.resume && same_files(&target, path).unwrap_or(false) {
            self.counts.unchanged.fetch_add(1, Ordering::Relaxed);
            taken();
            return Ok(());
        }
        self.counts.written.fetch_add(1, Ordering::Relaxed);
        let scratch = |source| StoreError::Scratch {
            key: key.to_string(),
            path: path.to_path_buf(),
            source,
        };
        let put_error = |e: std::io::Error| {
            let source = object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(e),
            };
            self.put_error(key, source)
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(put_error)?;
        }
        if take {
            match std::fs::rename(path, &target) {
                Ok(()) => return Ok(()),
                // Another filesystem: copied below.
                Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {}
                Err(e) if !path.exists() => return Err(scratch(e)),
                Err(e) => return Err(put_error(e)),
            }
        }
        let partial = target.with_extension(format!(
            "{}.partial",
            target.extension().and_then(|e| e.to_str()).unwrap_or("")
        ));
        // Copied, not hard-linked: a link would share the file, so writing it again later
        // would change the object behind the store's back.
        match std::fs::copy(path, &partial) {
            Ok(_) => {}
            Err(e) if !path.exists() => return Err(scratch(e)),
            Err(e) => return Err(put_error(e)),
        }
        std::fs::rename(&partial, &target).map_err(put_error)?;
        taken();
        Ok(())
    }

    /// `Content-Type` and `Cache-Control` of a stored object, as the store reports them
    /// (`None` where it keeps no attributes, as on a local filesystem).
    pub async fn media_headers(
        &self,
        key: &str,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let result = self.head(key).await.map_err(|source| StoreError::Get {
            key: key.to_string(),
            url: self.url.clone(),
            source: Box::new(source),
        })?;
        let value = |a: &Attribute| result.attributes.get(a).map(|v| v.to_string());
        Ok((
            value(&Attribute::ContentType),
            value(&Attribute::CacheControl),
        ))
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
            Err(source) => Err(self.put_error(key, source)),
        }
    }

    /// Every key under the output, relative to it, sorted.
    pub async fn list(&self) -> Result<Vec<String>, StoreError> {
        self.list_under("").await
    }

    /// Every key under `folder` (a key prefix ending at a `/`, relative to the output; empty:
    /// all), relative to the output, sorted.
    pub async fn list_under(&self, folder: &str) -> Result<Vec<String>, StoreError> {
        let folder = folder.trim_end_matches('/');
        let under = if folder.is_empty() {
            self.prefix.clone()
        } else {
            self.path(folder)
        };
        let prefix = (!under.as_ref().is_empty()).then_some(&under);
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

    /// From now on, remembers which of `keys` (found in the output before the run) the run
    /// has not put; [`OutputStore::take_stale`] returns them.
    pub fn track_stale(&self, keys: impl IntoIterator<Item = String>) {
        if let Ok(mut stale) = self.stale.lock() {
            *stale = Some(keys.into_iter().collect());
        }
    }

    /// The tracked keys the run has not put, sorted; tracking stops.
    pub fn take_stale(&self) -> Vec<String> {
        let keys = self.stale.lock().ok().and_then(|mut s| s.take());
        let mut keys: Vec<String> = keys.unwrap_or_default().into_iter().collect();
        keys.sort();
        keys
    }

    /// Writes and removes a probe object, so an unwritable output fails before any work.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        const PROBE: &str = ".aftermath-write-probe";
        self.put(PROBE, Bytes::from_static(b"probe"), "text/plain")
            .await
            .map_err(|e| StoreError::Unwritable {
                url: self.url.clone(),
                source: Box::new(e),
            })?;
        // The probe is not an output: it does not count as written.
        self.counts.written.fetch_sub(1, Ordering::Relaxed);
        self.delete(PROBE).await
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file's bytes, read in 1 MiB pieces.
fn file_sha256_hex(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Whether two files hold the same bytes, read in 1 MiB pieces.
fn same_files(a: &std::path::Path, b: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let (mut fa, mut fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod tests;
