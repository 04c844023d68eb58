use std::path::PathBuf;

use crate::secrets::redact;

/// Store errors quote URLs, the builders' messages and servers' answers (which may echo
/// request headers): each is shown through [`redact`], so no credential reaches a log line,
/// a summary or stderr, wherever the error is displayed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("output `{}` is not usable: {}", redact(url), redact(message))]
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
        "output `{}` is not writable: {}; check permissions or choose another output",
        redact(url),
        redact(message)
    )]
    Unwritable { url: String, message: String },
    #[error("writing `{key}` to {} failed: {}", redact(url), redact(&source.to_string()))]
    Put {
        key: String,
        url: String,
        #[source]
        source: Box<object_store::Error>,
    },
    #[error("reading `{key}` from {} failed: {}", redact(url), redact(&source.to_string()))]
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
