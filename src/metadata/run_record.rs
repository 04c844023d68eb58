//! `run.json`: what ran, on what, with which result. Written last, only by a complete run;
//! read back by the next run over the same output (its pipeline's fingerprint).

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::job::{Job, Summary};
use crate::plan::Formula;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always `complete`: an incomplete run writes no record.
    pub status: String,
    pub tool: Tool,
    pub pipeline: PipelineRecord,
    pub product: ProductRecord,
    pub inputs: Vec<InputRecord>,
    pub tiling: TilingRecord,
    /// Keys of the analyst products written.
    pub products: Vec<String>,
    /// Objects of the previous run this one no longer produces, removed.
    #[serde(default)]
    pub removed: Vec<String>,
    pub tiles: TileTotals,
    pub timings: Timings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineRecord {
    pub path: String,
    pub name: String,
    /// [`crate::plan::Plan::fingerprint`]: equal for runs that write the same objects.
    pub fingerprint: String,
    /// The pipeline file's text, credentials redacted.
    pub text: Option<String>,
}

/// The product as the pipeline chose it: one of `index`, `expression` or `composite` (with
/// `water_index` and `threshold` for water change, `ranges` for a composite).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub water_index: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite: Option<[String; 3]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<[(f32, f32); 3]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    /// `pre`, `post` or `single` for catalogue indices; none for expressions.
    pub role: Option<String>,
    pub scene: String,
    pub datetime: Option<String>,
    pub files: Vec<String>,
    /// A composite's reducer (`median`, …) and acquisitions in time order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acquisitions: Vec<AcquisitionRecord>,
    /// The STAC items the scene was read from (`stac = …`), in time order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<crate::plan::SourceItem>,
}

/// One acquisition of a composite scene: its time and the files mosaicked into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcquisitionRecord {
    pub datetime: Option<String>,
    pub files: Vec<String>,
}

impl AcquisitionRecord {
    /// The acquisitions of `scene`, if it is a composite.
    pub fn of(scene: &crate::plan::Scene) -> Vec<AcquisitionRecord> {
        let Some(reduce) = &scene.reduce else {
            return Vec::new();
        };
        (reduce.acquisitions.iter())
            .map(|a| AcquisitionRecord {
                datetime: a.datetime.clone(),
                files: a
                    .rasters
                    .iter()
                    .flat_map(|&i| scene.raster_files(i))
                    .map(|f| crate::secrets::redact(&f))
                    .collect(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TilingRecord {
    pub minzoom: u8,
    pub maxzoom: u8,
    pub tile_size: u32,
    pub resampling: String,
    /// WGS 84 `[west, south, east, north]`.
    pub bounds: [f64; 4],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileTotals {
    pub written: u64,
    pub per_zoom: BTreeMap<u8, u64>,
    pub empty_skipped: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// RFC 3339, seconds.
    pub started: String,
    pub finished: String,
    pub prepare_seconds: f64,
    /// The tile phase, from its start (beside the products' later steps).
    pub tiles_seconds: f64,
    /// The product rasters, from their start (0 without them).
    #[serde(default)]
    pub products_seconds: f64,
    pub total_seconds: f64,
}

/// A plain value's serde name (`"pre"`, `"bilinear"`, `"mndwi"`).
fn name_of(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn run_record(
    job: &Job,
    summary: &Summary,
    started: SystemTime,
    prepare_seconds: f64,
    tiles_seconds: f64,
) -> RunRecord {
    let plan = &job.plan;
    let inputs = (job.inputs.iter())
        .map(|input| InputRecord {
            role: plan.product.role_of(&input.name).map(name_of),
            scene: input.name.clone(),
            datetime: (plan.scenes.get(&input.name)).and_then(|s| s.datetime.clone()),
            files: input.files.clone(),
            reduce: (plan.scenes.get(&input.name))
                .and_then(|s| Some(s.reduce.as_ref()?.reducer.name().to_string())),
            acquisitions: (plan.scenes.get(&input.name))
                .map(AcquisitionRecord::of)
                .unwrap_or_default(),
            items: (plan.scenes.get(&input.name))
                .map(|s| s.items.clone())
                .unwrap_or_default(),
        })
        .collect();
    let product = match &plan.product.formula {
        Formula::Index(index) => ProductRecord {
            index: Some(name_of(index)),
            ..ProductRecord::default()
        },
        Formula::Expression(e) => ProductRecord {
            expression: Some(e.text.clone()),
            ..ProductRecord::default()
        },
        Formula::WaterChange {
            water_index,
            threshold,
        } => ProductRecord {
            index: Some("water_change".into()),
            water_index: Some(name_of(water_index)),
            threshold: Some(*threshold),
            ..ProductRecord::default()
        },
        Formula::Composite => match &plan.style {
            crate::render::Style::Composite(c) => ProductRecord {
                composite: Some(c.bands.clone()),
                ranges: Some(c.ranges),
                ..ProductRecord::default()
            },
            // compile pairs a composite formula with a composite style
            _ => ProductRecord::default(),
        },
    };
    RunRecord {
        status: "complete".into(),
        tool: Tool {
            name: "aftermath".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        pipeline: PipelineRecord {
            path: plan.pipeline.display().to_string(),
            name: plan.name.clone(),
            fingerprint: plan.fingerprint(),
            text: std::fs::read_to_string(&plan.pipeline)
                .ok()
                .map(|text| crate::secrets::redact_pipeline_text(&text)),
        },
        product,
        inputs,
        tiling: TilingRecord {
            minzoom: job.zooms.min,
            maxzoom: job.zooms.max,
            tile_size: plan.tiling.tile_size,
            resampling: name_of(plan.tiling.resampling),
            bounds: summary.bounds,
        },
        products: summary.products.clone(),
        removed: summary.removed.clone(),
        tiles: TileTotals {
            written: summary.tiles_written(),
            per_zoom: summary.per_zoom.clone(),
            empty_skipped: summary.empty_tiles_skipped,
            bytes: summary.bytes,
        },
        timings: Timings {
            started: humantime::format_rfc3339_seconds(started).to_string(),
            finished: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            prepare_seconds,
            tiles_seconds,
            products_seconds: summary.products_seconds,
            total_seconds: summary.seconds,
        },
    }
}
