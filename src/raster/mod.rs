//! READ: the only module that links GDAL. Opens scenes, finds where they lie in Web Mercator,
//! and warps their bands into one tile at a time. Datasets are `Send` but not `Sync`, so each
//! worker thread keeps its own handles ([`ReaderPool`]).

mod area;
pub mod cog;
mod direct;
mod error;
mod footprint;
pub mod grid;
pub mod polygons;
mod resampling;
mod signed;
mod warp;

pub use area::PixelAreas;
pub use error::RasterError;
pub use footprint::{Footprint, MAX_MERCATOR_LATITUDE};

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use error::GdalFailure;
use gdal::Dataset;
use thread_local::ThreadLocal;
use warp::Warper;

use crate::plan::{BandSource, Encoding, Resampling};
use crate::tiling::{tile_geo_transform, TileId};

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
/// of one file with the same nodata are warped by one GDAL call.
#[derive(Debug, Clone)]
pub struct SceneInput {
    pub name: String,
    pub footprint: Footprint,
    /// The grid of the scene's first file.
    pub grid: Grid,
    /// Every distinct file the scene reads, for the run record.
    pub files: Vec<String>,
    groups: Vec<WarpGroup>,
    band_count: usize,
}

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

/// Opens and checks the bands `names` of a scene (in that order), and computes its footprint.
pub fn open_scene(name: &str, bands: &[(&str, &BandSource)]) -> Result<SceneInput, RasterError> {
    let mut groups: Vec<WarpGroup> = Vec::new();
    let mut footprint: Option<Footprint> = None;
    let mut grid: Option<Grid> = None;
    let mut files: Vec<String> = Vec::new();
    for (slot, (band_name, source)) in bands.iter().enumerate() {
        let dataset = open(&source.location)?;
        let count = dataset.raster_count();
        if count == 0 {
            return Err(RasterError::NotRaster {
                location: source.location.clone(),
            });
        }
        if let Some(stack) = &source.stack {
            if count != stack.count {
                return Err(RasterError::StackCount {
                    location: source.location.clone(),
                    sensor: stack.sensor,
                    expected: stack.count,
                    order: stack.order.clone(),
                    count,
                });
            }
        }
        if source.band > count {
            return Err(RasterError::MissingBand {
                location: source.location.clone(),
                name: (*band_name).to_string(),
                band: source.band,
                count,
            });
        }
        let nodata = match source.nodata {
            Some(v) => Some(v),
            None => dataset
                .rasterband(source.band)
                .ok()
                .and_then(|b| b.no_data_value()),
        };
        if !files.contains(&source.location) {
            let fp = Footprint::of(&dataset, &source.location)?;
            if grid.is_none() {
                let (width, height) = dataset.raster_size();
                let epsg = dataset
                    .spatial_ref()
                    .ok()
                    .and_then(|srs| srs.auth_code().ok())
                    .and_then(|code| u32::try_from(code).ok());
                grid = Some(Grid {
                    wkt: dataset.projection(),
                    epsg,
                    geo_transform: dataset.geo_transform().map_err(|_| {
                        RasterError::NoGeoTransform {
                            location: source.location.clone(),
                        }
                    })?,
                    width,
                    height,
                });
            }
            footprint = Some(match footprint {
                None => fp,
                Some(f) => f
                    .intersection(&fp)
                    .ok_or_else(|| RasterError::BandsDisjoint {
                        scene: name.to_string(),
                        location: source.location.clone(),
                    })?,
            });
            files.push(source.location.clone());
        }
        let entry = GroupBand {
            source: source.band,
            slot,
            scale: source.scale as f32,
            offset: source.offset as f32,
            decibels: source.encoding == Encoding::Decibels,
        };
        let categorical = source.encoding == Encoding::Categorical;
        let same_nodata = |g: &WarpGroup| g.nodata.map(f64::to_bits) == nodata.map(f64::to_bits);
        match groups.iter_mut().find(|g| {
            g.location == source.location && same_nodata(g) && g.categorical == categorical
        }) {
            Some(g) => g.bands.push(entry),
            None => groups.push(WarpGroup {
                location: source.location.clone(),
                nodata,
                categorical,
                bands: vec![entry],
            }),
        }
    }
    let no_bands = || RasterError::NoBands {
        scene: name.to_string(),
    };
    let footprint = footprint.ok_or_else(no_bands)?;
    let grid = grid.ok_or_else(no_bands)?;
    Ok(SceneInput {
        name: name.to_string(),
        footprint,
        grid,
        files,
        groups,
        band_count: bands.len(),
    })
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

/// Per-thread GDAL dataset handles and transformers to one target CRS, opened on first use
/// and closed when the pool drops.
pub struct ReaderPool {
    /// Target CRS as WKT; `None`: Web Mercator.
    target_wkt: Option<String>,
    warpers: ThreadLocal<RefCell<HashMap<String, Warper>>>,
    /// Set to a signal's number when the run is to stop: GDAL's warps end early.
    stop: Option<Arc<AtomicUsize>>,
}

impl Default for ReaderPool {
    fn default() -> Self {
        Self::new()
    }
}

impl ReaderPool {
    /// A pool that reads into Web Mercator tiles.
    pub fn new() -> Self {
        ReaderPool {
            target_wkt: None,
            warpers: ThreadLocal::new(),
            stop: None,
        }
    }

    /// The pool, with GDAL's long steps ended early once `flag` is non-zero.
    pub fn stopped_by(mut self, flag: Arc<AtomicUsize>) -> Self {
        self.stop = Some(flag);
        self
    }

    /// A pool that reads into windows of `grid`.
    pub fn for_grid(grid: &Grid) -> Self {
        ReaderPool {
            target_wkt: Some(grid.wkt.clone()),
            warpers: ThreadLocal::new(),
            stop: None,
        }
    }

    /// Warps the scene's bands into `tile`: one `tile_size²` buffer per band, in the order
    /// given to [`open_scene`], NaN where the scene has no data.
    pub fn read_tile(
        &self,
        scene: &SceneInput,
        tile: TileId,
        tile_size: u32,
        resampling: Resampling,
    ) -> Result<Vec<Vec<f32>>, RasterError> {
        let size = tile_size as usize;
        let gt = tile_geo_transform(tile, tile_size);
        self.read_window(scene, gt, (size, size), resampling, &format!("tile {tile}"))
    }

    /// Warps the scene's bands into rows `first..first + count` of `grid`.
    pub fn read_rows(
        &self,
        scene: &SceneInput,
        grid: &Grid,
        rows: std::ops::Range<usize>,
        resampling: Resampling,
    ) -> Result<Vec<Vec<f32>>, RasterError> {
        let mut gt = grid.geo_transform;
        gt[0] += rows.start as f64 * gt[2];
        gt[3] += rows.start as f64 * gt[5];
        let target = format!("rows {}..{} of the product grid", rows.start, rows.end);
        self.read_window(scene, gt, (grid.width, rows.len()), resampling, &target)
    }

    /// Warps the scene's bands over `bounds` (Web Mercator metres) into a grid of at most
    /// `max_side` pixels on its longer side, nearest neighbour: an unbiased sample of the
    /// scene's values at little cost.
    pub fn read_overview(
        &self,
        scene: &SceneInput,
        bounds: geo::Rect<f64>,
        max_side: usize,
    ) -> Result<Vec<Vec<f32>>, RasterError> {
        let pixel = bounds.width().max(bounds.height()) / max_side.max(1) as f64;
        let width = ((bounds.width() / pixel).ceil() as usize).max(1);
        let height = ((bounds.height() / pixel).ceil() as usize).max(1);
        let gt = [bounds.min().x, pixel, 0.0, bounds.max().y, 0.0, -pixel];
        self.read_window(
            scene,
            gt,
            (width, height),
            Resampling::Nearest,
            "an overview of the scene",
        )
    }

    fn read_window(
        &self,
        scene: &SceneInput,
        gt: [f64; 6],
        size: (usize, usize),
        resampling: Resampling,
        target: &str,
    ) -> Result<Vec<Vec<f32>>, RasterError> {
        let target_wkt = match &self.target_wkt {
            Some(wkt) => wkt.as_str(),
            None => footprint::web_mercator_wkt().map_err(|failure| RasterError::Warp {
                location: String::new(),
                target: target.to_string(),
                message: failure.0,
            })?,
        };
        let cell = self.warpers.get_or_default();
        let mut warpers = cell.borrow_mut();
        let mut out = vec![Vec::new(); scene.band_count];
        for group in &scene.groups {
            let warp_error = |failure: GdalFailure| RasterError::Warp {
                location: group.location.clone(),
                target: target.to_string(),
                message: failure.0,
            };
            if !warpers.contains_key(&group.location) {
                let dataset = signed::readable(open(&group.location)?, &group.location)
                    .map_err(warp_error)?;
                let warper = Warper::new(dataset, target_wkt).map_err(warp_error)?;
                warpers.insert(group.location.clone(), warper);
            }
            let Some(warper) = warpers.get(&group.location) else {
                continue;
            };
            let src_bands: Vec<usize> = group.bands.iter().map(|b| b.source).collect();
            let resampling = if group.categorical {
                Resampling::Nearest
            } else {
                resampling
            };
            let direct = if size.0 == size.1 && self.target_wkt.is_none() {
                direct::read_tile(warper, &src_bands, group.nodata, gt, size.0, resampling)
            } else {
                None
            };
            let warped = match direct {
                Some(read) => read,
                None => warper.warp(
                    &src_bands,
                    group.nodata,
                    gt,
                    size,
                    resampling,
                    self.stop.as_deref(),
                ),
            }
            .map_err(warp_error)?;
            for (band, mut values) in group.bands.iter().zip(warped) {
                if band.scale != 1.0 || band.offset != 0.0 {
                    let (s, o) = (band.scale, band.offset);
                    values.iter_mut().for_each(|v| *v = *v * s + o);
                }
                if band.decibels {
                    values.iter_mut().for_each(|v| *v = 10f32.powf(*v / 10.0));
                }
                out[band.slot] = values;
            }
        }
        Ok(out)
    }
}
