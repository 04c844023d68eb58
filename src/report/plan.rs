//! `aftermath plan`: bounds, zooms and tiles per zoom, and how shards would split them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::job::Job;
use crate::metadata::AcquisitionRecord;
use crate::plan::SourceItem;
use crate::tiling::{ShardPlan, ZoomRange};

#[derive(Debug, Serialize)]
pub struct PlanReport {
    pub pipeline: String,
    pub product: String,
    /// The scenes read and their files (every raster of a mosaic, in mosaic order).
    pub scenes: Vec<SceneFiles>,
    /// WGS 84 `[west, south, east, north]` (within the area of interest, if any).
    pub bounds: [f64; 4],
    /// `[product] aoi`: its file and WGS 84 bounding box.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aoi: Option<AreaOfInterest>,
    pub zooms: ZoomRange,
    pub tile_size: u32,
    pub tiles: TileCounts,
    pub output: String,
    pub shards: Option<ShardSplit>,
}

#[derive(Debug, Serialize)]
pub struct SceneFiles {
    pub name: String,
    pub files: Vec<String>,
    /// A composite's reducer and acquisitions in time order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduce: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acquisitions: Vec<AcquisitionRecord>,
    /// `stac = …`: where the items were found, and which (in time order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<SourceItem>,
}

#[derive(Debug, Serialize)]
pub struct AreaOfInterest {
    pub file: String,
    pub bounds: [f64; 4],
}

#[derive(Debug, Serialize)]
pub struct TileCounts {
    /// Tiles per zoom level at most (tiles without data are skipped).
    pub per_zoom: BTreeMap<u8, u64>,
    pub total: u64,
}

#[derive(Debug, Serialize)]
pub struct ShardSplit {
    pub count: usize,
    /// The shards write this zoom and every zoom below.
    pub shard_zoom: u8,
    /// The zooms `finalize` builds, if any.
    pub finalize_zooms: Option<[u8; 2]>,
    pub shards: Vec<ShardLoad>,
}

#[derive(Debug, Serialize)]
pub struct ShardLoad {
    pub shard: usize,
    pub roots: usize,
    pub tiles: u64,
    pub deepest_zoom_tiles: u64,
}

impl PlanReport {
    pub fn new(pipeline: &Path, job: &Job, split: Option<&ShardPlan>) -> Self {
        let per_zoom: BTreeMap<u8, u64> = job.tile_counts().into_iter().collect();
        let total = per_zoom.values().sum();
        let shards = split.map(|split| ShardSplit {
            count: split.roots.len(),
            shard_zoom: split.zoom,
            finalize_zooms: (job.zooms.min < split.zoom).then(|| [job.zooms.min, split.zoom - 1]),
            shards: (split.roots.iter().zip(&split.load).enumerate())
                .map(|(shard, (roots, load))| ShardLoad {
                    shard,
                    roots: roots.len(),
                    tiles: job.tiles_under(Some(roots), None),
                    deepest_zoom_tiles: *load,
                })
                .collect(),
        });
        PlanReport {
            pipeline: pipeline.display().to_string(),
            product: job.plan.product.name().to_string(),
            scenes: (job.inputs.iter())
                .map(|input| {
                    let scene = job.plan.scenes.get(&input.name);
                    SceneFiles {
                        name: input.name.clone(),
                        files: input.files.clone(),
                        reduce: scene.and_then(|s| Some(s.reduce.as_ref()?.reducer.name().into())),
                        acquisitions: scene.map(AcquisitionRecord::of).unwrap_or_default(),
                        catalogue: scene.and_then(|s| s.catalogue.clone()),
                        items: scene.map(|s| s.items.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            bounds: job.footprint.wgs84_bbox(),
            aoi: job.aoi.as_ref().map(|a| AreaOfInterest {
                file: a.location.clone(),
                bounds: a.lon_lat,
            }),
            zooms: job.zooms,
            tile_size: job.plan.tiling.tile_size,
            tiles: TileCounts { per_zoom, total },
            output: job.plan.output.url.clone(),
            shards,
        }
    }
}

impl fmt::Display for PlanReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [w, s, e, n] = self.bounds;
        writeln!(f, "pipeline: {}", self.pipeline)?;
        writeln!(f, "product:  {}", self.product)?;
        for scene in &self.scenes {
            let composite = match &scene.reduce {
                Some(reducer) => format!(
                    ", the {reducer} of {} acquisition(s)",
                    scene.acquisitions.len()
                ),
                None => String::new(),
            };
            let items = match scene.items.len() {
                0 => String::new(),
                n => format!(" from {n} STAC item(s)"),
            };
            writeln!(
                f,
                "scene:    {} ({} file(s){items}{composite})",
                scene.name,
                scene.files.len()
            )?;
        }
        writeln!(f, "bounds:   {w:.6}, {s:.6}, {e:.6}, {n:.6} (lon/lat)")?;
        if let Some(aoi) = &self.aoi {
            let [w, s, e, n] = aoi.bounds;
            writeln!(
                f,
                "area:     {} ({w:.6}, {s:.6}, {e:.6}, {n:.6}); bounds are its part of the data",
                aoi.file
            )?;
        }
        writeln!(f, "zooms:    {} (tile size {})", self.zooms, self.tile_size)?;
        for (z, count) in &self.tiles.per_zoom {
            writeln!(f, "  zoom {z:>2}: {count} tiles at most")?;
        }
        writeln!(
            f,
            "total:    {} tiles at most (tiles without data are skipped)",
            self.tiles.total
        )?;
        if let Some(split) = &self.shards {
            writeln!(
                f,
                "shards:   {} at zoom {} (finalize builds the zooms above)",
                split.count, split.shard_zoom
            )?;
            for shard in &split.shards {
                writeln!(
                    f,
                    "  shard {:>3}: {} tiles at most ({} roots)",
                    shard.shard, shard.tiles, shard.roots
                )?;
            }
        }
        writeln!(f, "output:   {}", self.output)
    }
}
