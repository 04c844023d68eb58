//! A scene: its bands, where their pixels are and what their values mean.

use std::collections::BTreeMap;

use crate::compute::mask::MaskRule;
use crate::compute::reduce::Reducer;

#[derive(Clone, PartialEq)]
pub struct Scene {
    pub name: String,
    /// Acquisition date/time as written by the analyst (RFC 3339 or a plain date).
    pub datetime: Option<String>,
    /// Band name (`red`, `nir`, …) → where its pixels are (in the first raster of a mosaic).
    pub bands: BTreeMap<String, BandSource>,
    /// The further rasters of a mosaic (`files = […]`), each with the same band names, in
    /// order: where the rasters before have no valid pixel, the next one's is taken.
    pub mosaic: Vec<BTreeMap<String, BandSource>>,
    /// Pixels this quality rule flags are nodata in every product reading the scene.
    pub mask: Option<SceneMask>,
    /// `reduce = "…"`: the scene is a composite over its acquisitions, not one mosaic.
    pub reduce: Option<Reduction>,
    /// The STAC items the rasters come from (`stac = …`), one per raster, in raster order.
    pub items: Vec<SourceItem>,
    /// Where they were found: the catalogue's location, or the API and the search sent.
    pub catalogue: Option<String>,
}

/// A STAC item a scene reads, as the run record and `derived_from` links name it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceItem {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datetime: Option<String>,
    /// Where the item was read: its file or URL, or the API's `self` link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(
        default,
        rename = "eo:cloud_cover",
        skip_serializing_if = "Option::is_none"
    )]
    pub cloud_cover: Option<f64>,
    #[serde(skip)]
    pub bbox: Option<[f64; 4]>,
    /// The item's GeoJSON geometry, as text.
    #[serde(skip)]
    pub geometry: Option<String>,
}

impl Scene {
    /// The files of the scene's raster `i` (0: `bands`, `i`: `mosaic[i - 1]`), each once.
    pub fn raster_files(&self, i: usize) -> Vec<String> {
        let bands = if i == 0 {
            Some(&self.bands)
        } else {
            self.mosaic.get(i - 1)
        };
        let mut files: Vec<String> = Vec::new();
        for source in bands.into_iter().flat_map(BTreeMap::values) {
            if !files.contains(&source.location) {
                files.push(source.location.clone());
            }
        }
        files
    }
}

/// A temporal composite: the scene's rasters grouped into acquisitions, each a mosaic, and
/// how their values become one per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Reduction {
    pub reducer: Reducer,
    /// In time order (as given, when the files carry no `datetime`).
    pub acquisitions: Vec<Acquisition>,
}

/// The rasters of one acquisition (one day's granules), mosaicked in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Acquisition {
    /// The earliest `datetime` among its files, as written.
    pub datetime: Option<String>,
    /// Positions among the scene's rasters: 0 is `bands`, `i` is `mosaic[i - 1]`.
    pub rasters: Vec<usize>,
}

/// As derived, but without `mosaic` when the scene has one raster, without `reduce` when
/// it is not a composite, and without `items` (their assets are in `bands`): the plan's fingerprint
/// (a hash of this text) stays what it was before mosaics, so re-runs over outputs of older
/// versions still recognise their pipeline.
impl std::fmt::Debug for Scene {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Scene");
        s.field("name", &self.name)
            .field("datetime", &self.datetime)
            .field("bands", &self.bands);
        if !self.mosaic.is_empty() {
            s.field("mosaic", &self.mosaic);
        }
        s.field("mask", &self.mask);
        if let Some(reduce) = &self.reduce {
            s.field("reduce", reduce);
        }
        s.finish()
    }
}

/// A quality rule over one band of a scene (`scl`, `qa_pixel`).
#[derive(Debug, Clone, PartialEq)]
pub struct SceneMask {
    pub band: String,
    pub rule: MaskRule,
}

/// Where one named band's pixels are. Values read are `DN · scale + offset` (then converted
/// from decibels when [`Encoding::Decibels`]); `nodata` is the raw DN marking missing pixels
/// (`None`: the file's own nodata value, if any).
#[derive(Debug, Clone, PartialEq)]
pub struct BandSource {
    /// A path or GDAL virtual path (`/vsicurl/…`, `/vsis3/…`).
    pub location: String,
    /// 1-based band number in that file.
    pub band: usize,
    pub scale: f64,
    pub offset: f64,
    pub nodata: Option<f64>,
    pub encoding: Encoding,
    /// σ⁰ backscatter, which formulas see as linear power (never negative; `db()` gives dB).
    pub backscatter: bool,
    /// Set by a sensor preset applied to a band stack: the file must have exactly this many
    /// bands, or the preset's band numbers mean something else.
    pub stack: Option<StackLayout>,
}

impl BandSource {
    /// Band `band` of `location`, values as stored.
    pub fn new(location: impl Into<String>, band: usize) -> Self {
        BandSource {
            location: location.into(),
            band,
            scale: 1.0,
            offset: 0.0,
            nodata: None,
            encoding: Encoding::Linear,
            backscatter: false,
            stack: None,
        }
    }
}

/// Band names that hold quality codes (Sentinel-2 SCL, Landsat QA_PIXEL): read as
/// [`Encoding::Categorical`] whatever the source.
pub const QUALITY_BANDS: [&str; 2] = ["scl", "qa_pixel"];

/// What a band's values are, which decides how they are resampled and converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A physical quantity (reflectance, linear backscatter): resampled as the pipeline says.
    Linear,
    /// Backscatter in dB: resampled as stored, then turned into linear power 10^(v/10), so
    /// every formula sees linear values.
    Decibels,
    /// Codes or bit fields (Sentinel-2 SCL, Landsat QA_PIXEL): always nearest neighbour,
    /// never scaled.
    Categorical,
}

/// The band count a sensor preset expects of a stacked file.
#[derive(Debug, Clone, PartialEq)]
pub struct StackLayout {
    pub sensor: &'static str,
    pub count: usize,
    /// The band order, for the error message (`blue, green, …`).
    pub order: String,
}
