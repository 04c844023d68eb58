//! Item 11: the products' geometry. Class polygons are valid, do not overlap, leave no gap and
//! wind as RFC 7946 asks, checked with GEOS (through GDAL's OGR); published bounds are the
//! data's own extent.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Geometry, LayerAccess};

use crate::common::*;

/// Twice the signed area of a ring (shoelace), positive when counter-clockwise.
fn signed_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

#[test]
fn class_polygons_are_valid_wound_per_rfc7946_and_tile_the_classified_pixels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\nbands = {{ green = 2, swir1 = 5 }}\n[product]\n\
         index = \"mndwi\"\nmin_area_ha = 0\n[render]\nclasses = \"water\"\n[tiling]\nzoom = \"11-11\"\n\
         [output]\nurl = \"{}\"\n",
        sample("olinda/L7_ETMs.tif").display(),
        out.display()
    );
    // Every patch a polygon (no minimum mapping unit): the most edges, holes and pinches.
    super::run_ok(dir.path(), "water.toml", &text);
    let path = out.join("polygons.geojson");
    let doc: serde_json::Value = read_json(&path);

    // RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
    let mut holes = 0;
    for f in doc["features"].as_array().expect("features") {
        let rings: Vec<Vec<[f64; 2]>> =
            serde_json::from_value(f["geometry"]["coordinates"].clone()).expect("rings");
        for (i, ring) in rings.iter().enumerate() {
            let area = signed_area(ring);
            if i == 0 {
                assert!(
                    area > 0.0,
                    "an exterior ring winds clockwise: {}",
                    f["properties"]
                );
            } else {
                assert!(
                    area < 0.0,
                    "a hole winds counter-clockwise: {}",
                    f["properties"]
                );
                holes += 1;
            }
        }
    }
    assert!(
        holes > 0,
        "no holes: the winding of holes was not exercised"
    );

    // GEOS, on the polygons projected back to the scene's CRS (SIRGAS 2000 / UTM 25S).
    let mut wgs84 = SpatialRef::from_epsg(4326).expect("wgs84");
    wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut utm = SpatialRef::from_epsg(31985).expect("utm");
    utm.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let to_utm = CoordTransform::new(&wgs84, &utm).expect("transform");
    let dataset = gdal::Dataset::open(&path).expect("open polygons.geojson");
    let mut layer = dataset.layer(0).expect("layer");
    let geometries: Vec<Geometry> = layer
        .features()
        .map(|f| {
            let g = f.geometry().expect("geometry");
            assert!(g.is_valid(), "invalid polygon: {}", g.wkt().expect("wkt"));
            g.transform(&to_utm).expect("to UTM")
        })
        .collect();
    assert!(geometries.len() > 100, "{} polygons", geometries.len());
    let areas: Vec<f64> = geometries.iter().map(Geometry::area).collect();
    let mut compared = 0;
    for i in 0..geometries.len() {
        let a = geometries[i].envelope();
        for j in i + 1..geometries.len() {
            let b = geometries[j].envelope();
            if a.MaxX < b.MinX || b.MaxX < a.MinX || a.MaxY < b.MinY || b.MaxY < a.MinY {
                continue;
            }
            compared += 1;
            if let Some(common) = geometries[i].intersection(&geometries[j]) {
                let overlap = common.area();
                assert!(
                    overlap <= 1e-9 * areas[i].min(areas[j]),
                    "polygons {i} and {j} overlap by {overlap} m²"
                );
            }
        }
    }
    assert!(compared > 100, "{compared} neighbouring pairs");

    // No gaps: together the polygons cover exactly the classified pixels.
    let classes = super::values::ascii_grid(&out.join("classes.tif"), 1, dir.path());
    let classified = classes.iter().filter(|v| !v.is_nan() && **v > 0.0).count();
    let pixel = 28.499_999_999_274_54f64;
    let want = classified as f64 * pixel * pixel;
    let total: f64 = areas.iter().sum();
    assert!(
        (total - want).abs() / want < 1e-6,
        "polygons cover {total} m², the classified pixels {want} m²"
    );
}
