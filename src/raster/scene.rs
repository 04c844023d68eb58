//! Opening a scene: each raster's bands checked, nodata resolved, grouped for warping, and
//! the footprints and grid of a mosaic's rasters.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use super::{
    open, Composite, Footprint, GranuleInput, Grid, GroupBand, RasterError, SceneInput, WarpGroup,
};
use crate::compute::mask::MaskRule;
use crate::plan::{BandSource, Encoding};

/// Source pixels a resampling kernel reaches past a raster's edge (Lanczos: 3), and one more.
const KERNEL_REACH: f64 = 4.0;

/// Opens and checks the bands `names` of a scene (in that order), and computes its footprint.
pub fn open_scene(name: &str, bands: &[(&str, &BandSource)]) -> Result<SceneInput, RasterError> {
    open_mosaic(name, &[bands.to_vec()], None, None)
}

/// Opens a scene made of several rasters with the same bands (`granules`, each in the order
/// of the first), mosaicked in order: where a raster has no valid pixel the next one's is
/// taken. `quality` (the slot of the quality band and its rule) masks each raster first.
/// With `composite`, the granules are grouped into acquisitions, each mosaicked so, and the
/// acquisitions reduced per pixel.
pub fn open_mosaic(
    name: &str,
    granules: &[Vec<(&str, &BandSource)>],
    quality: Option<(usize, MaskRule)>,
    composite: Option<Composite>,
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
        let (mut granule, own_footprint, own_grid, own_files) = open_granule(name, bands)?;
        // The footprints' union and R-tree are plain min/max boxes in Web Mercator, which a
        // raster across the antimeridian (x past π·R) would make span the world.
        if granules.len() > 1 && own_footprint.lon_lat[2] > 180.0 {
            return Err(RasterError::MosaicAcrossAntimeridian {
                scene: name.to_string(),
                location: own_files.first().cloned().unwrap_or_default(),
            });
        }
        let b = own_footprint.bounds;
        let margin = KERNEL_REACH * own_footprint.pixel_size;
        granule.reach = [
            b.min().x - margin,
            b.min().y - margin,
            b.max().x + margin,
            b.max().y + margin,
        ];
        rectangles.push(GeomWithData::new(
            Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
            i,
        ));
        footprint = Some(match footprint {
            None => own_footprint,
            Some(f) => {
                let union = f.union(&own_footprint);
                // Granules on both sides of it: west of 180° E and east of 180° W.
                if union.lon_lat[2] - union.lon_lat[0] > 180.0 {
                    return Err(RasterError::MosaicAcrossAntimeridian {
                        scene: name.to_string(),
                        location: own_files.first().cloned().unwrap_or_default(),
                    });
                }
                union
            }
        });
        grid = Some(match grid {
            None => own_grid,
            Some(g) => g.extended_over(&own_grid, own_files.first().map_or("", String::as_str))?,
        });
        // A signed URL's signature (`sig=`, `X-Amz-Signature=`) is a credential.
        files.extend(own_files.iter().map(|f| crate::secrets::redact(f)));
        inputs.push(granule);
    }
    Ok(SceneInput {
        name: name.to_string(),
        footprint: footprint.ok_or_else(no_bands)?,
        grid: grid.ok_or_else(no_bands)?,
        files,
        index: RTree::bulk_load(rectangles),
        band_count: granules.first().map_or(0, Vec::len),
        categorical: (granules.first().into_iter().flatten())
            .map(|(_, source)| source.encoding == Encoding::Categorical)
            .collect(),
        quality: quality.filter(|_| granules.len() > 1 || composite.is_some()),
        composite,
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
    let reach = [0.0; 4]; // set by the caller, which knows the whole footprint
    Ok((GranuleInput { groups, reach }, footprint, grid, files))
}
