//! What can be wrong with a scene's files before a pixel is read. Each message names the
//! file or folder and says what to do; the pipeline compiler reports it under the scene's key.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a folder", path.display())]
    NotAFolder { path: PathBuf },
    /// A metadata file (MTL, MTD XML) that lacks or garbles what the scene needs.
    #[error("{}: {problem}", path.display())]
    Metadata { path: PathBuf, problem: String },
    /// No file, or two equally good files, for the preset's bands under a folder.
    #[error("{problem}")]
    Files { problem: String },
    /// A preset option the pipeline must give or fix.
    #[error("{problem}")]
    Option { problem: String },
    /// A STAC document or API answer that cannot be used.
    #[error("STAC {href}: {problem}")]
    Stac { href: String, problem: String },
    /// The STAC server did not answer (no connection, a timeout, a 5xx): try again later.
    #[error("the STAC server at {url} did not answer ({message}); check it is up and reachable, then run again")]
    StacUnreachable { url: String, message: String },
    #[error("the STAC search found no item: {query}; widen its datetime, query or area")]
    NoItems { query: String },
    /// An item that lacks what a band needs.
    #[error("item `{item}`, band `{band}`: {problem}")]
    Asset {
        item: String,
        band: String,
        problem: String,
    },
    #[error("{problem}; give each scene the items of one sensor and product level")]
    MixedSensors { problem: String },
}

impl CatalogError {
    /// Whether running again later may succeed (an unreachable server), rather than the
    /// pipeline needing a fix.
    pub fn is_transient(&self) -> bool {
        matches!(self, CatalogError::StacUnreachable { .. })
    }
}
