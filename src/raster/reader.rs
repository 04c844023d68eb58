//! Reading a scene's pixels into a window (a tile, rows of the product grid, an overview):
//! each raster warped by GDAL, a mosaic's rasters filling each other in order, a
//! composite's acquisitions reduced per pixel.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use rstar::AABB;
use thread_local::ThreadLocal;

use super::error::GdalFailure;
use super::warp::Warper;
use super::{
    aoi, direct, footprint, open, signed, Aoi, GranuleInput, Grid, RasterError, SceneInput,
    MAX_OPEN_DATASETS,
};
use crate::compute::reduce::reduce;
use crate::plan::Resampling;
use crate::tiling::{tile_geo_transform, TileId};

/// Granule reaches in the target CRS, keyed by the bits of their Web Mercator bounds.
type Reaches = HashMap<[u64; 4], Option<[f64; 4]>>;

/// Per-thread GDAL dataset handles and transformers to one target CRS, opened on first use
/// and closed when the pool drops.
pub struct ReaderPool {
    /// Target CRS as WKT; `None`: Web Mercator.
    target_wkt: Option<String>,
    /// Each granule's reach (by its Web Mercator bounds) in the target CRS, per thread.
    reaches: ThreadLocal<RefCell<Reaches>>,
    /// The area of interest's polygons in the target CRS (WKB), transformed once.
    aoi: std::sync::OnceLock<Result<Vec<Vec<u8>>, GdalFailure>>,
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
            aoi: std::sync::OnceLock::new(),
            reaches: ThreadLocal::new(),
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
            aoi: std::sync::OnceLock::new(),
            reaches: ThreadLocal::new(),
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
        let (gt, size, target) = tile_window(tile, tile_size);
        self.read_window(scene, gt, size, resampling, &target)
    }

    /// Which pixels of `tile` the area of interest covers (centre inside), row-major.
    pub fn aoi_tile(
        &self,
        aoi: &Aoi,
        tile: TileId,
        tile_size: u32,
    ) -> Result<Vec<bool>, RasterError> {
        let (gt, size, target) = tile_window(tile, tile_size);
        self.aoi_window(aoi, gt, size, &target)
    }

    /// Which pixels of the part of `grid` at `rows` and `cols` the area of interest covers,
    /// row-major.
    pub fn aoi_rows(
        &self,
        aoi: &Aoi,
        grid: &Grid,
        (rows, cols): (std::ops::Range<usize>, std::ops::Range<usize>),
    ) -> Result<Vec<bool>, RasterError> {
        let (gt, size, target) = rows_window(grid, rows, cols);
        self.aoi_window(aoi, gt, size, &target)
    }

    fn aoi_window(
        &self,
        aoi: &Aoi,
        gt: [f64; 6],
        size: (usize, usize),
        target: &str,
    ) -> Result<Vec<bool>, RasterError> {
        let failed = |failure: GdalFailure| RasterError::AoiMask {
            target: target.to_string(),
            message: failure.0,
        };
        let wkt = match &self.target_wkt {
            Some(wkt) => wkt.as_str(),
            None => footprint::web_mercator_wkt().map_err(failed)?,
        };
        let polygons = self
            .aoi
            .get_or_init(|| aoi.in_crs(wkt))
            .as_ref()
            .map_err(|f| failed(f.clone()))?;
        aoi::covered(polygons, wkt, gt, size).map_err(failed)
    }

    /// Warps the scene's bands into the part of `grid` at `rows` and `cols`.
    pub fn read_rows(
        &self,
        scene: &SceneInput,
        grid: &Grid,
        (rows, cols): (std::ops::Range<usize>, std::ops::Range<usize>),
        resampling: Resampling,
    ) -> Result<Vec<Vec<f32>>, RasterError> {
        let (gt, size, target) = rows_window(grid, rows, cols);
        self.read_window(scene, gt, size, resampling, &target)
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
            // On a product grid a granule is warped into the part of the window it
            // reaches, not the whole window (a row of the grid meets a row of granules).
            let part = match &self.target_wkt {
                Some(wkt) if scene.granules.len() > 1 => self.part_of(granule, wkt, gt, size),
                _ => None,
            };
            let Some((c0, r0, w, h)) = part else {
                return self.read_granule(
                    granule, band_count, target_wkt, gt, size, resampling, target,
                );
            };
            let mut planes = vec![vec![f32::NAN; size.0 * size.1]; band_count];
            if w == 0 || h == 0 {
                return Ok(planes);
            }
            let sub = [
                gt[0] + c0 as f64 * gt[1],
                gt[1],
                gt[2],
                gt[3] + r0 as f64 * gt[5],
                gt[4],
                gt[5],
            ];
            let values = self.read_granule(
                granule,
                band_count,
                target_wkt,
                sub,
                (w, h),
                resampling,
                target,
            )?;
            for (plane, part) in planes.iter_mut().zip(values) {
                for (row, line) in part.chunks(w).enumerate() {
                    let start = (r0 + row) * size.0 + c0;
                    plane[start..start + w].copy_from_slice(line);
                }
            }
            Ok(planes)
        };
        if let ([only], None) = (scene.granules.as_slice(), &scene.composite) {
            return read(only);
        }
        let mut meets: Vec<usize> = match self.web_mercator_bounds(gt, size) {
            Some([x0, y0, x1, y1]) => scene
                .index
                .locate_in_envelope_intersecting(&AABB::from_corners([x0, y0], [x1, y1]))
                .map(|r| r.data)
                .collect(),
            None => (0..scene.granules.len()).collect(),
        };
        meets.sort_unstable();
        let pixels = size.0 * size.1;
        let Some(composite) = &scene.composite else {
            return mosaic(scene, &meets, pixels, read);
        };
        // A composite: each acquisition the window meets mosaicked from its rasters, then
        // all of them reduced per pixel, with the count of observations as a last plane.
        let mut stack = Vec::new();
        for acquisition in &composite.acquisitions {
            let granules: Vec<usize> = (acquisition.iter().copied())
                .filter(|g| meets.binary_search(g).is_ok())
                .collect();
            if !granules.is_empty() {
                stack.push(mosaic(scene, &granules, pixels, read)?);
            }
        }
        let (mut planes, counts) = reduce(&stack, composite.reducer, &scene.categorical, pixels);
        planes.push(counts.into_iter().map(f32::from).collect());
        Ok(planes)
    }

    /// The columns and rows `(c0, r0, width, height)` of the north-up window `gt`, `size`
    /// (in the CRS `wkt`) that the granule reaches; `None` when unknown (read it all).
    fn part_of(
        &self,
        granule: &GranuleInput,
        wkt: &str,
        gt: [f64; 6],
        size: (usize, usize),
    ) -> Option<(usize, usize, usize, usize)> {
        if gt[2] != 0.0 || gt[4] != 0.0 || gt[1] <= 0.0 || gt[5] >= 0.0 {
            return None;
        }
        let cell = self.reaches.get_or_default();
        let mut reaches = cell.borrow_mut();
        let key = granule.reach.map(f64::to_bits);
        let [x0, y0, x1, y1] = *reaches
            .entry(key)
            .or_insert_with(|| footprint::from_web_mercator(wkt, granule.reach).ok())
            .as_ref()?;
        let column = |x: f64| ((x - gt[0]) / gt[1]).clamp(0.0, size.0 as f64);
        let row = |y: f64| ((y - gt[3]) / gt[5]).clamp(0.0, size.1 as f64);
        let (c0, c1) = (column(x0).floor() as usize, column(x1).ceil() as usize);
        let (r0, r1) = (row(y1).floor() as usize, row(y0).ceil() as usize);
        Some((c0, r0, c1.saturating_sub(c0), r1.saturating_sub(r0)))
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
            } else if self.target_wkt.is_some() {
                // Rows of a product grid that is the raster's own: no resampling to do.
                direct::read_aligned(warper, &src_bands, group.nodata, gt, size)
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

/// The geotransform, size and name (for messages) of `tile`.
fn tile_window(tile: TileId, tile_size: u32) -> ([f64; 6], (usize, usize), String) {
    let size = tile_size as usize;
    (
        tile_geo_transform(tile, tile_size),
        (size, size),
        format!("tile {tile}"),
    )
}

/// The geotransform, size and name (for messages) of rows `rows` of `grid`.
fn rows_window(
    grid: &Grid,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
) -> ([f64; 6], (usize, usize), String) {
    let mut gt = grid.geo_transform;
    gt[0] += rows.start as f64 * gt[2] + cols.start as f64 * gt[1];
    gt[3] += rows.start as f64 * gt[5] + cols.start as f64 * gt[4];
    let target = match cols.len() == grid.width {
        true => format!("rows {}..{} of the product grid", rows.start, rows.end),
        false => format!(
            "rows {}..{}, columns {}..{} of the product grid",
            rows.start, rows.end, cols.start, cols.end
        ),
    };
    (gt, (cols.len(), rows.len()), target)
}

/// The mosaic of `granules` (positions among the scene's rasters, in order): each masked by
/// the scene's quality rule, then filling what the ones before left without a valid pixel.
fn mosaic(
    scene: &SceneInput,
    granules: &[usize],
    pixels: usize,
    read: impl Fn(&GranuleInput) -> Result<Vec<Vec<f32>>, RasterError>,
) -> Result<Vec<Vec<f32>>, RasterError> {
    let mut out: Vec<Vec<f32>> = Vec::new();
    for &i in granules {
        let Some(granule) = scene.granules.get(i) else {
            continue;
        };
        let mut values = read(granule)?;
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
        out = vec![vec![f32::NAN; pixels]; scene.band_count];
    }
    Ok(out)
}
