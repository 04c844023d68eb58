//! Item 7: values read as what they are — signed bytes, the preset's scale on hand-mapped
//! bands, backscatter units, exclusive class bounds.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aftermath::raster::ReaderPool;
use aftermath::runner::load_plan;
use aftermath::runner::{index_values, prepare};
use aftermath::spec::Overrides;
use aftermath::tiling::ZoomRange;

use crate::common::*;

const SIGNED_W: usize = 16;
const SIGNED_H: usize = 8;

/// The byte stored at (x, y) of the synthetic signed-byte raster.
fn stored_byte(x: usize, y: usize) -> u8 {
    ((x * 37 + y * 11) % 256) as u8
}

/// A synthetic 16×8 Int8 raster as GDAL < 3.7 writes it (Byte, `PIXELTYPE=SIGNEDBYTE`), in
/// EPSG:32725 with 30 m pixels: the raw bytes go in through an ENVI header and are copied
/// unchanged, so the stored bytes are exactly [`stored_byte`].
fn synthetic_signed_bytes(dir: &Path) -> PathBuf {
    let bytes: Vec<u8> = (0..SIGNED_H)
        .flat_map(|y| (0..SIGNED_W).map(move |x| stored_byte(x, y)))
        .collect();
    std::fs::write(dir.join("raw.bin"), bytes).expect("write raw");
    std::fs::write(
        dir.join("raw.hdr"),
        format!("ENVI\nsamples = {SIGNED_W}\nlines = {SIGNED_H}\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\ndata type = 1\ninterleave = bsq\nbyte order = 0\n"),
    )
    .expect("write header");
    let tif = dir.join("synthetic-int8.tif");
    sh(
        "gdal_translate",
        &[
            "-q",
            "-co",
            "PIXELTYPE=SIGNEDBYTE",
            "-a_srs",
            "EPSG:32725",
            "-a_ullr",
            "290000",
            "9120000",
            "290480",
            "9119760",
            dir.join("raw.bin").to_str().expect("utf-8"),
            tif.to_str().expect("utf-8"),
        ],
    );
    tif
}

#[test]
fn signed_bytes_are_read_signed_in_products_and_tiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tif = synthetic_signed_bytes(dir.path());
    let out = dir.path().join("out");
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\nbands = {{ x = 1 }}\n[product]\nexpression = \"post.x\"\n\
         [render]\nramp = \"brbg\"\nrange = [-128, 127]\n[tiling]\nresampling = \"nearest\"\n\
         [output]\nurl = \"{}\"\n",
        tif.display(),
        out.display()
    );
    let p = super::run_ok(dir.path(), "int8.toml", &text);

    // The product grid is the scene's: every pixel is the stored byte taken as two's complement.
    let signed = |x: usize, y: usize| f64::from(stored_byte(x, y) as i8);
    let pixels: Vec<(i64, i64)> = (0..SIGNED_H)
        .flat_map(|y| (0..SIGNED_W).map(move |x| (x as i64, y as i64)))
        .collect();
    let ours = dn(&out.join("index.tif"), 1, &pixels);
    for (&(x, y), got) in pixels.iter().zip(&ours) {
        let want = signed(x as usize, y as usize);
        assert_eq!(*got, Some(want), "index.tif pixel ({x}, {y})");
    }
    let stats: serde_json::Value = read_json(out.join("stats.json"));
    let all: Vec<f64> = pixels
        .iter()
        .map(|&(x, y)| signed(x as usize, y as usize))
        .collect();
    let min = all.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(stats["value"]["min"].as_f64(), Some(min), "{stats}");

    // Tiles (read directly, not through GDAL's warper): nearest values are source values.
    let env: HashMap<String, String> = HashMap::new();
    let overrides = Overrides {
        zoom: ZoomRange::new(18, 18).ok(),
        ..Overrides::default()
    };
    let plan = load_plan(&p, &env, &overrides).expect("plan");
    let prepared = prepare(&plan).expect("inputs");
    let readers = ReaderPool::new();
    let range = prepared.pyramid.range(18).expect("zoom 18");
    let allowed: BTreeSet<i64> = all.iter().map(|v| *v as i64).collect();
    let mut negative = 0;
    for tile in range.tiles() {
        for v in index_values(&prepared, &readers, tile).expect("tile") {
            if v.is_nan() {
                continue;
            }
            assert!(
                allowed.contains(&(v as i64)) && v.fract() == 0.0,
                "tile {tile}: {v} is not a source value"
            );
            negative += usize::from(v < 0.0);
        }
    }
    assert!(negative > 0, "no negative value in the tiles");
}

/// Codes of `classes.tif` for MNDWI of the Olinda sample classified by `classes` (TOML).
fn olinda_classes(dir: &Path, name: &str, classes: &str) -> Vec<f64> {
    let out = dir.join(name);
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\nbands = {{ green = 2, swir1 = 5 }}\n[product]\n\
         index = \"mndwi\"\n[render]\n{classes}\n[tiling]\nzoom = \"11-11\"\n\
         [output]\nurl = \"{}\"\n",
        sample("olinda/L7_ETMs.tif").display(),
        out.display()
    );
    super::run_ok(dir, &format!("{name}.toml"), &text);
    ascii_grid(&out.join("classes.tif"), 1, dir)
}

/// Every value of band `band` of `file`, row by row, as `gdal_translate -of AAIGrid` writes
/// them (an independent reader; NaN for nodata).
pub(crate) fn ascii_grid(file: &Path, band: u32, work: &Path) -> Vec<f64> {
    let asc = work.join(format!("grid-{}.asc", std::process::id()));
    let b = band.to_string();
    let (input, output) = (file.to_str().expect("utf-8"), asc.to_str().expect("utf-8"));
    sh(
        "gdal_translate",
        &["-q", "-of", "AAIGrid", "-b", &b, input, output],
    );
    let text = std::fs::read_to_string(&asc).expect("ascii grid");
    let mut nodata = None;
    let mut values = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        match words.peek().map(|w| w.to_ascii_lowercase()) {
            Some(w) if w == "nodata_value" => {
                nodata = words.nth(1).and_then(|v| v.parse::<f64>().ok());
            }
            Some(w) if w.starts_with(|c: char| c.is_ascii_alphabetic()) => {}
            _ => values.extend(words.map(|v| {
                let v: f64 = v.parse().expect("number");
                if Some(v) == nodata {
                    f64::NAN
                } else {
                    v
                }
            })),
        }
    }
    values
}

#[test]
fn water_is_mndwi_above_zero_exactly_with_the_shipped_table_and_exclusive_bounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = sample("olinda/L7_ETMs.tif");
    let (green, swir) = (
        ascii_grid(&file, 2, dir.path()),
        ascii_grid(&file, 5, dir.path()),
    );
    assert_eq!(green.len(), 349 * 352);
    let shipped = olinda_classes(dir.path(), "shipped", "classes = \"water\"");
    let by_hand = olinda_classes(
        dir.path(),
        "by-hand",
        "[[render.classes]]\nname = \"land\"\nup_to = 0\ncolor = \"#00000000\"\n\
         [[render.classes]]\nname = \"water\"\nabove = 0\ncolor = \"#1f4e9c\"",
    );
    let (mut zero, mut water) = (0, 0);
    for i in 0..green.len() {
        let (g, s) = (green[i], swir[i]);
        let pixel = (i % 349, i / 349);
        // MNDWI = (g − s)/(g + s): > 0 exactly when g > s; g = s is 0, not water.
        let want = if g + s == 0.0 {
            0.0
        } else if g > s {
            2.0
        } else {
            1.0
        };
        zero += usize::from(g == s && g > 0.0);
        water += usize::from(want == 2.0);
        // classes.tif's nodata (0) reads as NaN here.
        let code = |v: f64| if v.is_nan() { 0.0 } else { v };
        assert_eq!(
            code(shipped[i]),
            want,
            "shipped, pixel {pixel:?} (g {g}, s {s})"
        );
        assert_eq!(code(by_hand[i]), want, "by hand, pixel {pixel:?}");
    }
    assert!(
        zero > 10 && water > 1000,
        "{zero} pixels at exactly 0, {water} water"
    );
    let legend: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("shipped/legend.json")).expect("legend"),
    )
    .expect("json");
    let water_class = &legend["classes"][1];
    assert_eq!(water_class["min"], 0.0, "{legend}");
    assert_eq!(water_class["min_inclusive"], false, "{legend}");
}

#[test]
fn classes_whose_shared_bound_is_in_both_or_neither_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (first, second, problem) in [
        ("max = 0", "above = 0", "gap"),
        ("up_to = 0", "min = 0", "overlap"),
        ("max = 0\nup_to = 0", "min = 0", "not both"),
    ] {
        let text = mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &dir.path().join("out"), "")
            .replace(
                "[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n",
                &format!(
                    "[[render.classes]]\nname = \"a\"\n{first}\ncolor = \"#000000\"\n\
                 [[render.classes]]\nname = \"b\"\n{second}\ncolor = \"#ffffff\"\n"
                ),
            );
        let p = write_pipeline(dir.path(), "bounds.toml", &text);
        let (_, stderr) = super::refused(&["validate", p.to_str().expect("utf-8")]);
        assert!(
            stderr.contains("render.classes") && stderr.contains(problem),
            "{first} / {second}: {stderr}"
        );
    }
    assert!(!dir.path().join("out").exists());
}
