use std::path::PathBuf;

use crate::error_kind::ErrorKind;
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
        redact(&source.to_string())
    )]
    Unwritable {
        url: String,
        /// The probe's failed put.
        #[source]
        source: Box<StoreError>,
    },
    #[error("writing `{key}` to {} failed: {}", redact(url), redact(&source.to_string()))]
    Put {
        key: String,
        url: String,
        #[source]
        source: Box<object_store::Error>,
    },
    #[error("reading the scratch file {} to upload as `{key}` failed: {source}", path.display())]
    Scratch {
        key: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
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
    /// What the caller can do: fix the URL or options, fix credentials or permissions, or
    /// retry (a network or server failure).
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Url { .. } => ErrorKind::Input,
            StoreError::CreateDirectory { source, .. } => io_kind(source, ErrorKind::Input),
            StoreError::Scratch { source, .. } => io_kind(source, ErrorKind::Internal),
            StoreError::Unwritable { source, .. } => source.kind(),
            StoreError::Put { source, .. } | StoreError::Get { source, .. } => {
                object_store_kind(source)
            }
        }
    }

    /// Whether the object asked for does not exist (as opposed to the store failing).
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::Get { source, .. }
            if matches!(**source, object_store::Error::NotFound { .. }))
    }
}

/// object_store names what went wrong for the errors a caller acts on (NotFound,
/// PermissionDenied, Unauthenticated); the rest (`Generic`) wrap the backend's error: an I/O
/// error of a local directory, or an HTTP failure (after object_store's own retries).
fn object_store_kind(error: &object_store::Error) -> ErrorKind {
    use object_store::Error as E;
    match error {
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => ErrorKind::OutputRefused,
        // A bucket or container that does not exist.
        E::NotFound { .. } => ErrorKind::Input,
        E::UnknownConfigurationKey { .. } | E::NotSupported { .. } | E::NotImplemented { .. } => {
            ErrorKind::Input
        }
        E::Generic { .. } => {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
            while let Some(e) = cause {
                if let Some(io) = e.downcast_ref::<std::io::Error>() {
                    return io_kind(io, ErrorKind::Internal);
                }
                if e.downcast_ref::<object_store::client::HttpError>()
                    .is_some()
                {
                    return ErrorKind::Transient;
                }
                cause = e.source();
            }
            // A server's answer object_store does not name (a 5xx after its retries, a body
            // it cannot parse): the store's side, which a later run may not meet again.
            ErrorKind::Transient
        }
        _ => ErrorKind::Internal,
    }
}

/// A local directory's I/O error: permissions and a full disk or quota are the output
/// refusing the run; anything else is `otherwise`.
fn io_kind(error: &std::io::Error, otherwise: ErrorKind) -> ErrorKind {
    // ENOSPC and EDQUOT (Linux): no space left, quota exceeded.
    const NO_SPACE: i32 = 28;
    const QUOTA: i32 = 122;
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => ErrorKind::OutputRefused,
        _ if matches!(error.raw_os_error(), Some(NO_SPACE | QUOTA)) => ErrorKind::OutputRefused,
        _ => otherwise,
    }
}
