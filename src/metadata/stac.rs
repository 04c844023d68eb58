//! `item.json`: a STAC 1.0.0 Item describing the run and its assets, with the classification
//! extension (v2.0.0) on the classified raster and the processing extension (v1.2.0).
//! Asset hrefs are relative to the item, so the output can be moved as a whole.

use serde_json::{json, Map, Value};

use crate::job::{Job, Summary};
use crate::layout::{
    CLASSES_COG_KEY, COG_MEDIA_TYPE, COMPOSITE_COG_KEY, INDEX_COG_KEY, LEGEND_KEY, LEGEND_PNG_KEY,
    PMTILES_KEY, PMTILES_MEDIA_TYPE, POLYGONS_KEY, STAC_ITEM_KEY, STATS_CSV_KEY, STATS_JSON_KEY,
    TILEJSON_KEY, WMTS_KEY,
};
use crate::plan::TileFormat;
use crate::store::OutputStore;

const CLASSIFICATION: &str = "https://stac-extensions.github.io/classification/v2.0.0/schema.json";
const PROCESSING: &str = "https://stac-extensions.github.io/processing/v1.2.0/schema.json";
const PROJECTION: &str = "https://stac-extensions.github.io/projection/v1.1.0/schema.json";

pub fn stac_item(job: &Job, summary: &Summary, store: &OutputStore, now: &str) -> Value {
    let plan = &job.plan;
    let [w, s, e, n] = job.footprint.wgs84_bbox();
    let mut dates: Vec<&str> = job
        .inputs
        .iter()
        .filter_map(|i| plan.scenes.get(&i.name)?.datetime.as_deref())
        .collect();
    dates.sort();
    let mut properties = Map::new();
    match dates.as_slice() {
        [] => {
            // Acquisition times unknown: STAC needs a datetime, so the processing time stands in.
            properties.insert("datetime".into(), json!(now));
            properties.insert("aftermath:datetime_is_processing_time".into(), json!(true));
        }
        [only] => {
            properties.insert("datetime".into(), json!(only));
        }
        [first, .., last] => {
            properties.insert("datetime".into(), Value::Null);
            properties.insert("start_datetime".into(), json!(first));
            properties.insert("end_datetime".into(), json!(last));
        }
    }
    properties.insert("title".into(), json!(plan.display_title()));
    properties.insert("created".into(), json!(now));
    properties.insert(
        "processing:software".into(),
        json!({ "aftermath": env!("CARGO_PKG_VERSION") }),
    );
    properties.insert("processing:datetime".into(), json!(now));
    let scenes: Vec<&str> = job.inputs.iter().map(|i| i.name.as_str()).collect();
    properties.insert(
        "processing:lineage".into(),
        json!(format!(
            "{} computed from scene(s) {} by aftermath",
            plan.product.name(),
            scenes.join(", ")
        )),
    );

    let written = |key: &str| summary.products.iter().any(|k| k == key);
    let mut assets = Map::new();
    let mut asset = |name: &str, key: &str, media: &str, role: &str, title: &str| {
        assets.insert(
            name.into(),
            json!({ "href": format!("./{key}"), "type": media, "roles": [role], "title": title }),
        );
    };
    let cog = COG_MEDIA_TYPE;
    asset(
        "tiles",
        TILEJSON_KEY,
        "application/json",
        "tiles",
        "Web map tiles (TileJSON 3.0.0)",
    );
    match plan.output.format {
        TileFormat::Xyz => asset(
            "wmts",
            WMTS_KEY,
            "application/xml",
            "tiles",
            "Web map tiles (OGC WMTS 1.0.0 capabilities)",
        ),
        TileFormat::Pmtiles => asset(
            "pmtiles",
            PMTILES_KEY,
            PMTILES_MEDIA_TYPE,
            "tiles",
            "Web map tiles (PMTiles v3 archive)",
        ),
    }
    asset(
        "legend",
        LEGEND_KEY,
        "application/json",
        "metadata",
        "Legend",
    );
    asset(
        "legend-image",
        LEGEND_PNG_KEY,
        "image/png",
        "overview",
        "Legend (image)",
    );
    if written(INDEX_COG_KEY) {
        asset(
            "index",
            INDEX_COG_KEY,
            cog,
            "data",
            "Product values (Float32, NaN = nodata)",
        );
    }
    if written(COMPOSITE_COG_KEY) {
        asset(
            "composite",
            COMPOSITE_COG_KEY,
            cog,
            "visual",
            "Composite as displayed (RGBA Byte, alpha 0 = nodata)",
        );
    }
    if written(STATS_JSON_KEY) {
        asset(
            "stats",
            STATS_JSON_KEY,
            "application/json",
            "metadata",
            "Areas per class (JSON)",
        );
        asset(
            "stats-csv",
            STATS_CSV_KEY,
            "text/csv",
            "metadata",
            "Areas per class (CSV)",
        );
    }
    if written(POLYGONS_KEY) {
        asset(
            "polygons",
            POLYGONS_KEY,
            "application/geo+json",
            "data",
            "Class polygons",
        );
    }
    let mut extensions = vec![PROCESSING];
    if let (true, Some(table)) = (written(CLASSES_COG_KEY), plan.style.class_table()) {
        let mut classes =
            vec![json!({ "value": 0, "name": "nodata", "description": "no data", "nodata": true })];
        classes.extend(table.classes.iter().enumerate().map(|(i, c)| {
            let hex = c.color.to_hex();
            json!({
                "value": i + 1,
                "name": slug(&c.name),
                "description": c.name,
                "color_hint": hex.trim_start_matches('#')[..6].to_uppercase(),
            })
        }));
        assets.insert(
            "classes".into(),
            json!({
                "href": format!("./{CLASSES_COG_KEY}"),
                "type": cog,
                "roles": ["data"],
                "title": "Classified product (Byte, 0 = nodata)",
                "classification:classes": classes,
            }),
        );
        extensions.push(CLASSIFICATION);
    }
    // Projection extension on the rasters.
    if let Some(grid) = &summary.product_grid {
        let g = grid.geo_transform;
        let projection = json!({
            "proj:epsg": grid.epsg,
            "proj:shape": [grid.height, grid.width],
            // STAC/rasterio order of GDAL's geotransform
            "proj:transform": [g[1], g[2], g[0], g[4], g[5], g[3]],
        });
        for key in ["index", "classes", "composite"] {
            if let Some(Value::Object(asset)) = assets.get_mut(key) {
                if let Value::Object(p) = &projection {
                    asset.extend(p.clone());
                }
            }
        }
        if assets.contains_key("index") || assets.contains_key("composite") {
            extensions.push(PROJECTION);
        }
    }
    json!({
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": extensions,
        "id": plan.name,
        "bbox": [w, s, e, n],
        "geometry": footprint_geometry([w, s, e, n]),
        "properties": properties,
        "links": [{ "rel": "self", "href": store.public_url(STAC_ITEM_KEY), "type": "application/geo+json" }],
        "assets": assets,
    })
}

/// The bounding box as GeoJSON (RFC 7946): a polygon, rings counter-clockwise; across the
/// antimeridian (`west > east`) a multipolygon of its two sides (RFC 7946 §3.1.9).
fn footprint_geometry([w, s, e, n]: [f64; 4]) -> Value {
    let ring = |w: f64, e: f64| json!([[[w, s], [e, s], [e, n], [w, n], [w, s]]]);
    if w > e {
        json!({ "type": "MultiPolygon", "coordinates": [ring(w, 180.0), ring(-180.0, e)] })
    } else {
        json!({ "type": "Polygon", "coordinates": ring(w, e) })
    }
}

/// A classification class name: letters, digits, `-` and `_` only.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let parts: Vec<&str> = s.split('-').filter(|p| !p.is_empty()).collect();
    parts.join("-")
}
