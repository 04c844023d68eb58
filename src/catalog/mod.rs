//! CATALOG: what a scene is made of before any pixel is read — sensor presets (band names,
//! files, scale and offset), product-folder discovery (`.SAFE`, Landsat scene folders),
//! Sentinel-2 metadata and Landsat MTL files. Plain files and text: no GDAL here.
//!
//! `spec::compile` describes each scene as a [`SceneDraft`] without touching a file;
//! [`resolve`] (called by the runner) reads what the drafts name.

mod acquisitions;
mod discovery;
mod draft;
mod error;
pub mod landsat_mtl;
mod resolve;
mod sensor;
mod sentinel2;
pub mod stac;

pub use draft::{
    BandDraft, FileDraft, FilesDraft, PresetDraft, PresetPlace, PresetScaling, SceneDraft,
};
pub use resolve::{resolve, DescribedBand, Resolved};

pub use error::CatalogError;
pub use sensor::{PresetOptions, Sensor};
