//! `polygons.geojson`: one feature per connected patch of a class (RFC 7946, WGS 84 lon/lat),
//! written with the georust `geojson` types one feature at a time ([`PolygonsGeoJson`]), so
//! that a collection of any size is never held whole.

use std::io::Write;

use geojson::{Feature, Geometry, GeometryValue, JsonObject};
use serde::Serialize;

use crate::raster::polygons::ClassPolygon;
use crate::render::Class;

/// What each feature says of its patch.
#[derive(Debug, Serialize)]
struct PatchProperties<'a> {
    /// The class's value in `classes.tif` (1 = the first class).
    value: u8,
    class: &'a str,
    area_ha: f64,
    area_km2: f64,
}

/// The foreign members of the collection: how the outlines were drawn.
#[derive(Debug, Serialize)]
struct HowDrawn {
    #[serde(rename = "type")]
    kind: &'static str,
    simplification: &'static str,
    /// Patches smaller than this were merged into their neighbours first (0: none).
    min_area_ha: f64,
}

/// A FeatureCollection written to `out` as its features come: the opening members, then each
/// feature, then the closing brackets ([`PolygonsGeoJson::finish`]).
pub struct PolygonsGeoJson<W: Write> {
    out: W,
    features: u64,
}

impl<W: Write> PolygonsGeoJson<W> {
    pub fn start(mut out: W, min_area_ha: f64) -> std::io::Result<Self> {
        let head = HowDrawn {
            kind: "FeatureCollection",
            simplification: "none: the outlines follow the pixel edges, so neighbouring patches share their edges exactly; areas are true ground areas (WGS 84)",
            min_area_ha,
        };
        let head = serde_json::to_string(&head).map_err(std::io::Error::other)?;
        // `{…members…}` opened up again to take the features.
        let open = head.strip_suffix('}').unwrap_or(&head);
        write!(out, "{open},\"features\":[")?;
        Ok(PolygonsGeoJson { out, features: 0 })
    }

    /// Writes one feature serialised by [`feature_json`] (on any thread).
    pub fn add_json(&mut self, json: &[u8]) -> std::io::Result<()> {
        let separator: &[u8] = if self.features > 0 { b",\n" } else { b"\n" };
        self.out.write_all(separator)?;
        self.out.write_all(json)?;
        self.features += 1;
        Ok(())
    }

    /// Closes the collection; returns the writer and the number of features written.
    pub fn finish(mut self) -> std::io::Result<(W, u64)> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok((self.out, self.features))
    }
}

/// Coordinates are written to 1e-8° (about 1 mm): far finer than any pixel edge, the same
/// for the vertex two neighbouring patches share, and half the digits of a full `f64`.
const DEGREE_STEPS: f64 = 1e8;

/// One patch of the class `class` as a GeoJSON feature (`None` if it cannot be serialised).
pub fn feature_json(p: &ClassPolygon, class: &Class) -> Option<Vec<u8>> {
    let properties = PatchProperties {
        value: p.value,
        class: &class.name,
        area_ha: p.area_m2 / 10_000.0,
        area_km2: p.area_m2 / 1_000_000.0,
    };
    let ring = |line: &geo::LineString<f64>| -> Vec<[f64; 2]> {
        line.0
            .iter()
            .map(|c| {
                [
                    (c.x * DEGREE_STEPS).round() / DEGREE_STEPS,
                    (c.y * DEGREE_STEPS).round() / DEGREE_STEPS,
                ]
            })
            .collect()
    };
    let rings: Vec<Vec<[f64; 2]>> = std::iter::once(p.polygon.exterior())
        .chain(p.polygon.interiors())
        .map(ring)
        .collect();
    let feature = Feature {
        geometry: Some(Geometry::new(GeometryValue::new_polygon(rings))),
        properties: object(&properties),
        ..Feature::default()
    };
    serde_json::to_vec(&feature).ok()
}

/// A struct's fields as a JSON object (GeoJSON keeps properties as one).
fn object(value: &impl Serialize) -> Option<JsonObject> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::shipped_table;
    use geo::polygon;

    #[test]
    fn a_streamed_collection_is_one_valid_geojson_document() {
        let table = shipped_table("water").expect("shipped");
        let square = |x: f64| polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)];
        let mut doc = PolygonsGeoJson::start(Vec::new(), 0.5).expect("start");
        for (value, x) in [(1u8, 0.0), (2, 4.0)] {
            let p = ClassPolygon {
                value,
                area_m2: 20_000.0,
                polygon: square(x),
            };
            let class = table.class_coded(value).expect("a class");
            doc.add_json(&feature_json(&p, class).expect("json"))
                .expect("add");
        }
        assert!(table.class_coded(9).is_none() && table.class_coded(0).is_none());
        let (bytes, count) = doc.finish().expect("finish");
        assert_eq!(count, 2);
        let parsed: geojson::GeoJson = std::str::from_utf8(&bytes)
            .expect("utf-8")
            .parse()
            .expect("valid GeoJSON");
        let geojson::GeoJson::FeatureCollection(fc) = parsed else {
            panic!("a FeatureCollection");
        };
        assert_eq!(fc.features.len(), 2);
        assert_eq!(
            fc.features[1].property("value"),
            Some(&serde_json::json!(2))
        );
        assert_eq!(
            fc.features[0].property("area_ha"),
            Some(&serde_json::json!(2.0))
        );
        let members = fc.foreign_members.expect("members");
        assert_eq!(members["min_area_ha"], 0.5);
    }
}
