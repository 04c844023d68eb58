//! JOB: what one run is about and what it did — the [`Job`] (the plan with its scenes opened
//! and its tile pyramid chosen) and the [`Summary`] of a run. The documents published with the
//! tiles take these as arguments; the runner builds them.

mod summary;

pub use summary::{Summary, TileFailure};

use crate::plan::Plan;
use crate::raster::{Aoi, Footprint, SceneInput};
use crate::tiling::{TilePyramid, TileRange, ZoomRange};

/// A plan with its inputs opened: ready to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub plan: Plan,
    /// One input per scene the product reads, with the bands it needs from it.
    pub inputs: Vec<SceneInput>,
    /// For each of the product's reads: (index into `inputs`, band slot in that input).
    pub read_slots: Vec<(usize, usize)>,
    /// Where all the product's scenes have data (EPSG:3857).
    pub footprint: Footprint,
    pub zooms: ZoomRange,
    pub pyramid: TilePyramid,
    /// `[product] aoi`: outside its polygons the product is nodata.
    pub aoi: Option<Aoi>,
}

impl Job {
    /// COMPUTE the product from the bands of each input (as read, per scene, in input order).
    pub fn compute(&self, per_scene: &[Vec<Vec<f32>>]) -> Vec<f32> {
        let ordered: Vec<&[f32]> = self
            .read_slots
            .iter()
            .map(|&(scene, slot)| per_scene[scene][slot].as_slice())
            .collect();
        self.plan.product.compute(&ordered)
    }

    /// Sets the product's values (every channel of `values`) to nodata where `covered`
    /// (one flag per pixel) says the area of interest does not reach.
    pub fn clip(values: &mut [f32], covered: &[bool]) {
        let n = covered.len().max(1);
        for plane in values.chunks_mut(n) {
            for (v, inside) in plane.iter_mut().zip(covered) {
                if !inside {
                    *v = f32::NAN;
                }
            }
        }
    }

    /// Tiles per zoom level at most (tiles with no data are skipped during the run).
    pub fn tile_counts(&self) -> Vec<(u8, u64)> {
        self.pyramid
            .ranges
            .iter()
            .map(|r| (r.z, r.count()))
            .collect()
    }

    /// Tiles of the pyramid at or below `roots` (all of the pyramid's when `None`), above
    /// zoom `until` if given (at most: tiles without data are skipped).
    pub fn tiles_under(&self, roots: Option<&[crate::tiling::TileId]>, until: Option<u8>) -> u64 {
        let ranges = (self.pyramid.ranges.iter()).filter(|r| until.is_none_or(|z| r.z < z));
        match roots {
            None => ranges.map(TileRange::count).fold(0, u64::saturating_add),
            Some(roots) => {
                let ranges: Vec<_> = ranges.collect();
                roots
                    .iter()
                    .map(|&root| ranges.iter().map(|r| r.count_under(root)).sum::<u64>())
                    .sum()
            }
        }
    }
}
