//! `polygons.geojson`: one feature per connected patch of a class (RFC 7946, WGS 84 lon/lat).

use serde_json::{json, Value};

use crate::raster::polygons::ClassPolygon;
use crate::render::ClassTable;

pub fn polygons_geojson(polygons: &[ClassPolygon], table: &ClassTable) -> Value {
    let features: Vec<Value> = polygons
        .iter()
        .filter_map(|p| {
            let geometry = polygon_geometry(&p.polygon);
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
        "simplification": "none: the outlines follow the pixel edges, so neighbouring patches share their edges exactly; areas are true ground areas (WGS 84)",
        "features": features,
    })
}

/// A GeoJSON Polygon geometry of `polygon` (its rings as wound).
fn polygon_geometry(polygon: &geo::Polygon<f64>) -> Value {
    let ring = |line: &geo::LineString<f64>| -> Vec<[f64; 2]> {
        line.0.iter().map(|c| [c.x, c.y]).collect()
    };
    let mut rings = vec![ring(polygon.exterior())];
    rings.extend(polygon.interiors().iter().map(ring));
    json!({ "type": "Polygon", "coordinates": rings })
}
