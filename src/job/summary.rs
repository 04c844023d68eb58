//! What a run did, for the human summary, `run.json` and the exit code.

use std::collections::BTreeMap;

use crate::error::exit_code;
use crate::layout;
use crate::raster::Grid;
use crate::tiling::{Shard, TileId, ZoomRange};

#[derive(Debug, Clone, serde::Serialize)]
pub struct TileFailure {
    #[serde(serialize_with = "tile_string")]
    pub tile: TileId,
    pub message: String,
}

impl TileFailure {
    /// A failed tile and why, the message redacted (it may quote a server's answer).
    pub fn new(tile: TileId, message: &str) -> Self {
        TileFailure {
            tile,
            message: crate::secrets::redact(message),
        }
    }
}

fn tile_string<S: serde::Serializer>(tile: &TileId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(tile)
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub output: String,
    /// The base URL of the output as clients on this machine reach it; keys append to it.
    pub public_base: String,
    pub zooms: ZoomRange,
    /// WGS 84 `[west, south, east, north]` of the tiled area.
    pub bounds: [f64; 4],
    pub per_zoom: BTreeMap<u8, u64>,
    pub empty_tiles_skipped: u64,
    pub bytes: u64,
    pub failures: Vec<TileFailure>,
    /// Keys of the analyst products written (`stats.json`, `stats.csv`, `index.tif`, …).
    pub products: Vec<String>,
    /// The grid of the product rasters, once chosen.
    pub product_grid: Option<Grid>,
    /// Objects the store wrote, and left as they were (`--resume`).
    pub objects: (u64, u64),
    /// Why the product rasters could not be written, if they could not.
    pub product_errors: Vec<String>,
    pub seconds: f64,
    /// Seconds opening the output, building and writing the tiles, and writing the product
    /// rasters (the tiles are made beside the products' later steps, so these two overlap).
    pub prepare_seconds: f64,
    pub tiles_seconds: f64,
    pub products_seconds: f64,
    /// `run.json` was written (for a shard: its marker).
    pub completed: bool,
    /// The shard this run built (`--shard I/N`), if it built one.
    pub shard: Option<Shard>,
    /// Objects of a previous run in the output that this run no longer produces, removed.
    pub removed: Vec<String>,
}

impl Summary {
    /// Where a client reads `key` of the output.
    pub fn url_of(&self, key: &str) -> String {
        format!("{}{key}", self.public_base)
    }

    pub fn tiles_written(&self) -> u64 {
        self.per_zoom.values().sum()
    }

    pub fn exit_code(&self) -> u8 {
        if self.failures.is_empty() && self.product_errors.is_empty() {
            exit_code::OK
        } else {
            exit_code::FAILED_TILES
        }
    }

    /// The summary as one JSON document (`aftermath run --json`), for schedulers: status and
    /// exit code, tiles per zoom, failures, bytes, durations and the URLs of what was written.
    pub fn report(&self) -> SummaryReport<'_> {
        let status = match (self.exit_code() == exit_code::OK, self.shard) {
            (false, _) => "failed_tiles",
            (true, Some(_)) => "shard_complete",
            (true, None) => "complete",
        };
        SummaryReport {
            status,
            shard: self.shard.map(|s| ShardReport {
                index: s.index,
                count: s.count,
            }),
            exit_code: self.exit_code(),
            output: &self.output,
            zooms: self.zooms,
            bounds: self.bounds,
            tiles: TilesReport {
                written: self.tiles_written(),
                per_zoom: &self.per_zoom,
                empty_skipped: self.empty_tiles_skipped,
                failed: self.failures.len(),
                bytes: self.bytes,
            },
            failures: &self.failures,
            product_errors: &self.product_errors,
            objects: ObjectsReport {
                written: self.objects.0,
                unchanged: self.objects.1,
                removed: self.removed.len(),
            },
            seconds: SecondsReport {
                total: self.seconds,
                prepare: self.prepare_seconds,
                tiles: self.tiles_seconds,
                products: self.products_seconds,
            },
            urls: UrlsReport {
                tilejson: self.url_of(layout::TILEJSON_KEY),
                run_record: (self.completed && self.shard.is_none())
                    .then(|| self.url_of(layout::RUN_RECORD_KEY)),
                products: (self.products.iter())
                    .map(|key| (key.clone(), self.url_of(key)))
                    .collect(),
            },
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [w, s, e, n] = self.bounds;
        writeln!(
            f,
            "tiles:    {} written in {:.2} s ({} bytes), zooms {}",
            self.tiles_written(),
            self.seconds,
            self.bytes,
            self.zooms
        )?;
        for (z, n) in &self.per_zoom {
            writeln!(f, "          zoom {z:>2}: {n}")?;
        }
        writeln!(
            f,
            "objects:  {} written, {} already in place",
            self.objects.0, self.objects.1
        )?;
        writeln!(f, "bounds:   {w:.5}, {s:.5}, {e:.5}, {n:.5} (lon/lat)")?;
        writeln!(f, "output:   {}", self.output)?;
        writeln!(f, "tilejson: {}", self.url_of(layout::TILEJSON_KEY))?;
        for key in &self.products {
            writeln!(f, "product:  {}", self.url_of(key))?;
        }
        if let (Some(shard), true) = (self.shard, self.completed) {
            writeln!(
                f,
                "shard:    {}/{} done; run `aftermath finalize` once every shard is",
                shard.index, shard.count
            )?;
        } else if self.completed {
            writeln!(f, "summary:  {}", self.url_of(layout::RUN_RECORD_KEY))?;
        } else {
            for e in &self.product_errors {
                writeln!(f, "FAILED:   product rasters: {e}")?;
            }
            writeln!(
                f,
                "FAILED:   {} tile(s) failed; run.json not written:",
                self.failures.len()
            )?;
            for failure in self.failures.iter().take(20) {
                writeln!(f, "          {}: {}", failure.tile, failure.message)?;
            }
        }
        Ok(())
    }
}

/// `aftermath run --json` prints [`Summary::report`].
impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.report().serialize(s)
    }
}

/// What `aftermath run --json` prints.
#[derive(Debug, serde::Serialize)]
pub struct SummaryReport<'a> {
    /// `complete`, `shard_complete` or `failed_tiles`.
    pub status: &'static str,
    pub shard: Option<ShardReport>,
    pub exit_code: u8,
    pub output: &'a str,
    pub zooms: ZoomRange,
    pub bounds: [f64; 4],
    pub tiles: TilesReport<'a>,
    pub failures: &'a [TileFailure],
    pub product_errors: &'a [String],
    pub objects: ObjectsReport,
    pub seconds: SecondsReport,
    pub urls: UrlsReport,
}

#[derive(Debug, serde::Serialize)]
pub struct ShardReport {
    pub index: usize,
    pub count: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct TilesReport<'a> {
    pub written: u64,
    pub per_zoom: &'a BTreeMap<u8, u64>,
    pub empty_skipped: u64,
    pub failed: usize,
    pub bytes: u64,
}

#[derive(Debug, serde::Serialize)]
pub struct ObjectsReport {
    pub written: u64,
    pub unchanged: u64,
    pub removed: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct SecondsReport {
    pub total: f64,
    pub prepare: f64,
    pub tiles: f64,
    pub products: f64,
}

#[derive(Debug, serde::Serialize)]
pub struct UrlsReport {
    pub tilejson: String,
    /// Only once the run is complete (not for a shard).
    pub run_record: Option<String>,
    /// Key → URL of every product written.
    pub products: BTreeMap<String, String>,
}
