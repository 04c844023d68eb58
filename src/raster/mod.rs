//! READ: the only module that links GDAL. Opens scenes, finds where they lie in Web Mercator,
//! and warps their bands into one tile at a time. Datasets are `Send` but not `Sync`, so each
//! worker thread keeps its own handles ([`ReaderPool`]).

mod aoi;
mod area;
pub mod cog;
mod descriptions;
mod direct;
mod error;
mod footprint;
pub mod grid;
pub mod polygons;
mod reader;
mod resampling;
mod scene;
mod signed;
mod warp;

pub use aoi::Aoi;
pub use area::PixelAreas;
pub use descriptions::BandDescriptions;
pub use error::RasterError;
pub use footprint::{Footprint, MAX_MERCATOR_LATITUDE};
pub use reader::ReaderPool;
pub use scene::{open_mosaic, open_scene};

use gdal::Dataset;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use crate::compute::mask::MaskRule;
use crate::compute::reduce::Reducer;

/// A raster grid: CRS, geotransform and size. The product rasters (COGs) are written on the
/// grid of the product's first scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub wkt: String,
    /// EPSG code of the CRS, when it has one.
    pub epsg: Option<u32>,
    pub geo_transform: [f64; 6],
    pub width: usize,
    pub height: usize,
}

/// Bands of one scene ready to be warped: checked, with nodata resolved, grouped so that bands
/// of one file with the same nodata are warped by one GDAL call. A mosaic holds several
/// rasters with the same bands, read in order where a window meets them.
#[derive(Debug, Clone)]
pub struct SceneInput {
    pub name: String,
    /// Where the scene has data (every raster of a mosaic).
    pub footprint: Footprint,
    /// The grid of the scene's first file (grown over every raster of a mosaic).
    pub grid: Grid,
    /// Every distinct file the scene reads, for the run record and `plan` (signatures of
    /// signed URLs redacted).
    pub files: Vec<String>,
    granules: Vec<GranuleInput>,
    /// The granules' Web Mercator bounds, so a window opens only the rasters it meets.
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    band_count: usize,
    /// The scene's quality rule over the band in this slot, applied to each raster of a
    /// mosaic before the next one fills what it masks.
    quality: Option<(usize, MaskRule)>,
    /// Set for a temporal composite: its acquisitions are reduced per pixel, and a window
    /// read has one more plane, the count of observations.
    composite: Option<Composite>,
    /// Per slot: the band holds codes or bit fields (nearest neighbour, never averaged).
    categorical: Vec<bool>,
}

/// A temporal composite: the granules of each acquisition (positions in the scene's
/// rasters, in mosaic order), acquisitions in time order.
#[derive(Debug, Clone)]
pub struct Composite {
    pub reducer: Reducer,
    pub acquisitions: Vec<Vec<usize>>,
}

impl SceneInput {
    /// The number of bands a window read returns: the scene's, and for a composite the
    /// count of observations after them.
    pub fn planes(&self) -> usize {
        self.band_count + usize::from(self.composite.is_some())
    }

    /// The plane holding a composite's count of observations per pixel.
    pub fn observations_plane(&self) -> Option<usize> {
        self.composite.as_ref().map(|_| self.band_count)
    }

    /// A composite's acquisitions (1 for a mosaic or a single raster): a window read holds
    /// this many windows of values at once.
    pub fn acquisitions(&self) -> usize {
        self.composite
            .as_ref()
            .map_or(1, |c| c.acquisitions.len().max(1))
    }
}

/// One raster of a scene (the only one, unless a mosaic).
#[derive(Debug, Clone)]
struct GranuleInput {
    groups: Vec<WarpGroup>,
    /// Web Mercator `[x0, y0, x1, y1]` of its data, grown by a few of its pixels (a
    /// resampling kernel's reach): a window reads it only where these bounds fall.
    reach: [f64; 4],
}

/// Open datasets a worker thread keeps at most; a mosaic of more files reopens them.
const MAX_OPEN_DATASETS: usize = 64;

#[derive(Debug, Clone)]
struct WarpGroup {
    location: String,
    nodata: Option<f64>,
    /// Codes or bit fields: warped with nearest neighbour whatever the pipeline's resampling.
    categorical: bool,
    bands: Vec<GroupBand>,
}

#[derive(Debug, Clone)]
struct GroupBand {
    /// 1-based band number in the file.
    source: usize,
    /// Position in the scene's output.
    slot: usize,
    scale: f32,
    offset: f32,
    decibels: bool,
}

fn open(location: &str) -> Result<Dataset, RasterError> {
    Dataset::open(location).map_err(|e| {
        // The binding's "returned a NULL pointer. Error msg: ''" says nothing to an analyst.
        let message = match e {
            gdal::errors::GdalError::NullPointer { msg, .. } if msg.trim().is_empty() => {
                if !location.starts_with("/vsi") && !std::path::Path::new(location).exists() {
                    "no such file".to_string()
                } else {
                    "GDAL recognises no raster format in it".to_string()
                }
            }
            gdal::errors::GdalError::NullPointer { msg, .. } => msg,
            other => other.to_string(),
        };
        RasterError::Open {
            location: location.to_string(),
            message,
        }
    })
}

/// Caps GDAL's block cache (default: 5 % of RAM), so memory does not grow with the input.
pub fn set_cache_limit(megabytes: usize) {
    let bytes = i64::try_from(megabytes.saturating_mul(1 << 20)).unwrap_or(i64::MAX);
    // SAFETY: a plain setter of a process-wide GDAL setting.
    unsafe { gdal_sys::GDALSetCacheMax64(bytes) };
}

/// Settings for reading over HTTP (`/vsicurl/`, `/vsis3/`, … — STAC assets), unless the
/// environment sets them: no directory listing of a remote file's folder on open (GDAL looks
/// for sidecar files otherwise, dozens of requests per COG), and three retries of a request
/// that failed on the way (5xx, 429), as GDAL's cloud-optimized GeoTIFF guide advises.
pub fn configure_remote_reads() {
    for (key, value) in [
        ("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR"),
        ("GDAL_HTTP_MAX_RETRY", "3"),
        ("GDAL_HTTP_RETRY_DELAY", "1"),
    ] {
        if std::env::var_os(key).is_none() {
            let _ = gdal::config::set_config_option(key, value);
        }
    }
}

/// Sends GDAL's own messages to `tracing` (target `gdal`) instead of raw lines on stderr, so
/// `--log-format json` stays parseable. Failures are logged at debug level: the error that
/// reaches the analyst already carries GDAL's message.
pub fn log_gdal_messages() {
    use gdal::errors::CplErrType;
    gdal::config::set_error_handler(|kind, number, message| match kind {
        CplErrType::Fatal => tracing::error!(target: "gdal", number, "{message}"),
        CplErrType::Warning => tracing::warn!(target: "gdal", number, "{message}"),
        CplErrType::Failure => tracing::debug!(target: "gdal", number, "{message}"),
        CplErrType::Debug | CplErrType::None => {
            tracing::trace!(target: "gdal", number, "{message}")
        }
    });
}
