//! The validated pipeline: what [`crate::spec::compile`] produces from a pipeline file and what
//! the runner executes. Every value here has been checked; paths are resolved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::compute::{Epoch, Index};
use crate::read::{BandSource, Resampling};
use crate::render::Style;
use crate::tiling::ZoomRange;

#[derive(Debug, Clone)]
pub struct Plan {
    /// The pipeline file this plan was compiled from.
    pub pipeline: PathBuf,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub attribution: Option<String>,
    pub scenes: BTreeMap<String, Scene>,
    pub product: Product,
    pub style: Style,
    pub tiling: Tiling,
    pub output: Output,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub name: String,
    /// Acquisition date/time as written by the analyst (RFC 3339 or a plain date).
    pub datetime: Option<String>,
    /// Band name (`red`, `nir`, …) → where its pixels are.
    pub bands: BTreeMap<String, BandSource>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub index: Index,
    /// Which scene plays which role: `Single`, or `Pre` and `Post`.
    pub scenes: Vec<(Epoch, String)>,
}

impl Product {
    pub fn scene_for(&self, epoch: Epoch) -> Option<&str> {
        self.scenes
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(_, s)| s.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ZoomChoice {
    /// From the source resolution and extent, as gdal2tiles chooses.
    Auto,
    Range(ZoomRange),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tiling {
    pub zoom: ZoomChoice,
    pub tile_size: u32,
    pub resampling: Resampling,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Where the tiles go: `file:///…`, a plain path (already absolute), or `memory://`.
    pub url: String,
    /// The base URL clients will read the tiles from, written into TileJSON; defaults to `url`.
    pub tile_url: Option<String>,
}
