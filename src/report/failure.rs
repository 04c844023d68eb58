//! What a command that failed prints with `--json`: the status, exit code and message (and,
//! when the store went down, the uploads that failed).

use std::fmt;

use serde::Serialize;

use crate::error::{exit_code, Error, ErrorKind};

#[derive(Debug, Serialize)]
pub struct FailureReport {
    /// `interrupted` (a signal stopped the run) or `error`.
    pub status: &'static str,
    pub exit_code: u8,
    /// What the caller can do: `input`, `output_refused`, `transient`, `internal` or
    /// `interrupted` (see `docs/operations.md`).
    pub kind: ErrorKind,
    /// The signal's name when one stopped the run.
    pub signal: Option<String>,
    /// The message, credentials redacted (it may quote a server's answer or a URL).
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<FailedUpload>>,
}

#[derive(Debug, Serialize)]
pub struct FailedUpload {
    pub tile: String,
    pub message: String,
}

impl FailureReport {
    pub fn new(error: &Error) -> Self {
        let (status, signal) = match error {
            Error::Interrupted { signal } => ("interrupted", Some(exit_code::signal_name(*signal))),
            _ => ("error", None),
        };
        let failures = match error {
            Error::StoreDown { failures, .. } => Some(
                failures
                    .iter()
                    .map(|(tile, message)| FailedUpload {
                        tile: tile.clone(),
                        message: message.clone(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        FailureReport {
            status,
            exit_code: error.exit_code(),
            kind: error.kind(),
            signal,
            error: crate::secrets::redact(&error.to_string()),
            failures,
        }
    }
}

impl fmt::Display for FailureReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.error)
    }
}
