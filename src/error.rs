//! The crate's one error type, and the exit codes it maps to (part of the CLI's interface).

use crate::read::ReadError;
use crate::spec::SpecError;
use crate::store::StoreError;

/// Exit codes: 0 ok, 1 run failed, 2 bad usage/pipeline/input, 3 finished with failed tiles.
pub mod exit_code {
    pub const OK: u8 = 0;
    pub const RUN_FAILED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const FAILED_TILES: u8 = 3;
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("scenes {pre} and {post} do not overlap; pick scenes that cover the same area")]
    NoOverlap { pre: String, post: String },
    #[error(
        "no tiles to write: the data lies outside the zoom range's tile grid; check [tiling] zoom"
    )]
    NoTiles,
    #[error("{what} failed: {message}")]
    Runtime { what: &'static str, message: String },
}

impl Error {
    /// Input and configuration problems are the caller's to fix (2); the rest failed the run (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Spec(_) | Error::NoOverlap { .. } | Error::NoTiles => exit_code::BAD_INPUT,
            Error::Read(ReadError::Warp { .. }) => exit_code::RUN_FAILED,
            Error::Read(_) => exit_code::BAD_INPUT,
            Error::Store(StoreError::Put { .. } | StoreError::Get { .. }) => exit_code::RUN_FAILED,
            Error::Store(_) => exit_code::BAD_INPUT,
            Error::Runtime { .. } => exit_code::RUN_FAILED,
        }
    }
}
