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
}
