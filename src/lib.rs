//! aftermath: satellite rasters in, damage-index web map tiles out.
//!
//! Data flows one way: [`spec`] (pipeline file) → [`plan`] → [`catalog`] (what a scene is
//! made of) → [`raster`] (GDAL: read, warp, write COGs) → [`compute`] (indices, resampling,
//! masks) → [`render`] (colour, PNG/WebP) → [`store`] (object_store). [`runner`] is the only
//! module that knows all stages; [`layout`] knows where every object goes, [`metadata`] writes
//! the documents published with the tiles, [`job`] and [`report`] say what a run is and did,
//! and [`cli`] is the command line. `docs/architecture.md` describes the rooms.

pub mod catalog;
pub mod cli;
pub mod compute;
pub mod error;
pub mod error_kind;
pub mod job;
pub mod layout;
pub mod markup;
pub mod metadata;
pub mod plan;
pub mod raster;
pub mod render;
pub mod report;
pub mod runner;
pub mod secrets;
pub mod spec;
pub mod store;
pub mod tiling;

pub use error::Error;
