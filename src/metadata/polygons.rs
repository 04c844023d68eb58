//! `polygons.geojson`: one feature per connected patch of a class (RFC 7946, WGS 84 lon/lat).

use serde_json::{json, Value};

use crate::read::polygons::{ClassPolygon, SIMPLIFY_PIXELS};
use crate::render::ClassTable;

pub fn polygons_geojson(polygons: &[ClassPolygon], table: &ClassTable) -> Value {
    let features: Vec<Value> = polygons
        .iter()
        .filter_map(|p| {
            let geometry: Value = serde_json::from_str(&p.geojson).ok()?;
            let class = table.classes.get(usize::from(p.value).checked_sub(1)?)?;
            Some(json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "value": p.value,
                    "class": class.name,
                    "area_ha": p.area_m2 / 10_000.0,
                    "area_km2": p.area_m2 / 1_000_000.0,
                },
            }))
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "simplification": format!(
            "Douglas-Peucker preserving topology, tolerance {SIMPLIFY_PIXELS} pixel; areas are of the unsimplified polygons (true ground area, WGS 84)"
        ),
        "features": features,
    })
}
