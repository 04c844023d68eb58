//! Everything a run needs before the first tile: inputs opened and checked, the area both
//! scenes cover, the zoom range and the tile pyramid. `validate` and `plan` stop here.

use crate::compute::stretch::percentile_range;
use crate::error::Error;
use crate::job::Job;
use crate::plan::{Plan, ZoomChoice};
use crate::raster::{self, Footprint, SceneInput};
use crate::render::{Composite, Style};
use crate::tiling::{TilePyramid, ZoomRange};

/// Opens and checks the inputs, finds the area and zooms, and measures what must be known
/// before the first tile (a composite's stretch).
pub fn prepare(plan: &Plan) -> Result<Job, Error> {
    // Before any dataset is opened, so every block read is under the budget.
    raster::set_cache_limit(super::GDAL_CACHE_MB);
    // Scenes in the order the product first reads them, each with its bands in read order.
    let mut scene_names: Vec<&str> = Vec::new();
    let mut band_names: Vec<Vec<&str>> = Vec::new();
    let mut read_slots = Vec::new();
    for (scene, band) in &plan.product.reads {
        let i = position_or_push(&mut scene_names, scene.as_str());
        if i == band_names.len() {
            band_names.push(Vec::new());
        }
        read_slots.push((i, position_or_push(&mut band_names[i], band.as_str())));
    }
    let mut inputs = Vec::new();
    for (scene_name, band_names) in scene_names.iter().zip(&band_names) {
        let Some(scene) = plan.scenes.get(*scene_name) else {
            continue; // compile guarantees the scene exists
        };
        // The first raster's bands, then a mosaic's further rasters with the same names.
        let granules: Vec<Vec<(&str, &crate::plan::BandSource)>> = std::iter::once(&scene.bands)
            .chain(&scene.mosaic)
            .map(|bands| {
                band_names
                    .iter()
                    .filter_map(|b| bands.get(*b).map(|s| (*b, s)))
                    .collect()
            })
            .collect();
        // Each raster of a mosaic is masked by the scene's quality rule before the next
        // fills what it masks.
        let quality = scene.mask.as_ref().and_then(|mask| {
            let slot = band_names.iter().position(|b| *b == mask.band)?;
            Some((slot, mask.rule.clone()))
        });
        let composite = scene.reduce.as_ref().map(|r| raster::Composite {
            reducer: r.reducer,
            acquisitions: r.acquisitions.iter().map(|a| a.rasters.clone()).collect(),
        });
        inputs.push(raster::open_mosaic(
            scene_name, &granules, quality, composite,
        )?);
    }
    let mut footprint: Option<Footprint> = None;
    for input in &inputs {
        footprint = Some(match footprint {
            None => input.footprint,
            Some(f) => f
                .intersection(&input.footprint)
                .ok_or_else(|| Error::NoOverlap {
                    pre: format!("`{}`", inputs[0].name),
                    post: format!("`{}`", input.name),
                })?,
        });
    }
    let mut footprint = footprint.ok_or(Error::NoTiles)?;
    // The area of interest narrows the pyramid (and the STAC footprint) to its extent.
    let aoi = plan.aoi.as_deref().map(raster::Aoi::open).transpose()?;
    if let Some(aoi) = &aoi {
        footprint = footprint.intersection(&aoi.footprint()).ok_or_else(|| {
            let text = |[w, s, e, n]: [f64; 4]| format!("{w:.5}, {s:.5}, {e:.5}, {n:.5}");
            Error::AoiMissesData {
                aoi: aoi.location.clone(),
                aoi_bounds: text(aoi.lon_lat),
                data_bounds: text(footprint.wgs84_bbox()),
            }
        })?;
    }
    let tile_size = plan.tiling.tile_size;
    let zooms = match plan.tiling.zoom {
        ZoomChoice::Range(r) => r,
        ZoomChoice::Auto => auto_zooms(&inputs, &footprint, tile_size),
    };
    let pyramid = TilePyramid::new(footprint.bounds, zooms, tile_size);
    if pyramid.ranges.is_empty() {
        return Err(Error::NoTiles);
    }
    let tiles = pyramid.tile_count();
    if tiles > plan.tiling.max_tiles {
        return Err(Error::TooManyTiles {
            tiles,
            zooms,
            limit: plan.tiling.max_tiles,
            auto: matches!(plan.tiling.zoom, ZoomChoice::Auto),
        });
    }
    let mut job = Job {
        plan: plan.clone(),
        inputs,
        read_slots,
        footprint,
        zooms,
        pyramid,
        aoi,
    };
    if let Style::Composite(c) = &job.plan.style {
        if let Some((low, high)) = c.stretch {
            let ranges = measure_stretch(&job, low, high)?;
            tracing::info!(?ranges, low, high, "composite stretch measured");
            job.plan.style = Style::Composite(Composite {
                ranges,
                stretch: None,
                ..c.clone()
            });
        }
    }
    Ok(job)
}

/// Every input's bands over the common area, `side` pixels on the longer side (nearest).
fn sample(p: &Job, side: usize) -> Result<Vec<Vec<Vec<f32>>>, raster::RasterError> {
    let readers = raster::ReaderPool::new();
    (p.inputs.iter())
        .map(|input| readers.read_overview(input, p.footprint.bounds, side))
        .collect()
}

/// Pixels on the longer side of the sample [`why_empty`] looks at.
const DIAGNOSIS_SAMPLE_SIDE: usize = 512;

/// Why a product has no valid pixel, for the analyst: the bands that are nodata everywhere
/// (in a sample over the common area), or, when every band has values, that the product
/// itself is nodata wherever they meet.
pub(super) fn why_empty(p: &Job) -> String {
    let per_scene = match sample(p, DIAGNOSIS_SAMPLE_SIDE) {
        Ok(per_scene) => per_scene,
        Err(e) => return format!("every tile is empty, and reading a sample failed: {e}"),
    };
    let mut empty = Vec::new();
    for ((scene, band), &(i, j)) in p.plan.product.reads.iter().zip(&p.read_slots) {
        let valid = per_scene[i][j].iter().any(|v| !v.is_nan());
        let location = p.plan.scenes.get(scene).and_then(|s| s.bands.get(band));
        if !valid {
            empty.push(format!(
                "band `{band}` of scene `{scene}`{} has no valid pixel over the area (every \
                 sampled pixel is nodata or NaN{})",
                location.map_or(String::new(), |s| format!(" ({})", s.location)),
                location
                    .and_then(|s| s.nodata)
                    .map_or(String::new(), |v| format!("; its nodata value is {v}")),
            ));
        }
    }
    if empty.is_empty() {
        "the bands have values, but the product is nodata wherever they are read together \
         (check that the scenes' valid pixels overlap, the mask, and the formula: a division \
         by zero, sqrt of a negative or log10 of zero or less is nodata)"
            .into()
    } else {
        format!("{}; check the file and its nodata value", empty.join("; "))
    }
}

/// Pixels on the longer side of the sample a composite's stretch is measured on.
const STRETCH_SAMPLE_SIDE: usize = 1024;

/// A composite's per-channel ranges: the `low` and `high` percentiles of each band over a
/// sample of the whole area, measured once so that every tile is stretched alike.
fn measure_stretch(p: &Job, low: f32, high: f32) -> Result<[(f32, f32); 3], Error> {
    let planes = p.compute(&sample(p, STRETCH_SAMPLE_SIDE)?);
    let n = planes.len() / 3;
    let mut ranges = [(0.0, 1.0); 3];
    for (c, range) in ranges.iter_mut().enumerate() {
        *range = percentile_range(&planes[c * n..(c + 1) * n], low, high).ok_or(Error::NoTiles)?;
    }
    Ok(ranges)
}

/// Where `item` is in `list`, appending it first if it is not there.
fn position_or_push<'a>(list: &mut Vec<&'a str>, item: &'a str) -> usize {
    list.iter().position(|x| *x == item).unwrap_or_else(|| {
        list.push(item);
        list.len() - 1
    })
}

/// For one scene, exactly gdal2tiles' choice. For a pair, the maximum zoom of the coarser
/// scene (a change map is no sharper than its coarser input) and the minimum zoom at which
/// the common area fits one tile — never deeper than the maximum, even when the common area
/// is smaller than one of the coarser scene's pixels.
fn auto_zooms(inputs: &[SceneInput], common: &Footprint, tile_size: u32) -> ZoomRange {
    let coarsest = inputs
        .iter()
        .map(|i| i.footprint.pixel_size)
        .fold(common.pixel_size, f64::max);
    if let [only] = inputs {
        let f = only.footprint;
        return ZoomRange::auto(f.pixel_size, f.width, f.height, tile_size);
    }
    let extent = common.bounds.width().max(common.bounds.height());
    ZoomRange::auto_for_change(coarsest, extent, tile_size)
}
