//! What lands under the output: tiles, TileJSON 3.0.0, run.json written last; transparent
//! nodata; `plan` and `validate` touch nothing.

use crate::common;

use common::*;
use predicates::prelude::*;

const HALF_WORLD: f64 = 20_037_508.342_789_244;

#[test]
fn tilejson_describes_the_tiles_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    aftermath()
        .args([
            "run",
            pipeline("olinda-water.toml").to_str().expect("utf-8"),
            "--output",
            out.to_str().expect("utf-8"),
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("tilejson: file://").and(predicate::str::contains("run.json")),
        );
    let tj = read_json(out.join("tilejson.json"));
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["scheme"], "xyz");
    assert_eq!(
        tj["tiles"][0],
        format!("file://{}/{{z}}/{{x}}/{{y}}.png", out.display())
    );
    assert!(tj["attribution"]
        .as_str()
        .expect("attribution")
        .contains("Landsat 7"));
    let zooms: Vec<u64> = tile_set(&out)
        .iter()
        .map(|k| k.split('/').next().expect("z").parse().expect("int"))
        .collect();
    assert_eq!(tj["minzoom"], *zooms.iter().min().expect("tiles"));
    assert_eq!(tj["maxzoom"], *zooms.iter().max().expect("tiles"));
    // Bounds: the data's own extent (issue 12, item 11), as gdalinfo reports it in WGS 84
    // (7 decimals), not gdalwarp's suggested Web Mercator extent (up to half a pixel off).
    let info = gdal_info(&sample("olinda/L7_ETMs.tif"));
    let ring = info["wgs84Extent"]["coordinates"][0]
        .as_array()
        .expect("ring")
        .clone();
    let coordinate = |i: usize| ring.iter().map(move |p| p[i].as_f64().expect("number"));
    let (w, e) = (
        coordinate(0).fold(f64::INFINITY, f64::min),
        coordinate(0).fold(f64::NEG_INFINITY, f64::max),
    );
    let (s, n) = (
        coordinate(1).fold(f64::INFINITY, f64::min),
        coordinate(1).fold(f64::NEG_INFINITY, f64::max),
    );
    let bounds: Vec<f64> = tj["bounds"]
        .as_array()
        .expect("bounds")
        .iter()
        .map(|v| v.as_f64().expect("f64"))
        .collect();
    for (got, want) in bounds.iter().zip([w, s, e, n]) {
        assert!(
            (got - want).abs() < 1e-6,
            "bounds {bounds:?}, want {:?}",
            [w, s, e, n]
        );
    }
    let center = tj["center"].as_array().expect("center");
    let (cx, cy) = (
        center[0].as_f64().expect("f64"),
        center[1].as_f64().expect("f64"),
    );
    assert!(cx > w && cx < e && cy > s && cy < n);
}

#[test]
fn run_json_is_written_last_and_counts_the_tiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    aftermath()
        .args([
            "run",
            pipeline("ethiopia-change.toml").to_str().expect("utf-8"),
            "--output",
            out.to_str().expect("utf-8"),
            "--zoom",
            "12-15",
            "--threads",
            "2",
        ])
        .assert()
        .success();
    let record = read_json(out.join("run.json"));
    assert_eq!(record["status"], "complete");
    assert_eq!(record["product"]["index"], "dnbr");
    assert_eq!(record["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let tiles = tile_set(&out);
    assert_eq!(record["tiles"]["written"], tiles.len() as u64);
    for z in 12..=15 {
        let n = tiles
            .iter()
            .filter(|k| k.starts_with(&format!("{z}/")))
            .count() as u64;
        assert_eq!(record["tiles"]["per_zoom"][z.to_string()], n, "zoom {z}");
    }
    let roles: Vec<&str> = record["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["role"].as_str().expect("role"))
        .collect();
    assert_eq!(roles, ["pre", "post"]);
    assert_eq!(record["inputs"][0]["datetime"], "2000-03-09T07:08:03Z");
    let marker = std::fs::metadata(out.join("run.json"))
        .and_then(|m| m.modified())
        .expect("mtime");
    for key in tiles.iter().map(String::as_str).chain(["tilejson.json"]) {
        let t = std::fs::metadata(out.join(key))
            .and_then(|m| m.modified())
            .expect("mtime");
        assert!(t <= marker, "{key} written after run.json");
    }
}

/// Share of tile pixels whose transparency agrees with GDAL's own alpha (`gdalwarp -dstalpha`
/// of `band` into the same tile bounds, nearest neighbour), and our transparent pixel count.
fn alpha_agreement(band_line: &str, band: u32, srcnodata: Option<&str>) -> (f64, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let file = sample("olinda/L7_ETMs.tif");
    let text = mndwi_pipeline(&file, &out, "[tiling]\nzoom = 14\nresampling = \"nearest\"")
        .replace("swir1 = 5", band_line);
    let p = write_pipeline(dir.path(), "p.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let vrt = one_band_vrt(&file, band, dir.path());
    let (mut agree, mut total, mut transparent) = (0usize, 0usize, 0usize);
    for key in tile_set(&out) {
        let parts: Vec<u32> = key
            .trim_end_matches(".png")
            .split('/')
            .map(|s| s.parse().expect("int"))
            .collect();
        let (z, x, y) = (parts[0], parts[1], parts[2]);
        let span = 2.0 * HALF_WORLD / 2f64.powi(z as i32);
        let (min_x, max_y) = (
            -HALF_WORLD + f64::from(x) * span,
            HALF_WORLD - f64::from(y) * span,
        );
        let te = [min_x, max_y - span, min_x + span, max_y].map(|v| v.to_string());
        let dst = dir
            .path()
            .join(format!("ref-{x}-{y}.tif"))
            .to_str()
            .expect("utf-8")
            .to_string();
        let mut args = vec![
            "-q",
            "-t_srs",
            "EPSG:3857",
            "-te",
            &te[0],
            &te[1],
            &te[2],
            &te[3],
            "-ts",
            "256",
            "256",
            "-r",
            "near",
            "-dstalpha",
        ];
        if let Some(v) = srcnodata {
            args.extend(["-srcnodata", v]);
        }
        let src = vrt.to_str().expect("utf-8").to_string();
        args.extend([src.as_str(), dst.as_str()]);
        sh("gdalwarp", &args);
        let grid = sh(
            "gdal_translate",
            &["-q", "-b", "2", "-of", "AAIGrid", &dst, "/vsistdout/"],
        );
        let reference: Vec<u8> = grid
            .lines()
            .filter(|l| {
                !l.trim_start()
                    .starts_with(|c: char| c.is_ascii_alphabetic())
            })
            .flat_map(|l| {
                l.split_whitespace()
                    .map(|v| v.parse::<u8>().expect("u8"))
                    .collect::<Vec<_>>()
            })
            .collect();
        let (_, _, rgba) = decode_png(&std::fs::read(out.join(&key)).expect("tile"));
        assert_eq!(reference.len() * 4, rgba.len());
        for (i, px) in rgba.chunks(4).enumerate() {
            assert!(px[3] == 0 || px[3] == 255, "alpha is all or nothing");
            total += 1;
            transparent += usize::from(px[3] == 0);
            agree += usize::from((px[3] == 0) == (reference[i] == 0));
        }
    }
    (agree as f64 / total as f64, transparent)
}

#[test]
fn pixels_outside_the_scene_are_fully_transparent() {
    let (agreement, transparent) = alpha_agreement("swir1 = 5", 2, None);
    assert!(
        transparent > 10_000,
        "edge tiles should have transparent parts"
    );
    assert!(
        agreement > 0.995,
        "alpha agrees with gdalwarp on {agreement:.4} of pixels"
    );
}

#[test]
fn declared_nodata_pixels_are_fully_transparent() {
    // DN 13 is the most frequent value of in the swir1 band over the sea; declared nodata, it must vanish there.
    let (_, outside_only) = alpha_agreement("swir1 = 5", 5, None);
    let (agreement, transparent) =
        alpha_agreement("swir1 = { band = 5, nodata = 13 }", 5, Some("13"));
    assert!(
        agreement > 0.995,
        "alpha agrees with gdalwarp -srcnodata on {agreement:.4} of pixels"
    );
    assert!(
        transparent > outside_only + 1000,
        "{transparent} vs {outside_only}: nodata hid nothing"
    );
}

#[test]
fn plan_counts_the_tiles_of_gdal2tiles_grid_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vrt = one_band_vrt(&sample("olinda/L7_ETMs.tif"), 2, dir.path());
    let all = gdal2tiles(&vrt, Some("10-14"), false, dir.path());
    let out = aftermath()
        .args([
            "plan",
            pipeline("olinda-water.toml").to_str().expect("utf-8"),
            "--zoom",
            "10-14",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    for z in 10..=14 {
        let n = all
            .iter()
            .filter(|k| k.starts_with(&format!("{z}/")))
            .count();
        assert!(
            text.contains(&format!("zoom {z}: {n} tiles")),
            "zoom {z}: gdal2tiles has {n}\n{text}"
        );
    }
    aftermath()
        .args([
            "validate",
            pipeline("ethiopia-change.toml").to_str().expect("utf-8"),
        ])
        .assert()
        .success()
        // 101² px of 30 m: zoom 12 (38 m) is the deepest not finer than the pixels; the
        // 3 km common area is smaller than a zoom-12 tile, so the shallowest is 12 too.
        .stdout(predicate::str::contains(
            "ok (dnbr of pre → post, zooms 12-12)",
        ));
}

#[test]
fn a_memory_output_runs_without_touching_the_disk() {
    aftermath()
        .args([
            "run",
            pipeline("olinda-water.toml").to_str().expect("utf-8"),
            "--output",
            "memory://olinda",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("5 written"));
}

#[test]
fn json_logs_are_one_json_object_per_line_on_stderr() {
    let out = aftermath()
        .env("RUST_LOG", "info")
        .args([
            "--log-format",
            "json",
            "run",
            pipeline("olinda-water.toml").to_str().expect("utf-8"),
            "--output",
            "memory://logs",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().count() >= 1);
    for line in stderr.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            v["level"].is_string() && v["fields"]["message"].is_string(),
            "{line}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("tiles:"),
        "the summary stays on stdout"
    );
}

#[test]
fn the_legend_lists_the_classes_and_ramp_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (classes_out, ramp_out) = (dir.path().join("classes"), dir.path().join("ramp"));
    for (name, out) in [
        ("ethiopia-change.toml", &classes_out),
        ("olinda-water.toml", &ramp_out),
    ] {
        run_shipped(name, out);
    }
    let legend = read_json(classes_out.join("legend.json"));
    assert_eq!(legend["type"], "classes");
    let classes = legend["classes"].as_array().expect("classes");
    // USGS dNBR severity classes (Key & Benson 2006), as in the shipped pipeline.
    let expected = [
        ("enhanced regrowth, high", None, Some(-0.25), "#1a9850"),
        ("enhanced regrowth, low", Some(-0.25), Some(-0.1), "#91cf60"),
        ("unburned", Some(-0.1), Some(0.1), "#d9ef8b"),
        ("low severity", Some(0.1), Some(0.27), "#fee08b"),
        ("moderate-low severity", Some(0.27), Some(0.44), "#fc8d59"),
        ("moderate-high severity", Some(0.44), Some(0.66), "#d73027"),
        ("high severity", Some(0.66), None, "#7f0000"),
    ];
    assert_eq!(classes.len(), expected.len());
    for (i, (c, (name, min, max, color))) in classes.iter().zip(expected).enumerate() {
        assert_eq!(c["value"], i as u64 + 1, "palette index of {name}");
        assert_eq!(c["name"], name);
        assert_eq!(c["color"], color);
        let close = |v: &serde_json::Value, want: Option<f64>| match want {
            None => v.is_null(),
            Some(w) => (v.as_f64().expect("number") - w).abs() < 1e-6,
        };
        assert!(close(&c["min"], min) && close(&c["max"], max), "{c}");
    }
    let tj = read_json(classes_out.join("tilejson.json"));
    let html = tj["legend"].as_str().expect("legend string");
    assert!(
        html.contains("high severity (≥ 0.66)") && html.contains("#7f0000"),
        "{html}"
    );

    let legend = read_json(ramp_out.join("legend.json"));
    assert_eq!(
        (legend["type"].as_str(), legend["ramp"].as_str()),
        (Some("ramp"), Some("brbg"))
    );
    let stops = legend["stops"].as_array().expect("stops");
    // ColorBrewer BrBG, 11 classes: first and last colours; values as written in the
    // pipeline (-0.6, not f32's -0.6000000238418579).
    assert_eq!(
        (stops[0]["value"].as_f64(), stops[0]["color"].as_str()),
        (Some(-0.6), Some("#543005"))
    );
    let last = stops.last().expect("stops");
    assert_eq!(
        (last["value"].as_f64(), last["color"].as_str()),
        (Some(0.6), Some("#003c30"))
    );
}
