//! CATALOG: what a scene is made of before any pixel is read — sensor presets (band names,
//! files, scale and offset), product-folder discovery (`.SAFE`, Landsat scene folders),
//! Sentinel-2 metadata and Landsat MTL files. Plain files and text: no GDAL here.

mod discovery;
mod error;
pub mod landsat_mtl;
mod sensor;
mod sentinel2;

pub use error::CatalogError;
pub use sensor::{PresetOptions, Sensor};
