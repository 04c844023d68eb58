//! The minimum mapping unit (`[product] min_area_ha`) against GDAL's `gdal_sieve.py` on the
//! real Landsat dNBR classes of `ethiopia-change.toml`: the same raster at the same size and
//! connectivity, the areas before and after it, and polygons drawn from the sieved classes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common;

use common::*;

/// The shipped Ethiopia pipeline with `extra` lines in its `[product]`, writing to `out`.
fn ethiopia_with(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(pipeline("ethiopia-change.toml"))
        .expect("read")
        .replace("../sample-data", &sample("").display().to_string())
        .replace("index = \"dnbr\"", &format!("index = \"dnbr\"\n{extra}"));
    write_pipeline(dir, &format!("{name}.toml"), &text)
}

fn run(pipeline: &Path, out: &Path) -> serde_json::Value {
    aftermath()
        .args(["run", pipeline.to_str().expect("utf-8"), "--output"])
        .arg(out)
        .assert()
        .success();
    read_json(out.join("stats.json"))
}

/// Pixels per class value (1-based) of a Byte raster, nodata 0 left out.
fn counts(codes: &[u8]) -> BTreeMap<u8, u64> {
    let mut counts = BTreeMap::new();
    for &c in codes.iter().filter(|&&c| c != 0) {
        *counts.entry(c).or_insert(0) += 1;
    }
    counts
}

fn class_pixels(classes: &serde_json::Value) -> BTreeMap<u8, u64> {
    (classes.as_array().expect("classes").iter())
        .map(|c| {
            let value = c["value"].as_u64().expect("value") as u8;
            (value, c["pixels"].as_u64().expect("pixels"))
        })
        .filter(|&(_, n)| n > 0)
        .collect()
}

#[test]
fn the_sieved_classes_equal_gdal_sieve_at_the_same_size_and_connectivity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (polygons_only, everywhere) = (dir.path().join("a"), dir.path().join("b"));
    let stats_a = run(
        &ethiopia_with(dir.path(), "a", "min_area_ha = 1"),
        &polygons_only,
    );
    let stats_b = run(
        &ethiopia_with(dir.path(), "b", "min_area_ha = 1\nsieve_classes = true"),
        &everywhere,
    );
    let unit = &stats_a["min_mapping_unit"];
    // 1 ha over pixels of about 30 m × 30 m (true area on the ellipsoid, within 0.5 %).
    assert_eq!(unit["min_pixels"], 11, "{unit}");
    assert_eq!(unit["connectivity"], 4);
    assert_eq!(unit["applied_to"], serde_json::json!(["polygons.geojson"]));

    // Without `sieve_classes`, classes.tif is not sieved: GDAL's sieve of it is the
    // reference for the sieved classes.tif of the second run, pixel for pixel.
    let reference = dir.path().join("gdal-sieved.tif");
    sh(
        "/usr/bin/python3",
        &[
            "/usr/bin/gdal_sieve.py",
            "-q",
            "-st",
            "11",
            "-4",
            polygons_only.join("classes.tif").to_str().expect("utf-8"),
            reference.to_str().expect("utf-8"),
        ],
    );
    let before: Vec<u8> = read_band(&polygons_only.join("classes.tif"), 1);
    let gdal: Vec<u8> = read_band(&reference, 1);
    let ours: Vec<u8> = read_band(&everywhere.join("classes.tif"), 1);
    let changed = before.iter().zip(&gdal).filter(|(a, b)| a != b).count();
    assert!(
        changed > 100,
        "the sieve should change speckle: {changed} px"
    );
    let differing = ours.iter().zip(&gdal).filter(|(a, b)| a != b).count();
    assert_eq!(
        differing,
        0,
        "{differing} of {} pixels differ from gdal_sieve.py",
        gdal.len()
    );

    // Areas: before = the unsieved raster's, after = GDAL's sieved raster's, in both runs;
    // `classes` follows classes.tif.
    assert_eq!(class_pixels(&stats_a["classes"]), counts(&before));
    assert_eq!(class_pixels(&unit["classes_before"]), counts(&before));
    assert_eq!(class_pixels(&unit["classes_after"]), counts(&gdal));
    assert_eq!(class_pixels(&stats_b["classes"]), counts(&gdal));
    assert_eq!(
        stats_b["min_mapping_unit"]["applied_to"],
        serde_json::json!(["polygons.geojson", "classes.tif", "stats.json classes"])
    );
    let merged = unit["merged_patches"].as_u64().expect("merged");
    assert!(merged > 10 && merged <= unit["small_patches"].as_u64().expect("small"));

    // The polygons of the first run are drawn from the sieved classes: as many as GDAL's
    // polygonize finds in GDAL's sieved raster.
    let gdal_polygons = dir.path().join("gdal.geojson");
    sh(
        "/usr/bin/python3",
        &[
            "/usr/bin/gdal_polygonize.py",
            "-q",
            reference.to_str().expect("utf-8"),
            "-f",
            "GeoJSON",
            gdal_polygons.to_str().expect("utf-8"),
        ],
    );
    let theirs: serde_json::Value = read_json(&gdal_polygons);
    let theirs = (theirs["features"].as_array().expect("features").iter())
        .filter(|f| f["properties"]["DN"].as_i64() != Some(0))
        .count();
    let polygons: serde_json::Value = read_json(polygons_only.join("polygons.geojson"));
    let ours = polygons["features"].as_array().expect("features").len();
    assert_eq!(ours, theirs);
    // With no unit, every patch is a polygon: more of them.
    let whole = dir.path().join("c");
    let stats_c = run(&ethiopia_with(dir.path(), "c", "min_area_ha = 0"), &whole);
    assert!(stats_c.get("min_mapping_unit").is_none());
    let unsieved: serde_json::Value = read_json(whole.join("polygons.geojson"));
    assert!(unsieved["features"].as_array().expect("features").len() > ours + merged as usize / 2);
}

#[test]
fn a_bad_minimum_mapping_unit_is_refused_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let negative = ethiopia_with(dir.path(), "neg", "min_area_ha = -1");
    let err = stderr_of_failed("validate", &negative, 2);
    assert!(err.contains("product.min_area_ha"), "{err}");
    // A ramp has no classes to sieve.
    let text = std::fs::read_to_string(&negative)
        .expect("read")
        .replace("min_area_ha = -1", "min_area_ha = 1");
    let start = text.find("[[render.classes]]").expect("classes");
    let end = text.find("[tiling]").expect("tiling");
    let ramp = format!(
        "{}[render]\nramp = \"viridis\"\nrange = [-0.5, 1]\n\n{}",
        &text[..start],
        &text[end..]
    );
    let ramp = write_pipeline(dir.path(), "ramp.toml", &ramp);
    let err = stderr_of_failed("validate", &ramp, 2);
    assert!(
        err.contains("product.min_area_ha") && err.contains("no classes"),
        "{err}"
    );
}
