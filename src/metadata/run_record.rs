//! `run.json`: what ran, on what, with which result. Written last, only by a complete run.

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::job::{Job, Summary};
use crate::plan::Formula;

pub fn run_record(
    job: &Job,
    summary: &Summary,
    started: SystemTime,
    prepare_seconds: f64,
    tiles_seconds: f64,
) -> Value {
    let plan = &job.plan;
    let inputs: Vec<Value> = job
        .inputs
        .iter()
        .map(|input| {
            let scene = plan.scenes.get(&input.name);
            json!({
                "role": plan.product.role_of(&input.name),
                "scene": input.name,
                "datetime": scene.and_then(|s| s.datetime.clone()),
                "files": input.files,
            })
        })
        .collect();
    let per_zoom: serde_json::Map<String, Value> = summary
        .per_zoom
        .iter()
        .map(|(z, n)| (z.to_string(), json!(n)))
        .collect();
    json!({
        "status": "complete",
        "tool": { "name": "aftermath", "version": env!("CARGO_PKG_VERSION") },
        "pipeline": {
            "path": plan.pipeline.display().to_string(),
            "name": plan.name,
            "fingerprint": plan.fingerprint(),
            "text": std::fs::read_to_string(&plan.pipeline)
                .ok()
                .map(|text| crate::secrets::redact_pipeline_text(&text)),
        },
        "product": match &plan.product.formula {
            Formula::Index(index) => json!({ "index": index }),
            Formula::Expression(e) => json!({ "expression": e.text }),
            Formula::WaterChange { water_index, threshold } => json!({
                "index": "water_change", "water_index": water_index, "threshold": threshold
            }),
            Formula::Composite => match &plan.style {
                crate::render::Style::Composite(c) => json!({ "composite": c.bands, "ranges": c.ranges }),
                _ => Value::Null, // compile pairs a composite formula with a composite style
            },
        },
        "inputs": inputs,
        "tiling": {
            "minzoom": job.zooms.min,
            "maxzoom": job.zooms.max,
            "tile_size": plan.tiling.tile_size,
            "resampling": plan.tiling.resampling,
            "bounds": summary.bounds,
        },
        "products": summary.products,
        "removed": summary.removed,
        "tiles": {
            "written": summary.tiles_written(),
            "per_zoom": per_zoom,
            "empty_skipped": summary.empty_tiles_skipped,
            "bytes": summary.bytes,
        },
        "timings": {
            "started": humantime::format_rfc3339_seconds(started).to_string(),
            "finished": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            "prepare_seconds": prepare_seconds,
            "tiles_seconds": tiles_seconds,
            "total_seconds": summary.seconds,
        },
    })
}
