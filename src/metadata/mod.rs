//! Documents published next to the tiles: TileJSON and WMTS capabilities for clients, the
//! legend, areas, polygons, the STAC item, and `run.json`, the record of a completed run.

mod legend;
mod polygons;
mod preview;
mod run_record;
mod shard_marker;
mod stac;
mod stats;
mod tilejson;
mod wmts;

pub use legend::{
    legend_html, legend_json, ClassEntry, Legend, LegendChannel, LegendClass, LegendStop,
};
pub use polygons::{feature_json, PolygonsGeoJson};
pub use preview::{preview_html, BASE_MAP_TILES, MAPLIBRE_CSS, MAPLIBRE_JS, PMTILES_JS};
pub use run_record::{run_record, AcquisitionRecord, RunRecord};
pub use shard_marker::{shard_marker, ShardMarker};
pub use stac::stac_item;
pub use stats::{
    stats_csv, stats_json, Area, ClassArea, MinMappingUnitAreas, SieveSummary, Stats, ValueRange,
};
pub use tilejson::{tilejson, TileJson};
pub use wmts::wmts_capabilities;

use crate::markup::escape_markup;
