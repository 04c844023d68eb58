//! Splitting a tile pyramid into `N` shards for as many processes (Kubernetes Indexed Jobs,
//! Argo fan-out, AWS Batch and Slurm arrays): deterministic, disjoint, balanced.
//!
//! The split is at one zoom, the *shard zoom*: the shallowest zoom with at least
//! [`ROOTS_PER_SHARD`] tiles per shard. Each of its tiles, with every tile below it, goes to
//! one shard; the shards' loads (tiles of the deepest zoom under their roots, which is where
//! the work is) are balanced greedily, heaviest root first. The zooms above the shard zoom
//! need every shard's tiles and are built by `aftermath finalize`.

use super::{TileId, TilePyramid};

/// One of `count` shards (`index` from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A shard index at or above the count of shards.
#[derive(Debug, Clone, thiserror::Error)]
#[error("--shard {index}/{count}: the index counts from 0 and must be below the number of shards")]
pub struct InvalidShard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Shard `index` of `count`: the index counts from 0 and is below `count` ≥ 1.
    pub fn new(index: usize, count: usize) -> Result<Shard, InvalidShard> {
        if index >= count {
            return Err(InvalidShard { index, count });
        }
        Ok(Shard { index, count })
    }
}

/// Roots per shard at least, where the pyramid has them: enough to balance the loads.
pub const ROOTS_PER_SHARD: u64 = 4;

/// The split of a pyramid into shards.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardPlan {
    /// The shard zoom: the shards write it and every zoom below.
    pub zoom: u8,
    /// Per shard, its roots (tiles of the shard zoom), by row then column.
    pub roots: Vec<Vec<TileId>>,
    /// Per shard, its tiles of the deepest zoom (at most: tiles without data are skipped).
    pub load: Vec<u64>,
}

impl ShardPlan {
    /// Splits `pyramid` into `count` shards (≥ 1); `None` for an empty pyramid.
    pub fn new(pyramid: &TilePyramid, count: usize) -> Option<ShardPlan> {
        let count = count.max(1);
        let deepest = *pyramid.ranges.last()?;
        let level = pyramid
            .ranges
            .iter()
            .find(|r| r.count() >= ROOTS_PER_SHARD * count as u64)
            .unwrap_or(&deepest);
        let mut roots: Vec<(u64, TileId)> =
            level.tiles().map(|t| (deepest.count_under(t), t)).collect();
        // Heaviest first; equal loads by row, then column: deterministic.
        roots.sort_by_key(|&(l, t)| (std::cmp::Reverse(l), t.y, t.x));
        let mut plan = ShardPlan {
            zoom: level.z,
            roots: vec![Vec::new(); count],
            load: vec![0; count],
        };
        for (l, tile) in roots {
            let lightest = (0..count).min_by_key(|&i| (plan.load[i], i)).unwrap_or(0);
            plan.roots[lightest].push(tile);
            plan.load[lightest] += l;
        }
        for roots in &mut plan.roots {
            roots.sort_by_key(|t| (t.y, t.x));
        }
        Some(plan)
    }

    /// The shard that builds `tile` (of the shard zoom or below); `None` above the shard zoom.
    pub fn shard_of(&self, tile: TileId) -> Option<usize> {
        let shift = tile.z.checked_sub(self.zoom)?;
        let root = TileId::new(self.zoom, tile.x >> shift, tile.y >> shift);
        self.roots.iter().position(|r| r.contains(&root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiling::{TileRange, ZoomRange};
    use geo::{coord, Rect};

    fn pyramid(zooms: (u8, u8)) -> TilePyramid {
        // About 40 × 30 km around Olinda, in EPSG:3857 metres.
        let bounds = Rect::new(
            coord! { x: -3_900_000.0, y: -900_000.0 },
            coord! { x: -3_860_000.0, y: -870_000.0 },
        );
        TilePyramid::new(
            bounds,
            ZoomRange::new(zooms.0, zooms.1).expect("zooms"),
            256,
        )
    }

    #[test]
    fn shards_are_disjoint_cover_every_tile_and_are_balanced() {
        let p = pyramid((8, 14));
        for count in [1, 2, 3, 4, 7] {
            let plan = ShardPlan::new(&p, count).expect("plan");
            let level = p.range(plan.zoom).expect("shard zoom");
            // The shallowest zoom with enough roots.
            assert!(level.count() >= ROOTS_PER_SHARD * count as u64);
            if let Some(above) = p.range(plan.zoom - 1) {
                assert!(above.count() < ROOTS_PER_SHARD * count as u64);
            }
            // Every tile of the shard zoom and below in exactly one shard.
            let mut seen = std::collections::BTreeSet::new();
            for roots in &plan.roots {
                for r in roots {
                    assert!(seen.insert(*r), "{r} in two shards");
                }
            }
            assert_eq!(seen.len() as u64, level.count());
            let deepest: &TileRange = p.ranges.last().expect("deepest");
            let mut per_shard = vec![0u64; count];
            for t in deepest.tiles() {
                per_shard[plan.shard_of(t).expect("a shard")] += 1;
            }
            assert_eq!(per_shard, plan.load, "loads count the deepest tiles");
            let (lo, hi) = (
                per_shard.iter().min().copied(),
                per_shard.iter().max().copied(),
            );
            let (lo, hi) = (lo.unwrap_or(0) as f64, hi.unwrap_or(0) as f64);
            assert!(
                hi <= lo * 1.5 + 64.0,
                "{count} shards balanced: {per_shard:?}"
            );
            // Deterministic.
            assert_eq!(ShardPlan::new(&p, count), Some(plan));
        }
    }

    #[test]
    fn a_small_pyramid_splits_at_its_deepest_zoom() {
        let p = pyramid((12, 12));
        let plan = ShardPlan::new(&p, 64).expect("plan");
        assert_eq!(plan.zoom, 12);
        assert_eq!(plan.shard_of(TileId::new(11, 0, 0)), None);
        assert!(
            plan.roots.iter().filter(|r| r.is_empty()).count() > 0,
            "more shards than tiles"
        );
    }
}
