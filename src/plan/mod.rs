//! The validated pipeline: what `spec::compile` produces from a pipeline file and what
//! the runner executes. Every value here has been checked; paths are resolved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::compute::expression::Expression;
use crate::compute::mask::MaskRule;
use crate::compute::Epoch;
pub use crate::compute::Formula;
use crate::render::{Style, TileEncoding};
use crate::store::StoreConfig;
use crate::tiling::ZoomRange;

pub mod datetime;
mod problem;
mod resampling;
mod scene;

pub use problem::Problem;

pub use resampling::Resampling;
pub use scene::{
    Acquisition, BandSource, Encoding, Reduction, Scene, SceneMask, SourceItem, StackLayout,
    QUALITY_BANDS,
};

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
    /// `[product] aoi`: the file of the area of interest's polygons.
    pub aoi: Option<String>,
    /// What is valid but probably not meant (`` `key`: message ``), for validate, plan and run
    /// to print.
    pub warnings: Vec<String>,
}

impl Plan {
    /// The name shown to people (TileJSON, legend, STAC): `title`, else `name`.
    pub fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }

    /// A hash of what decides the output's content (scenes, product, style, tiling, format),
    /// recorded in `run.json` and shard markers: two runs with the same fingerprint write the
    /// same objects from the same inputs. Not included: the output URL, store options and
    /// credentials, the tile ceiling, titles.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let what = format!(
            "{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}|{:?}|{}",
            self.scenes,
            self.product,
            self.style,
            self.tiling.zoom,
            self.tiling.tile_size,
            self.tiling.resampling,
            self.output.format,
            self.output.encoding,
            self.output.products,
        );
        // Only when set: a plan without an area hashes as it did before areas existed.
        let what = match &self.aoi {
            Some(aoi) => format!("{what}|aoi:{aoi}"),
            None => what,
        };
        Sha256::digest(what.as_bytes())
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub formula: Formula,
    /// Which scene plays which role for catalogue indices (`Single`, or `Pre` and `Post`);
    /// empty for expressions, which name their scenes.
    pub roles: Vec<(Epoch, String)>,
    /// The `(scene, band)` pairs read, in the order [`Product::compute`] takes them: first the
    /// formula's, then the mask's.
    pub reads: Vec<(String, String)>,
    /// Pixels where the mask is non-zero or nodata are nodata in the product.
    pub mask: Option<Expression>,
    /// Where the product rasters (COGs, areas, polygons) are computed.
    pub grid: ProductGrid,
    /// Patches of a class smaller than this are merged into their largest neighbour.
    pub min_mapping_unit: MinMappingUnit,
    /// The quality rules of the scenes read (a pixel masked in either scene is masked), one
    /// read each, after the mask expression's reads.
    pub quality: Vec<MaskRule>,
}

impl Product {
    /// `dnbr`, `ndvi`, … or `expression`.
    pub fn name(&self) -> &str {
        match &self.formula {
            Formula::Index(i) => i.name(),
            Formula::Expression(_) => "expression",
            Formula::WaterChange { .. } => "water_change",
            Formula::Composite => "composite",
        }
    }

    /// Values per pixel: three planes for a composite, one otherwise.
    pub fn channels(&self) -> usize {
        match self.formula {
            Formula::Composite => 3,
            _ => 1,
        }
    }

    /// The scenes the product reads, each once, in the order it first reads them.
    pub fn scenes_read(&self) -> Vec<&str> {
        let mut scenes: Vec<&str> = Vec::new();
        for (scene, _) in &self.reads {
            if !scenes.contains(&scene.as_str()) {
                scenes.push(scene);
            }
        }
        scenes
    }

    pub fn role_of(&self, scene: &str) -> Option<Epoch> {
        self.roles.iter().find(|(_, s)| s == scene).map(|(e, _)| *e)
    }

    /// Evaluates over one tile; `bands[i]` holds the pixels of `reads[i]`.
    pub fn compute(&self, bands: &[&[f32]]) -> Vec<f32> {
        crate::compute::evaluate(&self.formula, self.mask.as_ref(), &self.quality, bands)
    }
}

/// `[product] min_area_ha` and `sieve_classes`: the smallest patch of a class kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinMappingUnit {
    /// Hectares; 0 keeps every patch.
    pub hectares: f64,
    /// Sieve `classes.tif` and the class areas of `stats.json` too, not only the polygons.
    pub in_classes: bool,
}

impl MinMappingUnit {
    /// Half a hectare: 50 Sentinel-2 pixels of 10 m, 5–6 Landsat pixels of 30 m.
    pub const DEFAULT_HECTARES: f64 = 0.5;
}

impl Default for MinMappingUnit {
    fn default() -> Self {
        MinMappingUnit {
            hectares: Self::DEFAULT_HECTARES,
            in_classes: false,
        }
    }
}

/// The grid of the product rasters.
#[derive(Debug, Clone, PartialEq)]
pub enum ProductGrid {
    /// The grid of the first scene the product reads (its CRS, resolution and extent).
    FirstScene,
    /// The grid of this scene.
    Scene(String),
    /// The area all scenes cover, in `crs` (anything GDAL reads: `EPSG:3035`, WKT, PROJ) at
    /// square `resolution` pixels in the CRS's units.
    Custom { crs: String, resolution: f64 },
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
    /// Plans with more tiles than this are refused (`[tiling] max_tiles`, `--max-tiles`).
    pub max_tiles: u64,
}

/// The ceiling of tiles a plan may hold unless `[tiling] max_tiles` or `--max-tiles` raises
/// it: ten million tiles is a country at zoom 14, hundreds of GB of PNGs; a plan above it is
/// far more often a mistake (a zoom range too deep for the area) than a wish.
pub const DEFAULT_MAX_TILES: u64 = 10_000_000;

/// The largest tile side: a 1024² tile of four f32 channels is 16 MiB, and a worker holds
/// up to four per zoom level of a branch, so larger tiles would let memory grow past the
/// budget documented in the README.
pub const MAX_TILE_SIZE: u32 = 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Where the tiles go: `file:///…`, a plain path (already absolute), or `memory://`.
    pub url: String,
    /// The base URL clients will read the tiles from, written into TileJSON; defaults to `url`.
    pub tile_url: Option<String>,
    /// Backend options and `Cache-Control`.
    pub store: StoreConfig,
    pub format: TileFormat,
    pub encoding: TileEncoding,
    /// Whether the product rasters (COGs, areas, polygons) are written after the tiles.
    pub products: bool,
}

/// How the tiles are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileFormat {
    /// One PNG object per tile, `{z}/{x}/{y}.png`.
    Xyz,
    /// One PMTiles v3 archive, `tiles.pmtiles`.
    Pmtiles,
}
