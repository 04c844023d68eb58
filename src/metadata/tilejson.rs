//! TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).

use serde_json::{json, Value};

use crate::job::Job;
use crate::layout;
use crate::plan::TileFormat;
use crate::store::OutputStore;

/// Where clients read the tiles from: `output.tile_url`, else the store's own URL.
pub(super) fn tile_base(job: &Job, store: &OutputStore) -> String {
    job.plan
        .output
        .tile_url
        .clone()
        .unwrap_or_else(|| store.public_url("").trim_end_matches('/').to_string())
}

pub fn tilejson(job: &Job, store: &OutputStore) -> Value {
    let plan = &job.plan;
    let base = tile_base(job, store);
    let [w, s, e, n] = job.footprint.web_bounds();
    let mut doc = json!({
        "tilejson": "3.0.0",
        "name": plan.display_title(),
        "version": "1.0.0",
        "scheme": "xyz",
        "tiles": [match plan.output.format {
            TileFormat::Xyz => layout::tile_url_template(&base, plan.output.encoding.extension()),
            // The `pmtiles://` protocol of the PMTiles JS library (MapLibre, Leaflet, OpenLayers).
            TileFormat::Pmtiles => layout::pmtiles_url_template(&base),
        }],
        "minzoom": job.zooms.min,
        "maxzoom": job.zooms.max,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2.0, (s + n) / 2.0, job.zooms.min],
    });
    if let Some(d) = &plan.description {
        doc["description"] = json!(d);
    }
    doc["legend"] = json!(super::legend_html(&plan.style, plan.display_title()));
    if let Some(a) = &plan.attribution {
        doc["attribution"] = json!(a);
    }
    doc
}
