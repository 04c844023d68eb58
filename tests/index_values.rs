//! Index values on real sample pixels against the formula evaluated here, on digital numbers
//! read by GDAL's own tools (`gdaltransform` to find the source pixel under a tile pixel,
//! `gdallocationinfo` to read it). Nearest-neighbour resampling, so each tile pixel is exactly
//! one source pixel.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use aftermath::read::ReaderPool;
use aftermath::runner::{index_values, prepare};
use aftermath::spec::{load_plan, Overrides};
use common::*;

const HALF_WORLD: f64 = 20_037_508.342_789_244;

/// Runs `program args` with `input` on stdin; returns stdout lines.
fn pipe(program: &str, args: &[&str], input: &str) -> Vec<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{program} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A sample: tile pixel (col, row) and the whole source pixel under it.
struct Sample {
    index: usize,
    source: (i64, i64),
}

/// Tile pixels on a coarse grid whose centres fall well inside one source pixel.
fn samples(z: u8, x: u32, y: u32, size: usize, file: &Path) -> Vec<Sample> {
    let span = 2.0 * HALF_WORLD / 2f64.powi(i32::from(z));
    let res = span / size as f64;
    let (min_x, max_y) = (
        -HALF_WORLD + f64::from(x) * span,
        HALF_WORLD - f64::from(y) * span,
    );
    let pixels: Vec<(usize, usize)> = (0..12)
        .flat_map(|j| (0..12).map(move |i| (10 + i * 20, 10 + j * 20)))
        .collect();
    let points: String = pixels
        .iter()
        .map(|(c, r)| {
            format!(
                "{} {}\n",
                min_x + (*c as f64 + 0.5) * res,
                max_y - (*r as f64 + 0.5) * res
            )
        })
        .collect();
    let info = gdal_info(file);
    let gt = numbers(&info["geoTransform"]);
    let wkt = info["coordinateSystem"]["wkt"]
        .as_str()
        .expect("wkt")
        .to_string();
    let projected = pipe(
        "gdaltransform",
        &["-s_srs", "EPSG:3857", "-t_srs", &wkt, "-output_xy"],
        &points,
    );
    let mut out = Vec::new();
    for ((c, r), line) in pixels.iter().zip(projected) {
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|s| s.parse().expect("number"))
            .collect();
        let (px, py) = ((v[0] - gt[0]) / gt[1], (v[1] - gt[3]) / gt[5]);
        let near_edge = |f: f64| (f - f.floor()).min(f.ceil() - f) < 0.15;
        if near_edge(px) || near_edge(py) || px < 0.0 || py < 0.0 {
            continue;
        }
        out.push(Sample {
            index: r * size + c,
            source: (px.floor() as i64, py.floor() as i64),
        });
    }
    out
}

/// Digital numbers of one band at source pixels, by `gdallocationinfo`.
fn dn(file: &Path, band: u32, pixels: &[(i64, i64)]) -> Vec<Option<f64>> {
    let input: String = pixels.iter().map(|(x, y)| format!("{x} {y}\n")).collect();
    let b = band.to_string();
    let lines = pipe(
        "gdallocationinfo",
        &["-valonly", "-b", &b, file.to_str().expect("utf-8")],
        &input,
    );
    lines.iter().map(|l| l.trim().parse::<f64>().ok()).collect()
}

fn nd(a: f64, b: f64) -> f64 {
    if a + b == 0.0 {
        f64::NAN
    } else {
        (a - b) / (a + b)
    }
}

#[test]
fn mndwi_matches_the_formula_on_olinda_pixels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = sample("olinda/L7_ETMs.tif");
    let text = mndwi_pipeline(
        &file,
        &dir.path().join("out"),
        "[tiling]\nzoom = 15\nresampling = \"nearest\"",
    );
    let p = write_pipeline(dir.path(), "p.toml", &text);
    let env: HashMap<String, String> = HashMap::new();
    let prepared =
        prepare(&load_plan(&p, &env, &Overrides::default()).expect("plan")).expect("inputs");
    // A tile on the shore, fully inside the scene: both water (> 0) and land.
    let readers = ReaderPool::new();
    let (tile, values) = prepared
        .pyramid
        .range(15)
        .expect("zoom 15")
        .tiles()
        .map(|t| (t, index_values(&prepared, &readers, t).expect("tile")))
        .find(|(_, v)| {
            v.iter().all(|x| !x.is_nan())
                && v.iter().filter(|x| **x > 0.0).count() > 5000
                && v.iter().filter(|x| **x < 0.0).count() > 5000
        })
        .expect("a shore tile");

    let samples = samples(15, tile.x, tile.y, 256, &file);
    assert!(samples.len() >= 60, "only {} usable samples", samples.len());
    let pixels: Vec<_> = samples.iter().map(|s| s.source).collect();
    let (green, swir1) = (dn(&file, 2, &pixels), dn(&file, 5, &pixels));
    let mut water = 0;
    for (i, s) in samples.iter().enumerate() {
        let want = nd(green[i].expect("in raster"), swir1[i].expect("in raster"));
        let got = f64::from(values[s.index]);
        assert!(
            (got - want).abs() < 1e-6,
            "pixel {}: got {got}, want {want}",
            s.index
        );
        water += usize::from(want > 0.0);
    }
    assert!(
        water > 0 && water < samples.len(),
        "tile should hold water and land"
    );
}

#[test]
fn dnbr_matches_the_formula_with_per_band_scale_and_offset() {
    let env: HashMap<String, String> = HashMap::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(pipeline("ethiopia-change.toml"))
        .expect("read")
        .replace("resampling = \"bilinear\"", "resampling = \"nearest\"")
        .replace("../sample-data", &sample("").display().to_string());
    let p = write_pipeline(dir.path(), "p.toml", &text);
    let prepared = prepare(
        &load_plan(
            &p,
            &env,
            &Overrides {
                output: None,
                zoom: aftermath::tiling::ZoomRange::new(16, 16).ok(),
            },
        )
        .expect("plan"),
    )
    .expect("inputs");
    let range = prepared.pyramid.range(16).expect("zoom 16");
    let tile = aftermath::tiling::TileId::new(
        16,
        (range.min_x + range.max_x) / 2,
        (range.min_y + range.max_y) / 2,
    );
    let values = index_values(&prepared, &ReaderPool::new(), tile).expect("tile");

    // Scale and offset as written in the pipeline (TOA reflectance from each scene's MTL).
    let pre = "ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B";
    let post = "ethiopia/2010-12-18/LT51670552010352MLK00_B";
    let bands = [
        (format!("{pre}4.TIF"), 3.283018e-3, -0.008942),
        (format!("{pre}7.TIF"), 3.085687e-3, -0.010146),
        (format!("{post}4.tif"), 3.405037e-3, -0.009275),
        (format!("{post}7.tif"), 3.222367e-3, -0.010524),
    ];
    let first = sample(&bands[0].0);
    let samples = samples(16, tile.x, tile.y, 256, &first);
    assert!(samples.len() >= 60, "only {} usable samples", samples.len());
    let pixels: Vec<_> = samples.iter().map(|s| s.source).collect();
    let refl: Vec<Vec<f64>> = bands
        .iter()
        .map(|(f, scale, offset)| {
            dn(&sample(f), 1, &pixels)
                .iter()
                .map(|d| d.expect("in raster") * scale + offset)
                .collect()
        })
        .collect();
    for (i, s) in samples.iter().enumerate() {
        let want = nd(refl[0][i], refl[1][i]) - nd(refl[2][i], refl[3][i]);
        let got = f64::from(values[s.index]);
        assert!(
            (got - want).abs() < 1e-5,
            "pixel {}: got {got}, want {want}",
            s.index
        );
    }

    // The same pixels in the written tile: an indexed PNG coloured by the USGS dNBR breaks
    // (Key & Benson 2006), as listed here, not as read from the pipeline.
    let breaks: [(f64, [u8; 3]); 7] = [
        (-0.25, [0x1a, 0x98, 0x50]),
        (-0.1, [0x91, 0xcf, 0x60]),
        (0.1, [0xd9, 0xef, 0x8b]),
        (0.27, [0xfe, 0xe0, 0x8b]),
        (0.44, [0xfc, 0x8d, 0x59]),
        (0.66, [0xd7, 0x30, 0x27]),
        (f64::INFINITY, [0x7f, 0x00, 0x00]),
    ];
    let out = dir.path().join("out");
    aftermath()
        .args([
            "run",
            p.to_str().expect("utf-8"),
            "--zoom",
            "16",
            "--output",
            out.to_str().expect("utf-8"),
        ])
        .assert()
        .success();
    let bytes = std::fs::read(out.join(tile.to_string() + ".png")).expect("tile written");
    assert_eq!(png_color_type(&bytes), png::ColorType::Indexed);
    let (_, _, rgba) = decode_png(&bytes);
    let mut checked = 0;
    for (i, s) in samples.iter().enumerate() {
        let want = nd(refl[0][i], refl[1][i]) - nd(refl[2][i], refl[3][i]);
        if breaks.iter().any(|(b, _)| (want - b).abs() < 1e-4) {
            continue; // too close to a break for f32 arithmetic to decide
        }
        let colour = breaks
            .iter()
            .find(|(b, _)| want < *b)
            .map(|(_, c)| *c)
            .expect("a class");
        let px = &rgba[s.index * 4..s.index * 4 + 4];
        assert_eq!(
            px,
            [colour[0], colour[1], colour[2], 255],
            "pixel {}: dNBR {want}",
            s.index
        );
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} pixels checked");
}
