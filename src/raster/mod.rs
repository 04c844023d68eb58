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
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use thread_local::ThreadLocal;
use warp::Warper;

use crate::compute::mask::MaskRule;
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
/// of one file with the same nodata are warped by one GDAL call. A mosaic holds several
/// rasters with the same bands, read in order where a window meets them.
#[derive(Debug, Clone)]
pub struct SceneInput {
    pub name: String,
    /// Where the scene has data (every raster of a mosaic).
    pub footprint: Footprint,
    /// The grid of the scene's first file (grown over every raster of a mosaic).
    pub grid: Grid,
    /// Every distinct file the scene reads, for the run record.
    pub files: Vec<String>,
    granules: Vec<GranuleInput>,
    /// The granules' Web Mercator bounds, so a window opens only the rasters it meets.
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    band_count: usize,
    /// The scene's quality rule over the band in this slot, applied to each raster of a
    /// mosaic before the next one fills what it masks.
    quality: Option<(usize, MaskRule)>,
}

/// One raster of a scene (the only one, unless a mosaic).
#[derive(Debug, Clone)]
struct GranuleInput {
    groups: Vec<WarpGroup>,
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

/// Opens and checks the bands `names` of a scene (in that order), and computes its footprint.
pub fn open_scene(name: &str, bands: &[(&str, &BandSource)]) -> Result<SceneInput, RasterError> {
    open_mosaic(name, &[bands.to_vec()], None)
}

/// Opens a scene made of several rasters with the same bands (`granules`, each in the order
/// of the first), mosaicked in order: where a raster has no valid pixel the next one's is
/// taken. `quality` (the slot of the quality band and its rule) masks each raster first.
pub fn open_mosaic(
    name: &str,
    granules: &[Vec<(&str, &BandSource)>],
    quality: Option<(usize, MaskRule)>,
) -> Result<SceneInput, RasterError> {
    let no_bands = || RasterError::NoBands {
        scene: name.to_string(),
    };
    let mut inputs = Vec::with_capacity(granules.len());
    let mut footprint: Option<Footprint> = None;
    let mut grid: Option<Grid> = None;
    let mut files = Vec::new();
    let mut rectangles = Vec::with_capacity(granules.len());
    for (i, bands) in granules.iter().enumerate() {
        let (granule, own_footprint, own_grid, own_files) = open_granule(name, bands)?;
        let b = own_footprint.bounds;
        rectangles.push(GeomWithData::new(
            Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
            i,
        ));
        footprint = Some(match footprint {
            None => own_footprint,
            Some(f) => f.union(&own_footprint),
        });
        grid = Some(match grid {
            None => own_grid,
            Some(g) => g.extended_over(&own_grid, own_files.first().map_or("", String::as_str))?,
        });
        files.extend(own_files);
        inputs.push(granule);
    }
    Ok(SceneInput {
        name: name.to_string(),
        footprint: footprint.ok_or_else(no_bands)?,
        grid: grid.ok_or_else(no_bands)?,
        files,
        index: RTree::bulk_load(rectangles),
        band_count: granules.first().map_or(0, Vec::len),
        quality: quality.filter(|_| granules.len() > 1),
        granules: inputs,
    })
}

/// One raster's bands: their warp groups, the footprint and grid of its files, its files.
fn open_granule(
    name: &str,
    bands: &[(&str, &BandSource)],
) -> Result<(GranuleInput, Footprint, Grid, Vec<String>), RasterError> {
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
    Ok((GranuleInput { groups }, footprint, grid, files))
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
        let read = |granule: &GranuleInput| {
            let band_count = scene.band_count;
            self.read_granule(
                granule, band_count, target_wkt, gt, size, resampling, target,
            )
        };
        if let [only] = scene.granules.as_slice() {
            return read(only);
        }
        // A mosaic: the rasters the window meets, in order, each filling what the ones
        // before left without a valid pixel.
        let mut meets: Vec<usize> = match self.web_mercator_bounds(gt, size) {
            Some([x0, y0, x1, y1]) => scene
                .index
                .locate_in_envelope_intersecting(&AABB::from_corners([x0, y0], [x1, y1]))
                .map(|r| r.data)
                .collect(),
            None => (0..scene.granules.len()).collect(),
        };
        meets.sort_unstable();
        let mut out: Vec<Vec<f32>> = Vec::new();
        for i in meets {
            let mut values = read(&scene.granules[i])?;
            if let Some((slot, rule)) = &scene.quality {
                let codes = values[*slot].clone();
                values.iter_mut().for_each(|band| rule.apply(&codes, band));
            }
            if out.is_empty() {
                out = values;
            } else {
                for (mosaic, band) in out.iter_mut().zip(values) {
                    for (m, v) in mosaic.iter_mut().zip(band) {
                        if m.is_nan() {
                            *m = v;
                        }
                    }
                }
            }
            if out.iter().all(|band| !band.iter().any(|v| v.is_nan())) {
                break; // every pixel has its value: the rasters after cannot change it
            }
        }
        if out.is_empty() {
            out = vec![vec![f32::NAN; size.0 * size.1]; scene.band_count];
        }
        Ok(out)
    }

    /// The window's bounds in Web Mercator metres `[x0, y0, x1, y1]`; `None` when they
    /// cannot be computed (every raster is then read).
    fn web_mercator_bounds(&self, gt: [f64; 6], (w, h): (usize, usize)) -> Option<[f64; 4]> {
        let (x0, y0) = (gt[0], gt[3] + gt[5] * h as f64);
        let (x1, y1) = (gt[0] + gt[1] * w as f64, gt[3]);
        let bounds = [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
        match &self.target_wkt {
            None => Some(bounds),
            Some(wkt) => footprint::to_web_mercator(wkt, bounds).ok(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn read_granule(
        &self,
        granule: &GranuleInput,
        band_count: usize,
        target_wkt: &str,
        gt: [f64; 6],
        size: (usize, usize),
        resampling: Resampling,
        target: &str,
    ) -> Result<Vec<Vec<f32>>, RasterError> {
        let cell = self.warpers.get_or_default();
        let mut warpers = cell.borrow_mut();
        let mut out = vec![Vec::new(); band_count];
        for group in &granule.groups {
            let warp_error = |failure: GdalFailure| RasterError::Warp {
                location: group.location.clone(),
                target: target.to_string(),
                message: failure.0,
            };
            if !warpers.contains_key(&group.location) {
                if warpers.len() >= MAX_OPEN_DATASETS {
                    warpers.clear(); // a large mosaic: handles are reopened as needed
                }
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
