//! TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).

use serde::{Deserialize, Serialize};

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

/// A TileJSON 3.0.0 document (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileJson {
    pub tilejson: String,
    pub name: String,
    pub version: String,
    pub scheme: String,
    pub tiles: Vec<String>,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// WGS 84 `[west, south, east, north]`.
    pub bounds: [f64; 4],
    /// `[longitude, latitude, zoom]`.
    pub center: (f64, f64, u8),
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The legend as HTML (Leaflet's and TileJSON's `legend`).
    pub legend: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

pub fn tilejson(job: &Job, store: &OutputStore) -> TileJson {
    let plan = &job.plan;
    let base = tile_base(job, store);
    let [w, s, e, n] = job.footprint.web_bounds();
    TileJson {
        tilejson: "3.0.0".into(),
        name: plan.display_title().into(),
        version: "1.0.0".into(),
        scheme: "xyz".into(),
        tiles: vec![match plan.output.format {
            TileFormat::Xyz => layout::tile_url_template(&base, plan.output.encoding.extension()),
            // The `pmtiles://` protocol of the PMTiles JS library (MapLibre, Leaflet, OpenLayers).
            TileFormat::Pmtiles => layout::pmtiles_url_template(&base),
        }],
        minzoom: job.zooms.min,
        maxzoom: job.zooms.max,
        bounds: [w, s, e, n],
        center: ((w + e) / 2.0, (s + n) / 2.0, job.zooms.min),
        description: plan.description.clone(),
        legend: super::legend_html(&plan.style, plan.display_title()),
        attribution: plan.attribution.clone(),
    }
}
