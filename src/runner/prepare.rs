//! Everything a run needs before the first tile: inputs opened and checked, the area both
//! scenes cover, the zoom range and the tile pyramid. `validate` and `plan` stop here.

use crate::compute::{Epoch, Index};
use crate::error::Error;
use crate::plan::{Plan, ZoomChoice};
use crate::read::{self, Footprint, SceneInput};
use crate::tiling::{TilePyramid, ZoomRange};

/// A plan with its inputs opened: ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub plan: Plan,
    /// One input per scene role of the product, with the bands the index needs.
    pub inputs: Vec<(Epoch, SceneInput)>,
    /// Where all the product's scenes have data (EPSG:3857).
    pub footprint: Footprint,
    pub zooms: ZoomRange,
    pub pyramid: TilePyramid,
}

impl Prepared {
    pub fn index(&self) -> Index {
        self.plan.product.index
    }

    /// Tiles per zoom level at most (tiles with no data are skipped during the run).
    pub fn tile_counts(&self) -> Vec<(u8, u64)> {
        self.pyramid
            .ranges
            .iter()
            .map(|r| (r.z, r.count()))
            .collect()
    }
}

pub fn prepare(plan: &Plan) -> Result<Prepared, Error> {
    let index = plan.product.index;
    let mut inputs = Vec::new();
    for (epoch, scene_name) in &plan.product.scenes {
        let Some(scene) = plan.scenes.get(scene_name) else {
            continue; // compile guarantees the scene exists
        };
        let bands: Vec<(&str, &read::BandSource)> = index
            .bands()
            .iter()
            .filter(|need| need.epoch == *epoch)
            .filter_map(|need| scene.bands.get(need.band).map(|s| (need.band, s)))
            .collect();
        inputs.push((*epoch, read::open_scene(scene_name, &bands)?));
    }
    let mut footprint: Option<Footprint> = None;
    for (_, input) in &inputs {
        footprint = Some(match footprint {
            None => input.footprint,
            Some(f) => f
                .intersection(&input.footprint)
                .ok_or_else(|| Error::NoOverlap {
                    pre: format!("`{}`", inputs[0].1.name),
                    post: format!("`{}`", input.name),
                })?,
        });
    }
    let footprint = footprint.ok_or(Error::NoTiles)?;
    let tile_size = plan.tiling.tile_size;
    let zooms = match plan.tiling.zoom {
        ZoomChoice::Range(r) => r,
        ZoomChoice::Auto => auto_zooms(&inputs, &footprint, tile_size),
    };
    let pyramid = TilePyramid::new(footprint.bounds, zooms, tile_size);
    if pyramid.ranges.is_empty() {
        return Err(Error::NoTiles);
    }
    Ok(Prepared {
        plan: plan.clone(),
        inputs,
        footprint,
        zooms,
        pyramid,
    })
}

/// For one scene, exactly gdal2tiles' choice. For a pair, the maximum zoom of the coarser
/// scene (a change map is no sharper than its coarser input) and the minimum zoom at which
/// the common area fits one tile.
fn auto_zooms(inputs: &[(Epoch, SceneInput)], common: &Footprint, tile_size: u32) -> ZoomRange {
    let coarsest = inputs
        .iter()
        .map(|(_, i)| i.footprint.pixel_size)
        .fold(common.pixel_size, f64::max);
    if let [(_, only)] = inputs {
        let f = only.footprint;
        return ZoomRange::auto(f.pixel_size, f.width, f.height, tile_size);
    }
    let side = (common.bounds.width().max(common.bounds.height()) / coarsest).round() as usize;
    ZoomRange::auto(coarsest, side, side, tile_size)
}
