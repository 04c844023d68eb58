use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("output `{url}` is not usable: {message}")]
    Url { url: String, message: String },
    #[error(
        "cannot create output directory {path}: {source}; choose another output with --output"
    )]
    CreateDirectory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "output `{url}` is not writable: {message}; check permissions or choose another output"
    )]
    Unwritable { url: String, message: String },
    #[error("writing `{key}` to {url} failed: {source}")]
    Put {
        key: String,
        url: String,
        #[source]
        source: Box<object_store::Error>,
    },
    #[error("reading `{key}` from {url} failed: {source}")]
    Get {
        key: String,
        url: String,
        #[source]
        source: Box<object_store::Error>,
    },
}

impl StoreError {
    /// Whether the object asked for does not exist (as opposed to the store failing).
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::Get { source, .. }
            if matches!(**source, object_store::Error::NotFound { .. }))
    }
}
