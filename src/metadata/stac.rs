//! `item.json`: a STAC 1.0.0 Item describing the run and its assets, with the classification
//! extension (v2.0.0) on the classified raster and the processing extension (v1.2.0).
//! Asset hrefs are relative to the item, so the output can be moved as a whole.

use std::collections::BTreeMap;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use geojson::{Geometry, GeometryValue};
use serde::Serialize;
use serde_json::{Map, Value};
use stac::{Asset, Bbox, Item, Link, Version};

use crate::job::{Job, Summary};
use crate::layout::{
    observations_key, CLASSES_COG_KEY, COG_MEDIA_TYPE, COMPOSITE_COG_KEY, FLATGEOBUF_MEDIA_TYPE,
    GEOJSON_MEDIA_TYPE, INDEX_COG_KEY, LEGEND_KEY, LEGEND_PNG_KEY, PMTILES_KEY, PMTILES_MEDIA_TYPE,
    POLYGONS_FGB_KEY, POLYGONS_KEY, STAC_ITEM_KEY, STATS_CSV_KEY, STATS_JSON_KEY, TILEJSON_KEY,
    WMTS_KEY,
};
use crate::plan::{datetime::instants, TileFormat};
use crate::store::OutputStore;

const CLASSIFICATION: &str = "https://stac-extensions.github.io/classification/v2.0.0/schema.json";
const PROCESSING: &str = "https://stac-extensions.github.io/processing/v1.2.0/schema.json";
const PROJECTION: &str = "https://stac-extensions.github.io/projection/v1.1.0/schema.json";

/// The processing extension's fields of the item's properties.
#[derive(Debug, Serialize)]
struct Processing {
    #[serde(rename = "processing:software")]
    software: BTreeMap<&'static str, &'static str>,
    #[serde(rename = "processing:datetime")]
    datetime: String,
    #[serde(rename = "processing:lineage")]
    lineage: String,
    /// Set when no scene gives its acquisition time, so `datetime` is the processing time.
    #[serde(
        rename = "aftermath:datetime_is_processing_time",
        skip_serializing_if = "std::ops::Not::not"
    )]
    datetime_is_processing_time: bool,
}

/// When one scene was acquired (`aftermath:scenes` of the properties): an instant, or the
/// span of its acquisitions.
#[derive(Debug, Serialize)]
struct SceneTime {
    scene: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    datetime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_datetime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_datetime: Option<String>,
}

impl SceneTime {
    fn of(scene: &str, datetime: &str) -> SceneTime {
        let format = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let times = instants(datetime);
        let (first, last) = (times.iter().min(), times.iter().max());
        let single = first == last;
        SceneTime {
            scene: scene.to_string(),
            datetime: first.filter(|_| single).map(format),
            start_datetime: first.filter(|_| !single).map(format),
            end_datetime: last.filter(|_| !single).map(format),
        }
    }
}

/// One class of the classification extension on `classes.tif`.
#[derive(Debug, Serialize)]
struct Class {
    value: usize,
    name: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color_hint: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    nodata: bool,
}

/// The projection extension's fields of a raster asset.
#[derive(Debug, Serialize)]
struct Projection {
    #[serde(rename = "proj:epsg")]
    epsg: Option<u32>,
    #[serde(rename = "proj:shape")]
    shape: [usize; 2],
    /// STAC's (rasterio's) order of GDAL's geotransform.
    #[serde(rename = "proj:transform")]
    transform: [f64; 6],
}

/// The STAC item of a finished run; `now` is its processing time.
pub fn stac_item(job: &Job, summary: &Summary, store: &OutputStore, now: SystemTime) -> Item {
    let plan = &job.plan;
    let now: DateTime<Utc> = now.into();
    let now_text = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let [w, s, e, n] = job.footprint.wgs84_bbox();
    let times: Vec<DateTime<Utc>> = job
        .inputs
        .iter()
        .filter_map(|i| plan.scenes.get(&i.name)?.datetime.as_deref())
        .flat_map(instants)
        .collect();
    let mut item = Item::new(&plan.name);
    item.version = Version::v1_0_0;
    let properties = &mut item.properties;
    match (times.iter().min(), times.iter().max()) {
        (Some(first), Some(last)) if first == last => properties.datetime = Some(*first),
        (Some(first), Some(last)) => {
            properties.datetime = None;
            properties.start_datetime = Some(*first);
            properties.end_datetime = Some(*last);
        }
        // Acquisition times unknown: STAC needs a datetime, so the processing time stands in.
        _ => properties.datetime = Some(now),
    }
    properties.title = Some(plan.display_title().to_string());
    properties.created = Some(now_text.clone());
    let scenes: Vec<&str> = job.inputs.iter().map(|i| i.name.as_str()).collect();
    extend(
        &mut properties.additional_fields,
        &Processing {
            software: BTreeMap::from([("aftermath", env!("CARGO_PKG_VERSION"))]),
            datetime: now_text,
            lineage: format!(
                "{} computed from scene(s) {} by aftermath",
                plan.product.name(),
                scenes.join(", ")
            ),
            datetime_is_processing_time: times.is_empty(),
        },
    );

    let scene_times: Vec<SceneTime> = (job.inputs.iter())
        .filter_map(|i| {
            Some(SceneTime::of(
                &i.name,
                plan.scenes.get(&i.name)?.datetime.as_deref()?,
            ))
        })
        .collect();
    if !scene_times.is_empty() {
        properties.additional_fields.insert(
            "aftermath:scenes".into(),
            serde_json::to_value(&scene_times).unwrap_or_default(),
        );
    }

    let written = |key: &str| summary.products.iter().any(|k| k == key);
    let mut add = |name: &str, key: &str, media: &str, role: &str, title: &str| {
        item.assets
            .insert(name.to_string(), asset(key, media, role, title));
    };
    let cog = COG_MEDIA_TYPE;
    add(
        "tiles",
        TILEJSON_KEY,
        "application/json",
        "tiles",
        "Web map tiles (TileJSON 3.0.0)",
    );
    match plan.output.format {
        TileFormat::Xyz => add(
            "wmts",
            WMTS_KEY,
            "application/xml",
            "tiles",
            "Web map tiles (OGC WMTS 1.0.0 capabilities)",
        ),
        TileFormat::Pmtiles => add(
            "pmtiles",
            PMTILES_KEY,
            PMTILES_MEDIA_TYPE,
            "tiles",
            "Web map tiles (PMTiles v3 archive)",
        ),
    }
    add(
        "legend",
        LEGEND_KEY,
        "application/json",
        "metadata",
        "Legend",
    );
    add(
        "legend-image",
        LEGEND_PNG_KEY,
        "image/png",
        "overview",
        "Legend (image)",
    );
    if written(INDEX_COG_KEY) {
        add(
            "index",
            INDEX_COG_KEY,
            cog,
            "data",
            "Product values (Float32, NaN = nodata)",
        );
    }
    if written(COMPOSITE_COG_KEY) {
        add(
            "composite",
            COMPOSITE_COG_KEY,
            cog,
            "visual",
            "Composite as displayed (RGBA Byte, alpha 0 = nodata)",
        );
    }
    if written(STATS_JSON_KEY) {
        add(
            "stats",
            STATS_JSON_KEY,
            "application/json",
            "metadata",
            "Areas per class (JSON)",
        );
        add(
            "stats-csv",
            STATS_CSV_KEY,
            "text/csv",
            "metadata",
            "Areas per class (CSV)",
        );
    }
    if written(POLYGONS_KEY) {
        add(
            "polygons",
            POLYGONS_KEY,
            GEOJSON_MEDIA_TYPE,
            "data",
            "Class polygons",
        );
    }
    if written(POLYGONS_FGB_KEY) {
        add(
            "polygons-fgb",
            POLYGONS_FGB_KEY,
            FLATGEOBUF_MEDIA_TYPE,
            "data",
            "Class polygons (FlatGeobuf, with a spatial index)",
        );
    }
    let mut observation_assets = Vec::new();
    for input in job
        .inputs
        .iter()
        .filter(|i| i.observations_plane().is_some())
    {
        let key = observations_key(&input.name);
        if written(&key) {
            let name = key.trim_end_matches(".tif").to_string();
            let title = format!(
                "Valid observations per pixel of the composite scene `{}` (UInt16)",
                input.name
            );
            item.assets
                .insert(name.clone(), asset(&key, cog, "metadata", &title));
            observation_assets.push(name);
        }
    }
    let mut extensions = vec![PROCESSING];
    if let (true, Some(table)) = (written(CLASSES_COG_KEY), plan.style.class_table()) {
        let mut classes = vec![Class {
            value: 0,
            name: "nodata".into(),
            description: "no data".into(),
            color_hint: None,
            nodata: true,
        }];
        classes.extend(table.classes.iter().enumerate().map(|(i, c)| {
            let hex = c.color.to_hex();
            Class {
                value: i + 1,
                name: slug(&c.name),
                description: c.name.clone(),
                color_hint: Some(hex.trim_start_matches('#')[..6].to_uppercase()),
                nodata: false,
            }
        }));
        let mut classified = asset(
            CLASSES_COG_KEY,
            cog,
            "data",
            "Classified product (Byte, 0 = nodata)",
        );
        if let Ok(classes) = serde_json::to_value(&classes) {
            (classified.additional_fields).insert("classification:classes".into(), classes);
        }
        item.assets.insert("classes".into(), classified);
        extensions.push(CLASSIFICATION);
    }
    // Projection extension on the rasters.
    if let Some(grid) = &summary.product_grid {
        let g = grid.geo_transform;
        let projection = Projection {
            epsg: grid.epsg,
            shape: [grid.height, grid.width],
            transform: [g[1], g[2], g[0], g[4], g[5], g[3]],
        };
        let rasters = ["index", "classes", "composite"].map(String::from);
        for key in rasters.iter().chain(&observation_assets) {
            if let Some(asset) = item.assets.get_mut(key) {
                extend(&mut asset.additional_fields, &projection);
            }
        }
        if item.assets.contains_key("index") || item.assets.contains_key("composite") {
            extensions.push(PROJECTION);
        }
    }
    item.extensions = extensions.into_iter().map(String::from).collect();
    item.bbox = Some(Bbox::TwoDimensional([w, s, e, n]));
    item.geometry = Some(footprint_geometry([w, s, e, n]));
    item.links = vec![Link::new(store.public_url(STAC_ITEM_KEY), "self")
        .r#type(Some(GEOJSON_MEDIA_TYPE.to_string()))];
    // The catalogue items the product was computed from.
    for input in &job.inputs {
        let Some(scene) = plan.scenes.get(&input.name) else {
            continue;
        };
        for source in &scene.items {
            if let Some(href) = &source.href {
                item.links.push(
                    Link::new(href, "derived_from")
                        .r#type(Some(GEOJSON_MEDIA_TYPE.to_string()))
                        .title(Some(format!("{} (scene {})", source.id, input.name))),
                );
            }
        }
    }
    item
}

/// An asset at `key`, relative to the item.
fn asset(key: &str, media: &str, role: &str, title: &str) -> Asset {
    let mut asset = Asset::new(format!("./{key}"));
    asset.r#type = Some(media.to_string());
    asset.roles = vec![role.to_string()];
    asset.title = Some(title.to_string());
    asset
}

/// Adds a struct's fields to a JSON object (STAC keeps extension fields flat).
fn extend(map: &mut Map<String, Value>, fields: &impl Serialize) {
    if let Ok(Value::Object(fields)) = serde_json::to_value(fields) {
        map.extend(fields);
    }
}

/// The bounding box as GeoJSON (RFC 7946): a polygon, rings counter-clockwise; across the
/// antimeridian (`west > east`) a multipolygon of its two sides (RFC 7946 §3.1.9).
fn footprint_geometry([w, s, e, n]: [f64; 4]) -> Geometry {
    let ring = |w: f64, e: f64| vec![vec![[w, s], [e, s], [e, n], [w, n], [w, s]]];
    let value = if w > e {
        GeometryValue::new_multi_polygon([ring(w, 180.0), ring(-180.0, e)])
    } else {
        GeometryValue::new_polygon(ring(w, e))
    };
    Geometry::new(value)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footprint_is_wound_counter_clockwise_and_split_at_the_antimeridian() {
        let json = |g: Geometry| serde_json::to_value(g).expect("serialises");
        let polygon = json(footprint_geometry([10.0, -5.0, 20.0, 5.0]));
        assert_eq!(polygon["type"], "Polygon");
        assert_eq!(
            polygon["coordinates"][0],
            serde_json::json!([
                [10.0, -5.0],
                [20.0, -5.0],
                [20.0, 5.0],
                [10.0, 5.0],
                [10.0, -5.0]
            ])
        );
        let split = json(footprint_geometry([170.0, -5.0, -170.0, 5.0]));
        assert_eq!(split["type"], "MultiPolygon");
        assert_eq!(
            split["coordinates"][0][0][1],
            serde_json::json!([180.0, -5.0])
        );
        assert_eq!(
            split["coordinates"][1][0][0],
            serde_json::json!([-180.0, -5.0])
        );
    }
}
