//! Sharded jobs: `aftermath run --shard I/N` builds one shard's tiles (the shard zoom and
//! every zoom below it, see [`ShardPlan`]), and `aftermath finalize` — once, after every
//! shard — builds the zooms above the shard zoom and publishes what needs the whole picture
//! (products, TileJSON, STAC item, `run.json`).
//!
//! Shards leave two things under `_shards/` in the output: the values of their shard-zoom
//! tiles (`_shards/values/z/x/y.f32`, little-endian f32, what the zoom above is averaged
//! from — colours cannot be averaged back into index values) and a marker per finished shard
//! (`_shards/done-I-of-N.json`, with its tile counts). Finalize reads them and deletes them,
//! so the finished output is the one an unsharded run writes.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use bytes::Bytes;

use super::pyramid::{Below, Roots};
use super::{products, publish, supersede, Engine, Job, RunOptions, Shard, Summary};
use crate::error::Error;
use crate::layout::{self, SHARDS_FOLDER};
use crate::metadata::{self, ShardMarker};
use crate::plan::TileFormat;
use crate::store::OutputStore;
use crate::tiling::ShardPlan;

/// The split of `job`'s pyramid into `count` shards; sharding writes XYZ tiles only.
pub fn shard_plan(job: &Job, count: usize) -> Result<ShardPlan, Error> {
    if job.plan.output.format == TileFormat::Pmtiles {
        return Err(Error::ShardUsage(
            "sharding writes XYZ tiles: a PMTiles archive is one file, written by one process; \
             set [output] format = \"xyz\" or run without --shard"
                .into(),
        ));
    }
    ShardPlan::new(&job.pyramid, count).ok_or(Error::NoTiles)
}

/// Builds shard `shard`'s tiles, leaves its shard-zoom values and, when no tile failed, its
/// marker.
pub(super) fn run_shard(
    job: &Job,
    store: &OutputStore,
    options: &RunOptions,
    shard: Shard,
) -> Result<Summary, Error> {
    let shard = Shard::new(shard.index, shard.count)?;
    let split = shard_plan(job, shard.count)?;
    let engine = Engine::start(store, options)?;
    supersede::supersede(&engine.runtime, store, job, options, false)?;
    let roots = &split.roots[shard.index];
    tracing::info!(
        shard = %format!("{}/{}", shard.index, shard.count),
        shard_zoom = split.zoom,
        roots = roots.len(),
        "building one shard"
    );
    let done = engine.tiles(job, store, options, Roots::These(roots), Below::Sources)?;
    let (mut summary, values) = (done.summary, done.roots);
    summary.shard = Some(shard);
    let runtime = &engine.runtime;
    for (tile, v) in &values {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        runtime.block_on(store.put(
            &layout::shard_values_key(*tile),
            Bytes::from(bytes),
            "application/octet-stream",
        ))?;
    }
    options.interrupt.check()?;
    if summary.failures.is_empty() {
        let marker = metadata::shard_marker(job, &summary, shard, split.zoom);
        super::put_json(
            runtime,
            store,
            &layout::shard_marker_key(shard.index, shard.count),
            &marker,
            layout::JSON_MEDIA_TYPE,
        )?;
        summary.completed = true;
    }
    summary.seconds = engine.clock.elapsed().as_secs_f64();
    summary.objects = store.put_counts();
    Ok(summary)
}

/// What the shards' markers say, summed.
#[derive(Default)]
struct ShardTotals {
    per_zoom: BTreeMap<u8, u64>,
    bytes: u64,
    empty: u64,
}

/// After every shard of a job: builds the zooms above the shard zoom from the shards' values,
/// writes the products and documents and `run.json`, and removes `_shards/`.
pub fn finalize(plan: &crate::plan::Plan, options: &RunOptions) -> Result<Summary, Error> {
    let started = SystemTime::now();
    let job = super::prepare(plan)?;
    let store =
        OutputStore::open_with(&plan.output.url, &plan.output.store)?.resuming(options.resume);
    let engine = Engine::start(&store, options)?;
    let runtime = &engine.runtime;
    let keys = runtime.block_on(store.list_under(layout::SHARDS_FOLDER))?;
    let markers: Vec<Shard> = keys
        .iter()
        .filter_map(|k| layout::shard_of_marker_key(k))
        .map(|(index, count)| Shard { index, count })
        .collect();
    let count = match markers.iter().map(|s| s.count).max() {
        Some(count) if markers.iter().all(|s| s.count == count) => count,
        Some(_) => {
            return Err(Error::ShardUsage(format!(
                "{SHARDS_FOLDER}/ holds markers of runs with different shard counts; \
                 remove {SHARDS_FOLDER}/ and run the shards again"
            )))
        }
        None => {
            return Err(Error::ShardUsage(format!(
                "no shard has finished: {SHARDS_FOLDER}/ in {} holds no marker; \
                 run `aftermath run PIPELINE --shard I/N` for every I first",
                store.url()
            )))
        }
    };
    let missing: Vec<usize> = (0..count)
        .filter(|&index| !markers.contains(&Shard { index, count }))
        .collect();
    if !missing.is_empty() {
        return Err(Error::ShardsUnfinished { missing, count });
    }
    let split = shard_plan(&job, count)?;
    let mut totals = ShardTotals::default();
    let fingerprint = job.plan.fingerprint();
    let mut foreign = Vec::new();
    let mut parsed = Vec::with_capacity(count);
    for index in 0..count {
        let key = layout::shard_marker_key(index, count);
        let marker: ShardMarker = serde_json::from_slice(&runtime.block_on(store.get(&key))?)
            .map_err(|e| Error::ShardUsage(format!("{key}: not a shard marker ({e})")))?;
        if marker.fingerprint != fingerprint {
            foreign.push(index.to_string());
        }
        parsed.push((key, marker));
    }
    if !foreign.is_empty() {
        return Err(Error::ShardUsage(format!(
            "shard(s) {} of {count} were built from a different pipeline than this one \
             (their markers under {SHARDS_FOLDER}/ carry another fingerprint); run them again \
             with this pipeline, or finalize with the pipeline they were built from",
            foreign.join(", ")
        )));
    }
    supersede::supersede(runtime, &store, &job, options, false)?;
    for (key, marker) in parsed {
        let zooms = marker.zooms;
        if (zooms.min, zooms.max) != (job.zooms.min, job.zooms.max) {
            return Err(Error::ShardUsage(format!(
                "{key}: the shards tiled zooms {}-{}, finalize has {}; \
                 finalize with the shards' pipeline and --zoom",
                zooms.min, zooms.max, job.zooms
            )));
        }
        for (z, n) in &marker.tiles.per_zoom {
            *totals.per_zoom.entry(*z).or_default() += n;
        }
        totals.bytes += marker.tiles.bytes;
        totals.empty += marker.tiles.empty_skipped;
    }
    let size = (plan.tiling.tile_size as usize).pow(2);
    let mut values = HashMap::new();
    let prefix = format!("{}/values/", layout::SHARDS_FOLDER);
    for key in keys.iter().filter(|k| k.starts_with(&prefix)) {
        let tile = layout::tile_of_shard_values_key(key)
            .ok_or_else(|| Error::ShardUsage(format!("{key}: not a shard's tile values")))?;
        let bytes = runtime.block_on(store.get(key))?;
        let v: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if v.len() != size * plan.product.channels() {
            return Err(Error::ShardUsage(format!(
                "{key}: {} values, not one {}-pixel tile; remove {SHARDS_FOLDER}/ and run the \
                 shards again",
                v.len(),
                plan.tiling.tile_size
            )));
        }
        values.insert(tile, v);
    }
    let below = Below::Known {
        zoom: split.zoom,
        values: &values,
    };
    let done = engine.tiles(&job, &store, options, Roots::Top, below)?;
    let (mut summary, spool) = (done.summary, done.spool);
    for (z, n) in totals.per_zoom {
        *summary.per_zoom.entry(z).or_default() += n;
    }
    summary.bytes += totals.bytes;
    summary.empty_tiles_skipped += totals.empty;
    if summary.tiles_written() == 0 && summary.failures.is_empty() {
        return Err(Error::NoTiles);
    }
    let products = products::alone(&engine, &job, &store, options);
    let summary = publish(
        &job,
        &store,
        options,
        &engine,
        (summary, spool),
        products,
        started,
    )?;
    if summary.completed {
        for key in &keys {
            runtime.block_on(store.delete(key))?;
        }
    }
    Ok(summary)
}
