//! Item 4: rasters around a pole and across the antimeridian keep all their data. Bounds are
//! checked against gdalwarp / gdaltransform, and every valid source pixel within Web
//! Mercator's latitudes must show in a tile.

use std::path::{Path, PathBuf};

use crate::common::*;

/// Web Mercator's latitude limit.
const MAX_LAT: f64 = 85.051_128_779_806_59;
const HALF_WORLD: f64 = std::f64::consts::PI * 6_378_137.0;

/// A synthetic one-band Byte raster, every pixel 100, of `size` pixels over `ullr` in `srs`.
fn synthetic(dir: &Path, name: &str, srs: &str, size: (u32, u32), ullr: [f64; 4]) -> PathBuf {
    let path = dir.join(format!("synthetic-{name}.tif"));
    let (w, h) = (size.0.to_string(), size.1.to_string());
    let ullr = ullr.map(|v| v.to_string());
    let mut args = vec!["-q", "-of", "GTiff", "-outsize", &w, &h, "-bands", "1"];
    args.extend(["-ot", "Byte", "-burn", "100", "-a_srs", srs, "-a_ullr"]);
    args.extend(ullr.iter().map(String::as_str));
    args.push(path.to_str().expect("utf-8"));
    sh("gdal_create", &args);
    path
}

/// Runs the identity product of `file` at `zoom` (nearest) into `dir/out-NAME`.
fn run(dir: &Path, name: &str, file: &Path, zoom: &str) -> PathBuf {
    let out = dir.join(format!("out-{name}"));
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\nbands = {{ x = 1 }}\n[product]\nexpression = \"post.x\"\n\
         [render]\nramp = \"viridis\"\nrange = [0, 200]\n[tiling]\nzoom = \"{zoom}\"\n\
         resampling = \"nearest\"\n[output]\nurl = \"{}\"\nproducts = false\n",
        file.display(),
        out.display()
    );
    super::run_ok(dir, &format!("{name}.toml"), &text);
    out
}

/// `points` ("x y" lines in `srs`) in WGS 84 lon/lat by gdaltransform (an independent PROJ
/// call), longitudes into [-180, 180) (a geographic source past 180° stays there).
fn to_lon_lat(srs: &str, points: &str) -> Vec<(f64, f64)> {
    pipe(
        "gdaltransform",
        &["-s_srs", srs, "-t_srs", "EPSG:4326"],
        points,
    )
    .iter()
    .map(|line| {
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().expect("number"))
            .collect();
        ((v[0] + 180.0).rem_euclid(360.0) - 180.0, v[1])
    })
    .collect()
}

/// Source pixel centres (every `step`-th) of a raster `size` over `ullr`, in lon/lat.
fn centres_lon_lat(srs: &str, size: (u32, u32), ullr: [f64; 4], step: u32) -> Vec<(f64, f64)> {
    let (dx, dy) = (
        (ullr[2] - ullr[0]) / f64::from(size.0),
        (ullr[3] - ullr[1]) / f64::from(size.1),
    );
    let mut input = String::new();
    for r in (0..size.1).step_by(step as usize) {
        for c in (0..size.0).step_by(step as usize) {
            let x = ullr[0] + (f64::from(c) + 0.5) * dx;
            let y = ullr[1] + (f64::from(r) + 0.5) * dy;
            input += &format!("{x} {y}\n");
        }
    }
    to_lon_lat(srs, &input)
}

/// The outline of `ullr` in `srs` (21 points per edge) in lon/lat.
fn outline_lon_lat(srs: &str, ullr: [f64; 4]) -> Vec<(f64, f64)> {
    let [x0, y0, x1, y1] = ullr;
    let mut input = String::new();
    for i in 0..=20 {
        let t = f64::from(i) / 20.0;
        let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
        input += &format!("{x} {y0}\n{x} {y1}\n{x0} {y}\n{x1} {y}\n");
    }
    to_lon_lat(srs, &input)
}

/// Asserts that the tile pixel under every (lon, lat) within Web Mercator's latitudes is
/// opaque at zoom `z`; returns how many were checked.
fn every_pixel_shows(out: &Path, z: u32, points: &[(f64, f64)]) -> usize {
    let mut checked = 0;
    for &(lon, lat) in points {
        if lat.abs() > MAX_LAT - 0.05 {
            continue;
        }
        let x = lon.to_radians() * 6_378_137.0;
        let y = 6_378_137.0
            * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                .tan()
                .ln();
        let n = f64::from(1u32 << z);
        let fx = (x + HALF_WORLD) / (2.0 * HALF_WORLD) * n;
        let fy = (HALF_WORLD - y) / (2.0 * HALF_WORLD) * n;
        let (tx, ty) = (fx.floor(), fy.floor());
        let (px, py) = (((fx - tx) * 256.0) as usize, ((fy - ty) * 256.0) as usize);
        let tile = out.join(format!("{z}/{tx}/{ty}.png"));
        let bytes = std::fs::read(&tile)
            .unwrap_or_else(|_| panic!("({lon}, {lat}) lies in {tile:?}, which was not written"));
        let (w, _, rgba) = decode_png(&bytes);
        let alpha = rgba[(py * w as usize + px) * 4 + 3];
        assert!(
            alpha > 0,
            "({lon}, {lat}): pixel {px},{py} of {tile:?} is transparent"
        );
        checked += 1;
    }
    checked
}

#[test]
fn a_raster_around_the_pole_keeps_everything_poleward_of_its_edges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (srs, size, ullr) = ("EPSG:3413", (200, 200), [-4e6, 4e6, 4e6, -4e6]);
    let file = synthetic(dir.path(), "polar-3413", srs, size, ullr);
    let out = run(dir.path(), "polar", &file, "0-3");

    // gdalwarp to WGS 84 reaches the pole, and its south edge is the data's (to its pixel).
    let warped = dir.path().join("warped.tif");
    let (src, dst) = (
        file.to_str().expect("utf-8"),
        warped.to_str().expect("utf-8"),
    );
    sh("gdalwarp", &["-q", "-t_srs", "EPSG:4326", src, dst]);
    let info = gdal_info(&warped);
    let corners = &info["cornerCoordinates"];
    let gdal_south = corners["lowerLeft"][1].as_f64().expect("south");
    let gdal_north = corners["upperLeft"][1].as_f64().expect("north");
    let pixel = info["geoTransform"][5].as_f64().expect("pixel").abs();
    let bbox = read_json(out.join("item.json"))["bbox"].clone();
    let bbox: Vec<f64> = numbers(&bbox);
    assert!(
        (bbox[1] - gdal_south).abs() <= pixel,
        "{bbox:?} vs gdalwarp south {gdal_south}"
    );
    assert!(
        (bbox[3] - gdal_north).abs() < 1e-6 && gdal_north == 90.0,
        "{bbox:?}"
    );
    assert_eq!((bbox[0], bbox[2]), (-180.0, 180.0), "{bbox:?}");
    let tilejson = numbers(&read_json(out.join("tilejson.json"))["bounds"]);
    assert!((tilejson[3] - MAX_LAT).abs() < 1e-9, "{tilejson:?}");

    let points = centres_lon_lat(srs, size, ullr, 9);
    let north_of_arctic_circle = points
        .iter()
        .filter(|p| p.1 > 66.5 && p.1 < MAX_LAT)
        .count();
    assert!(north_of_arctic_circle > 50, "{north_of_arctic_circle}");
    let checked = every_pixel_shows(&out, 3, &points);
    assert!(checked > 400, "{checked} pixels checked");
}

#[test]
fn rasters_across_the_antimeridian_are_tiled_on_both_sides_not_around_the_world() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, srs, ullr) in [
        ("geographic", "EPSG:4326", [170.0, -10.0, 190.0, -20.0]),
        // PDC Mercator (central meridian 150°E): x 2000–4000 km is 168°E–174°W.
        ("pdc-mercator", "EPSG:3832", [2e6, -1e6, 4e6, -2e6]),
    ] {
        let size = (200, 100);
        let file = synthetic(dir.path(), name, srs, size, ullr);
        let points = centres_lon_lat(srs, size, ullr, 7);
        // The data's extent by gdaltransform of its outline: west of 180° to east of it.
        let outline = outline_lon_lat(srs, ullr);
        let lons = || outline.iter().map(|p| p.0);
        let west = lons().filter(|l| *l > 0.0).fold(f64::INFINITY, f64::min);
        let east = lons()
            .filter(|l| *l < 0.0)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(west > 160.0 && east < -165.0, "{name}: {west} {east}");

        let pipeline = write_pipeline(
                dir.path(),
                &format!("{name}-plan.toml"),
                &format!(
                    "[scenes.post]\nfile = \"{}\"\nbands = {{ x = 1 }}\n[product]\nexpression = \"post.x\"\n\
                     [render]\nramp = \"viridis\"\nrange = [0, 200]\n[output]\nurl = \"memory://\"\n",
                    file.display()
                ),
            );
        let plan = aftermath()
            .args([
                "plan",
                pipeline.to_str().expect("utf-8"),
                "--json",
                "--zoom",
                "4",
            ])
            .output()
            .expect("plan");
        let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("plan json");
        // Zoom 4 tiles are 22.5° wide: one on each side of the antimeridian, not 16 around.
        assert_eq!(plan["tiles"]["total"], 2, "{name}: {plan}");

        let out = run(dir.path(), name, &file, "2-4");
        let bbox = numbers(&read_json(out.join("item.json"))["bbox"]);
        assert!(
            bbox[0] > bbox[2],
            "{name}: STAC bbox must cross (west > east): {bbox:?}"
        );
        assert!(
            (bbox[0] - west).abs() < 1e-6 && (bbox[2] - east).abs() < 1e-6,
            "{name}: {bbox:?} vs {west}, {east}"
        );
        let geometry = read_json(out.join("item.json"))["geometry"].clone();
        assert_eq!(geometry["type"], "MultiPolygon", "{name}: {geometry}");
        let checked = every_pixel_shows(&out, 4, &points);
        assert!(checked > 300, "{name}: {checked} pixels checked");
    }
}
