//! The tile pyramid, depth first: a tile of the deepest zoom is warped and computed; every
//! other tile is built from its four children (2×2 → 1) on index values. Memory stays flat:
//! at any moment each worker holds at most four child tiles per level of one branch.

use std::collections::HashMap;
use std::sync::Mutex;

use rayon::prelude::*;
use tokio::sync::mpsc::Sender;

use super::writer::{EncodedTile, Stops};
use super::{Job, TileFailure};
use crate::compute::overview::{downsample, Aggregate};
use crate::raster::{RasterError, ReaderPool};
use crate::render::Style;
use crate::tiling::TileId;

/// What the CPU side reports: tiles that failed, tiles that had no data (not written), and
/// the values of the roots built (with data) when they were [`Roots::These`].
#[derive(Debug, Default)]
pub struct Built {
    pub failures: Vec<TileFailure>,
    pub empty: u64,
    pub roots: Vec<(TileId, Vec<f32>)>,
}

/// Where the tiles of one zoom come from.
#[derive(Clone, Copy)]
pub(super) enum Below<'a> {
    /// Built from the sources, down to the deepest zoom.
    Sources,
    /// Known: the values of the tiles of `zoom` (written already, by the shards); a tile
    /// missing from `values` has no data.
    Known {
        zoom: u8,
        values: &'a HashMap<TileId, Vec<f32>>,
    },
}

struct Context<'a> {
    job: &'a Job,
    /// A signal, or the writer's word that the store keeps failing.
    stops: &'a Stops,
    below: Below<'a>,
    readers: ReaderPool,
    sender: Sender<EncodedTile>,
    failures: Mutex<Vec<TileFailure>>,
    empty: std::sync::atomic::AtomicU64,
}

/// The tiles a build starts from.
#[derive(Clone, Copy)]
pub(super) enum Roots<'a> {
    /// Every tile of the pyramid's shallowest zoom (a whole run, finalize): walked by index,
    /// never listed, and their values are not kept, so memory does not grow with their count.
    Top,
    /// These tiles (a shard's), whose values are kept for finalize.
    These(&'a [TileId]),
}

/// Builds `roots` and every tile below them (down to the deepest zoom, or to the tiles known
/// in `below`); once `stops` says so no tile starts and no overview is written (its
/// children may be missing), while tiles already built are still sent.
pub(super) fn build(
    job: &Job,
    roots: Roots,
    below: Below,
    sender: Sender<EncodedTile>,
    stops: &Stops,
) -> Built {
    let ctx = Context {
        job,
        stops,
        below,
        readers: ReaderPool::new().stopped_by(stops.interrupt.flag()),
        sender,
        failures: Mutex::new(Vec::new()),
        empty: 0.into(),
    };
    let roots = match roots {
        Roots::These(list) => list
            .par_iter()
            .filter_map(|&t| Some((t, tile_values(&ctx, t)?)))
            .collect(),
        Roots::Top => {
            if let Some(top) = job.pyramid.ranges.first() {
                (0..top.count()).into_par_iter().for_each(|i| {
                    tile_values(&ctx, top.tile_at(i));
                });
            }
            Vec::new()
        }
    };
    let mut failures = ctx.failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort_by_key(|f| f.tile);
    Built {
        failures,
        empty: ctx.empty.into_inner(),
        roots,
    }
}

/// Values of `tile` (NaN = no data), after sending its PNG to the writer; `None` when the tile
/// has no data or failed.
fn tile_values(ctx: &Context, tile: TileId) -> Option<Vec<f32>> {
    if ctx.stops.stopping() {
        return None;
    }
    if let Below::Known { zoom, values } = ctx.below {
        if tile.z == zoom {
            return values.get(&tile).cloned();
        }
    }
    let p = ctx.job;
    let size = p.plan.tiling.tile_size as usize;
    let values = if Some(tile.z) == p.pyramid.max_zoom() {
        // A panic here is a bug, but one tile's: it fails that tile (counted, reported,
        // exit 3) instead of taking down the run and every tile already built.
        let computed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            index_values(ctx.job, &ctx.readers, tile)
        }));
        match computed {
            Ok(Ok(mut values)) => {
                if let Style::Composite(c) = &p.plan.style {
                    c.clamp(&mut values);
                }
                values
            }
            Ok(Err(e)) => {
                fail(ctx, tile, e.to_string());
                return None;
            }
            Err(panic) => {
                let why = (panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                fail(
                    ctx,
                    tile,
                    format!("computing the tile failed unexpectedly: {why}"),
                );
                return None;
            }
        }
    } else {
        let children = tile.children();
        let built: Vec<Option<Vec<f32>>> = children
            .par_iter()
            .map(|&child| {
                if p.pyramid.contains(child) {
                    tile_values(ctx, child)
                } else {
                    None
                }
            })
            .collect();
        if built.iter().all(Option::is_none) || ctx.stops.stopping() {
            return None;
        }
        let quads = [0, 1, 2, 3].map(|i| built[i].as_deref());
        let classify = |v: f32| p.plan.style.class_table().and_then(|t| t.class_of(v));
        let aggregate = match &p.plan.style {
            Style::Classes(_) => Aggregate::Majority(&classify),
            Style::Ramp { .. } | Style::Composite(_) => Aggregate::Mean,
        };
        downsample(quads, size, p.plan.product.channels(), aggregate)
    };
    if values.iter().all(|v| v.is_nan()) {
        ctx.empty.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return None;
    }
    match p
        .plan
        .style
        .encode_tile(&values, p.plan.tiling.tile_size, p.plan.output.encoding)
    {
        Ok(bytes) => {
            if ctx
                .sender
                .blocking_send(EncodedTile { tile, bytes })
                .is_err()
            {
                fail(ctx, tile, "the writer stopped".into());
            }
        }
        Err(e) => fail(ctx, tile, e.to_string()),
    }
    Some(values)
}

/// READ every scene of the product into `tile` (of any zoom), then COMPUTE the product: the
/// values a tile of the deepest zoom is rendered from, NaN where there is no data.
pub fn index_values(p: &Job, readers: &ReaderPool, tile: TileId) -> Result<Vec<f32>, RasterError> {
    let mut per_scene = Vec::with_capacity(p.inputs.len());
    for input in &p.inputs {
        let bands = readers.read_tile(
            input,
            tile,
            p.plan.tiling.tile_size,
            p.plan.tiling.resampling,
        )?;
        per_scene.push(bands);
    }
    let mut values = p.compute(&per_scene);
    if let Some(aoi) = &p.aoi {
        let covered = readers.aoi_tile(aoi, tile, p.plan.tiling.tile_size)?;
        Job::clip(&mut values, &covered);
    }
    Ok(values)
}

fn fail(ctx: &Context, tile: TileId, message: String) {
    let failure = TileFailure::new(tile, &message);
    tracing::warn!(%tile, error = %failure.message, "tile failed");
    if let Ok(mut f) = ctx.failures.lock() {
        f.push(failure);
    }
}
