//! The pipeline file as written: every field optional so that compile can report all missing
//! ones at once. See the README's "Writing a pipeline file" for the meaning of each key.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct PipelineSpec {
    pub name: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub attribution: Option<String>,
    #[serde(default)]
    pub scenes: BTreeMap<String, SceneSpec>,
    pub product: Option<ProductSpec>,
    pub render: Option<RenderSpec>,
    #[serde(default)]
    pub tiling: TilingSpec,
    pub output: Option<OutputSpec>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SceneSpec {
    /// A multi-band raster that band numbers refer to.
    pub file: Option<String>,
    /// Several rasters with the same band layout (granules, tiles of a mosaic, dates of a
    /// composite), in any CRS: a list, or a glob pattern. Mosaicked in order, the first valid
    /// pixel winning, unless `reduce` composites them over their dates.
    pub files: Option<FilesSpec>,
    /// A temporal composite of the `files`' acquisitions: `median`, `mean`, `min`, `max`,
    /// `first`, `last`.
    pub reduce: Option<String>,
    /// Items of a STAC catalogue: `"items.json"` (an Item, an ItemCollection or a static
    /// catalog, a path or an http(s) URL) or a search of a STAC API.
    pub stac: Option<StacSpec>,
    /// A Landsat Level-1 `_MTL.txt`: band files by name and TOA reflectance scale/offset.
    pub mtl: Option<String>,
    /// A sensor preset (`sentinel-2-l2a`, `landsat-8-9-c2-l2`, …): band names, nodata and
    /// scale/offset of that product, for `file` (a stack in the preset's band order) or `dir`.
    pub sensor: Option<String>,
    /// A product folder (`.SAFE`, Landsat product, per-band COGs) the preset finds bands in.
    pub dir: Option<String>,
    /// Sentinel-2 processing baseline (`"05.09"`) when the folder has no MTD XML.
    pub processing_baseline: Option<String>,
    /// Sentinel-1 σ⁰ units: `"db"` or `"linear"`.
    pub backscatter: Option<String>,
    /// Quality mask: `"scl"`, `"qa_pixel"` (default rules) or a table.
    pub mask: Option<MaskSpec>,
    pub datetime: Option<String>,
    /// Applied to every band unless the band says otherwise: value = DN · scale + offset.
    pub scale: Option<f64>,
    pub offset: Option<f64>,
    /// Raw DN marking missing pixels; defaults to the file's own nodata value.
    pub nodata: Option<f64>,
    #[serde(default)]
    pub bands: BTreeMap<String, BandSpec>,
}

/// `stac = "items.json"` or `stac = { api = "https://…", collections = […], … }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StacSpec {
    Href(String),
    Search(StacSearchSpec),
}

/// A STAC API item search (`POST /search`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StacSearchSpec {
    /// The API's landing page.
    pub api: String,
    #[serde(default)]
    pub collections: Vec<String>,
    /// An RFC 3339 instant or interval (`2025-01-01/2025-01-06`, open ends as `..`).
    pub datetime: Option<String>,
    /// The query extension's object: `{ "eo:cloud_cover" = { lt = 20 } }`.
    pub query: Option<serde_json::Map<String, serde_json::Value>>,
    /// `[west, south, east, north]` in degrees; by default the area of interest's, else the
    /// other scenes'.
    pub bbox: Option<Vec<f64>>,
    /// The most items the search may return before the run refuses it (default 1000).
    pub max_items: Option<usize>,
    /// Items per page (the API's `limit`, default 100); the pages are followed.
    pub limit: Option<u64>,
}

/// `files = ["a.tif", "b.tif"]` or `files = "granules/*.tif"`; an entry may carry its
/// acquisition time: `{ file = "a.tif", datetime = "2025-01-01T10:56:31Z" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FilesSpec {
    Pattern(String),
    List(Vec<FileSpec>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileSpec {
    Plain(String),
    Dated(DatedFile),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedFile {
    /// A location or glob pattern.
    pub file: String,
    pub datetime: Option<String>,
}

impl FileSpec {
    pub fn file(&self) -> &String {
        match self {
            FileSpec::Plain(file) | FileSpec::Dated(DatedFile { file, .. }) => file,
        }
    }

    pub fn datetime(&self) -> Option<&str> {
        match self {
            FileSpec::Plain(_) => None,
            FileSpec::Dated(d) => d.datetime.as_deref(),
        }
    }
}

/// `mask = "scl"`, `mask = { scl = [3, 8, 9] }`, `mask = { qa_pixel = ["cloud"] }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MaskSpec {
    Default(String),
    Table(MaskTable),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskTable {
    /// Sentinel-2 SCL classes to mask.
    pub scl: Option<Vec<i64>>,
    /// Landsat QA_PIXEL bits to mask, by name.
    pub qa_pixel: Option<Vec<String>>,
    /// The band holding the quality codes (default `scl` or `qa_pixel`).
    pub band: Option<String>,
}

/// `nir = 4` (band of the scene's file), `nir = "B4.TIF"` (band 1 of that file), `nir = "B08"`
/// (the band of the scene's file or files so described), or a table.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum BandSpec {
    Number(i64),
    File(String),
    Table(BandTable),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandTable {
    pub file: Option<String>,
    pub band: Option<BandRef>,
    pub scale: Option<f64>,
    pub offset: Option<f64>,
    pub nodata: Option<f64>,
}

/// A band of a file by number (`4`) or by its description (`"B08"`, as `gdalinfo` shows it).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BandRef {
    Number(i64),
    Described(String),
}

#[derive(Debug, Default, Deserialize)]
pub struct ProductSpec {
    pub index: Option<String>,
    /// Band maths instead of a catalogue index, e.g. `(post.nir - post.red) / (post.nir + post.red)`.
    pub expression: Option<String>,
    /// Pixels where this expression is non-zero (or nodata) become nodata, e.g. clouds.
    pub mask: Option<String>,
    /// The scene of a single-date index (default: the only scene, or `post`).
    pub scene: Option<String>,
    /// The scenes of a change index (default: `pre` and `post`).
    pub pre: Option<String>,
    pub post: Option<String>,
    /// `water_change`: the water index, `mndwi` (default) or `ndwi`.
    pub water_index: Option<String>,
    /// `water_change`: a pixel is water where the water index exceeds this (default 0).
    pub threshold: Option<f64>,
    /// The grid of the product rasters: a scene's name, or `{ crs, resolution }`.
    pub grid: Option<GridSpec>,
    /// The area of interest: polygons in any file OGR reads; outside them is nodata.
    pub aoi: Option<String>,
    /// Three bands as red, green and blue: a named composite or three band names.
    pub composite: Option<CompositeSpec>,
    /// Class patches smaller than this many hectares are merged into their largest neighbour
    /// before polygons are drawn (default 0.5; 0 keeps every patch).
    pub min_area_ha: Option<f64>,
    /// `true`: `classes.tif` and the class areas of `stats.json` are sieved too.
    pub sieve_classes: Option<bool>,
}

/// `composite = "swir"` or `composite = ["swir2", "nir", "red"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CompositeSpec {
    Named(String),
    Bands(Vec<String>),
}

/// `grid = "post"` or `grid = { crs = "EPSG:3035", resolution = 20 }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum GridSpec {
    Scene(String),
    Custom(CustomGridSpec),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomGridSpec {
    pub crs: Option<String>,
    pub resolution: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RenderSpec {
    pub ramp: Option<String>,
    pub range: Option<RangeSpec>,
    pub classes: Option<ClassesSpec>,
    /// Composites: percentiles `[low, high]` of each band shown as black and full intensity.
    pub stretch: Option<Vec<f64>>,
}

/// `range = [min, max]`, or for a composite one pair per channel.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RangeSpec {
    One(Vec<f64>),
    PerChannel(Vec<Vec<f64>>),
}

/// A shipped table by name (`"dnbr-usgs"`) or `[[render.classes]]` entries.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ClassesSpec {
    Shipped(String),
    Table(Vec<ClassSpec>),
}

#[derive(Debug, Default, Deserialize)]
pub struct ClassSpec {
    pub name: Option<String>,
    /// Inclusive lower bound; absent means −∞.
    pub min: Option<f64>,
    /// Exclusive upper bound; absent means +∞.
    pub max: Option<f64>,
    /// Exclusive lower bound (values above it), instead of `min`.
    pub above: Option<f64>,
    /// Inclusive upper bound (values up to and including it), instead of `max`.
    pub up_to: Option<f64>,
    pub color: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TilingSpec {
    pub zoom: Option<ZoomSpec>,
    pub tile_size: Option<i64>,
    pub resampling: Option<String>,
    /// The most tiles a plan may hold (default [`crate::plan::DEFAULT_MAX_TILES`]); raise it
    /// on purpose for a large job.
    pub max_tiles: Option<i64>,
}

/// `"auto"`, `"10-14"`, `12`, or `[10, 14]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ZoomSpec {
    Text(String),
    Level(i64),
    Pair(Vec<i64>),
}

#[derive(Debug, Default, Deserialize)]
pub struct OutputSpec {
    pub url: Option<String>,
    pub tile_url: Option<String>,
    /// Object-store options by object_store's names (`aws_endpoint`, `aws_region`, …);
    /// credentials belong in the environment, not here.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// `Cache-Control` of every object written, e.g. `"public, max-age=3600"`.
    pub cache_control: Option<String>,
    /// `"png"` (one object per tile, the default) or `"pmtiles"` (one archive).
    pub format: Option<String>,
    /// `false`: tiles and their documents only, no product rasters (COGs, areas, polygons).
    pub products: Option<bool>,
}
