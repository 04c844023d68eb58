//! The crate's one error type, and the exit codes it maps to (part of the CLI's interface).

use crate::catalog::CatalogError;
pub use crate::error_kind::ErrorKind;
use crate::raster::RasterError;
use crate::spec::SpecError;
use crate::store::StoreError;

/// Exit codes: 0 ok, 1 run failed, 2 bad usage/pipeline/input, 3 finished with failed tiles,
/// 128 + the signal's number when a signal stopped the run (130 SIGINT, 143 SIGTERM).
pub mod exit_code {
    pub const OK: u8 = 0;
    pub const RUN_FAILED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const FAILED_TILES: u8 = 3;

    /// The shell's convention for a process stopped by `signal`.
    pub fn interrupted(signal: i32) -> u8 {
        (128 + signal.clamp(1, 127)) as u8
    }

    /// A signal's conventional name (`SIGTERM`), or its number.
    pub fn signal_name(signal: i32) -> String {
        match signal {
            1 => "SIGHUP".into(),
            2 => "SIGINT".into(),
            3 => "SIGQUIT".into(),
            15 => "SIGTERM".into(),
            n => format!("signal {n}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Read(#[from] RasterError),
    /// A scene's catalogue could not be read at all (its server did not answer).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("scenes {pre} and {post} do not overlap; pick scenes that cover the same area")]
    NoOverlap { pre: String, post: String },
    #[error("the area of interest {aoi} (lon/lat {aoi_bounds}) does not meet the scenes' data ({data_bounds}); check the file, its CRS and the scenes")]
    AoiMissesData {
        aoi: String,
        aoi_bounds: String,
        data_bounds: String,
    },
    #[error(
        "no tiles to write: the data lies outside the zoom range's tile grid; check [tiling] zoom"
    )]
    NoTiles,
    /// The output store failed this many uploads in a row: the run stopped trying.
    #[error(
        "the output store failed {in_a_row} uploads in a row (last: {message}); stopped \
         instead of retrying every tile; check the store, then run again with --resume"
    )]
    StoreDown {
        in_a_row: usize,
        message: String,
        /// (tile, why) of every upload that failed.
        failures: Vec<(String, String)>,
    },
    /// Every tile came out empty: no pixel of the product has a value.
    #[error("no valid pixel in the product: {why}; nothing was written")]
    NoValidPixels { why: String },
    #[error(
        "the plan holds {tiles} tiles (zooms {zooms}{}), above the ceiling of {limit} \
         ([tiling] max_tiles); choose a shallower [tiling] zoom, or raise [tiling] max_tiles \
         (or --max-tiles) on purpose",
        if *auto { ", chosen by zoom = \"auto\"" } else { "" }
    )]
    TooManyTiles {
        tiles: u64,
        zooms: crate::tiling::ZoomRange,
        limit: u64,
        auto: bool,
    },
    #[error("{what} failed: {message}")]
    Runtime { what: &'static str, message: String },
    #[error(
        "interrupted by {}: the tiles in flight were written, run.json was not; \
         run again with --resume to finish the job",
        exit_code::signal_name(*signal)
    )]
    Interrupted { signal: i32 },
    #[error("{0}")]
    ShardUsage(String),
    #[error(
        "shard(s) {} of {count} have not finished (no marker under _shards/ in the output): \
         run them (again, with --resume) before `aftermath finalize`",
        missing.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
    )]
    ShardsUnfinished { missing: Vec<usize>, count: usize },
}

impl From<crate::tiling::InvalidShard> for Error {
    fn from(e: crate::tiling::InvalidShard) -> Self {
        Error::ShardUsage(e.to_string())
    }
}

impl Error {
    /// What the caller can do about it (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Spec(_)
            | Error::NoOverlap { .. }
            | Error::AoiMissesData { .. }
            | Error::NoTiles
            | Error::NoValidPixels { .. }
            | Error::TooManyTiles { .. }
            | Error::ShardUsage(_) => ErrorKind::Input,
            Error::Read(e) => e.kind(),
            Error::Catalog(e) if e.is_transient() => ErrorKind::Transient,
            Error::Catalog(_) => ErrorKind::Input,
            Error::Store(e) => e.kind(),
            // Run the missing shards (again), then finalize again.
            Error::StoreDown { .. } | Error::ShardsUnfinished { .. } => ErrorKind::Transient,
            Error::Runtime { .. } => ErrorKind::Internal,
            Error::Interrupted { .. } => ErrorKind::Interrupted,
        }
    }

    /// The exit code: the kind's, or 128 + the signal's number.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Interrupted { signal } => exit_code::interrupted(*signal),
            _ => self.kind().exit_code(),
        }
    }
}
