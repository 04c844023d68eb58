//! `polygons.geojson`: one feature per connected patch of a class (RFC 7946, WGS 84 lon/lat),
//! written with the georust `geojson` types.

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde::Serialize;

use crate::raster::polygons::ClassPolygon;
use crate::render::ClassTable;

/// What each feature says of its patch.
#[derive(Debug, Serialize)]
struct PatchProperties<'a> {
    /// The class's value in `classes.tif` (1 = the first class).
    value: u8,
    class: &'a str,
    area_ha: f64,
    area_km2: f64,
}

/// A foreign member of the collection: how the outlines were drawn.
#[derive(Debug, Serialize)]
struct HowDrawn {
    simplification: &'static str,
}

pub fn polygons_geojson(polygons: &[ClassPolygon], table: &ClassTable) -> FeatureCollection {
    let features: Vec<Feature> = polygons
        .iter()
        .filter_map(|p| {
            let class = table.classes.get(usize::from(p.value).checked_sub(1)?)?;
            let properties = PatchProperties {
                value: p.value,
                class: &class.name,
                area_ha: p.area_m2 / 10_000.0,
                area_km2: p.area_m2 / 1_000_000.0,
            };
            Some(Feature {
                geometry: Some(Geometry::new(GeometryValue::from(&p.polygon))),
                properties: object(&properties),
                ..Feature::default()
            })
        })
        .collect();
    let mut collection = FeatureCollection::new(features);
    collection.foreign_members = object(&HowDrawn {
        simplification: "none: the outlines follow the pixel edges, so neighbouring patches share their edges exactly; areas are true ground areas (WGS 84)",
    });
    collection
}

/// A struct's fields as a JSON object (GeoJSON keeps properties as one).
fn object(value: &impl Serialize) -> Option<JsonObject> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}
