//! aftermath: satellite rasters in, damage-index web map tiles out.
//!
//! Data flows one way: [`spec`] (pipeline file) → [`plan`] → [`read`] (GDAL) → [`compute`]
//! (indices) → [`render`] (colour, PNG) → [`store`] (object_store). [`runner`] is the only
//! module that knows all stages; [`metadata`] writes the documents published with the tiles.

pub mod compute;
pub mod error;
pub mod metadata;
pub mod plan;
pub mod read;
pub mod render;
pub mod runner;
pub mod secrets;
pub mod spec;
pub mod store;
pub mod tiling;

pub use error::Error;
