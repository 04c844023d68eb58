//! aftermath: satellite rasters in, damage-index web map tiles out.
//!
//! Data flows one way: [`spec`] (pipeline file) → [`plan`] → [`read`] (GDAL) → [`compute`]
//! (indices) → [`render`] (colour, PNG) → [`store`] (object_store). [`runner`] is the only
//! module that knows all stages; [`metadata`] writes the documents published with the tiles.

pub mod catalog;
pub mod cli;
pub mod compute;
pub mod error;
pub mod error_kind;
pub mod job;
pub mod layout;
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
