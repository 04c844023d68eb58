//! A shard's marker (`_shards/done-I-of-N.json`): written when shard I of N has built its
//! tiles, read by `finalize`, which sums the shards' totals and refuses markers of another
//! pipeline or zoom range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::job::{Job, Summary};
use crate::tiling::Shard;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardMarker {
    /// The pipeline's fingerprint: finalize runs only over shards of its own pipeline.
    pub fingerprint: String,
    pub shard: usize,
    pub shards: usize,
    /// The shards wrote this zoom and every zoom below.
    pub shard_zoom: u8,
    pub zooms: ZoomSpan,
    pub tiles: ShardTiles,
}

/// The zoom range the shards were planned with (as written, not re-validated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomSpan {
    pub min: u8,
    pub max: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardTiles {
    pub per_zoom: BTreeMap<u8, u64>,
    pub bytes: u64,
    pub empty_skipped: u64,
}

pub fn shard_marker(job: &Job, summary: &Summary, shard: Shard, shard_zoom: u8) -> ShardMarker {
    ShardMarker {
        fingerprint: job.plan.fingerprint(),
        shard: shard.index,
        shards: shard.count,
        shard_zoom,
        zooms: ZoomSpan {
            min: job.zooms.min,
            max: job.zooms.max,
        },
        tiles: ShardTiles {
            per_zoom: summary.per_zoom.clone(),
            bytes: summary.bytes,
            empty_skipped: summary.empty_tiles_skipped,
        },
    }
}
