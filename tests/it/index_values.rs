//! Index values on real sample pixels against the formula evaluated here, on digital numbers
//! read by GDAL's own tools (`gdaltransform` to find the source pixel under a tile pixel,
//! `gdallocationinfo` to read it). Nearest-neighbour resampling, so each tile pixel is exactly
//! one source pixel.

use crate::common;

use std::collections::HashMap;
use std::path::Path;

use aftermath::raster::ReaderPool;
use aftermath::runner::load_plan;
use aftermath::runner::{index_values, prepare};
use aftermath::spec::Overrides;
use aftermath::tiling::{TileId, ZoomRange};
use common::*;

const HALF_WORLD: f64 = 20_037_508.342_789_244;

/// The plan of pipeline file `p` with its zoom replaced, in an empty environment.
fn plan_at_zoom(p: &Path, zoom: Option<ZoomRange>) -> aftermath::plan::Plan {
    let env: HashMap<String, String> = HashMap::new();
    load_plan(
        p,
        &env,
        &Overrides {
            zoom,
            ..Overrides::default()
        },
    )
    .expect("plan")
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

/// The values of `tile` for a pipeline with its `index = "…"` line replaced by `product`
/// (another index name, or `expression = "…"`).
fn values_for(text: &str, product: &str, dir: &Path, tile: TileId) -> Vec<f32> {
    let line = if product.starts_with("expression") {
        product.to_string()
    } else {
        format!("index = \"{product}\"")
    };
    let text = text
        .replace("index = \"mndwi\"", &line)
        .replace("index = \"dnbr\"", &line);
    let name = format!("p{}.toml", text.len());
    let p = write_pipeline(dir, &name, &text);
    let zoom = ZoomRange::new(tile.z, tile.z).ok();
    let plan = plan_at_zoom(&p, zoom);
    index_values(&prepare(&plan).expect("inputs"), &ReaderPool::new(), tile).expect("tile")
}

fn assert_close(index: &str, got: f32, want: f64, tolerance: f64, pixel: usize) {
    let got = f64::from(got);
    assert!(
        (got - want).abs() < tolerance || (got.is_nan() && want.is_nan()),
        "{index}, pixel {pixel}: got {got}, want {want}"
    );
}

#[test]
fn single_date_indices_match_their_formulas_on_olinda_pixels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = sample("olinda/L7_ETMs.tif");
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\n\
         bands = {{ blue = 1, green = 2, red = 3, nir = 4, swir1 = 5, swir2 = 6 }}\n\
         [product]\nindex = \"mndwi\"\n[render]\nramp = \"brbg\"\nrange = [-1, 1]\n\
         [tiling]\nresampling = \"nearest\"\n[output]\nurl = \"memory://\"\n",
        file.display()
    );
    // A zoom-15 tile on the shore, fully inside the scene: water (MNDWI > 0) and land.
    let p = write_pipeline(dir.path(), "find.toml", &text);
    let plan = plan_at_zoom(&p, ZoomRange::new(15, 15).ok());
    let prepared = prepare(&plan).expect("inputs");
    let readers = ReaderPool::new();
    let tile = prepared
        .pyramid
        .range(15)
        .expect("zoom 15")
        .tiles()
        .find(|&t| {
            let v = index_values(&prepared, &readers, t).expect("tile");
            v.iter().all(|x| !x.is_nan())
                && v.iter().filter(|x| **x > 0.0).count() > 5000
                && v.iter().filter(|x| **x < 0.0).count() > 5000
        })
        .expect("a shore tile");

    let samples = samples(15, tile.x, tile.y, 256, &file);
    assert!(samples.len() >= 60, "only {} usable samples", samples.len());
    let pixels: Vec<_> = samples.iter().map(|s| s.source).collect();
    let band = |b: u32| -> Vec<f64> {
        dn(&file, b, &pixels)
            .into_iter()
            .map(|d| d.expect("in raster"))
            .collect()
    };
    let (green, red, nir, swir1, swir2) = (band(2), band(3), band(4), band(5), band(6));
    // (index, formula on the DNs of one pixel)
    let blue = band(1);
    let expression = "expression = \"where(post.nir > post.red, sqrt(post.nir) - log10(post.swir1), \
                      -abs(post.green - post.swir2) / 10 + min(post.blue, 60) * max(post.red, 2))\"";
    let by_hand = |i: usize| {
        if nir[i] > red[i] {
            nir[i].sqrt() - swir1[i].log10()
        } else {
            -(green[i] - swir2[i]).abs() / 10.0 + blue[i].min(60.0) * red[i].max(2.0)
        }
    };
    let formulas: [(&str, &dyn Fn(usize) -> f64); 5] = [
        (expression, &by_hand),
        ("ndvi", &|i| nd(nir[i], red[i])),
        ("nbr", &|i| nd(nir[i], swir2[i])),
        ("ndwi", &|i| nd(green[i], nir[i])),
        ("mndwi", &|i| nd(green[i], swir1[i])),
    ];
    for (index, formula) in formulas {
        let values = values_for(&text, index, dir.path(), tile);
        let mut signs = [0usize; 2];
        for (i, s) in samples.iter().enumerate() {
            let want = formula(i);
            // Relative tolerance: the expression's values reach the hundreds.
            assert_close(
                index,
                values[s.index],
                want,
                1e-6 * want.abs().max(1.0),
                s.index,
            );
            signs[usize::from(want > 0.0)] += 1;
        }
        if index.starts_with("expression") {
            let vegetated = (0..samples.len()).filter(|&i| nir[i] > red[i]).count();
            assert!(
                vegetated > 0 && vegetated < samples.len(),
                "both branches of where()"
            );
        } else {
            assert!(
                signs[0] > 0 && signs[1] > 0,
                "{index}: the tile should hold both signs"
            );
        }
    }

    // A mask hiding the darker half in swir1 (by the DNs read above): those pixels become
    // nodata, the rest keep MNDWI.
    let mut sorted = swir1.clone();
    sorted.sort_by(f64::total_cmp);
    let threshold = sorted[sorted.len() / 2];
    let mask_line = format!("index = \"mndwi\"\nmask = \"post.swir1 < {threshold}\"");
    let masked = values_for(
        &text.replace("index = \"mndwi\"", &mask_line),
        "mndwi",
        dir.path(),
        tile,
    );
    let mut hidden = 0;
    for (i, s) in samples.iter().enumerate() {
        if swir1[i] < threshold {
            assert!(
                masked[s.index].is_nan(),
                "pixel {} (swir1 {}) not masked",
                s.index,
                swir1[i]
            );
            hidden += 1;
        } else {
            assert_close(
                "masked mndwi",
                masked[s.index],
                nd(green[i], swir1[i]),
                1e-6,
                s.index,
            );
        }
    }
    assert!(
        hidden > 0 && hidden < samples.len(),
        "{hidden} of {} masked",
        samples.len()
    );
}

/// USGS dNBR severity breaks (Key & Benson 2006) and their colours in the shipped pipeline.
const DNBR_BREAKS: [(f64, [u8; 3]); 7] = [
    (-0.25, [0x1a, 0x98, 0x50]),
    (-0.1, [0x91, 0xcf, 0x60]),
    (0.1, [0xd9, 0xef, 0x8b]),
    (0.27, [0xfe, 0xe0, 0x8b]),
    (0.44, [0xfc, 0x8d, 0x59]),
    (0.66, [0xd7, 0x30, 0x27]),
    (f64::INFINITY, [0x7f, 0x00, 0x00]),
];

#[test]
fn change_indices_match_their_formulas_with_per_band_scale_and_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(pipeline("ethiopia-change.toml"))
        .expect("read")
        .replace("resampling = \"bilinear\"", "resampling = \"nearest\"")
        .replace("../sample-data", &sample("").display().to_string());
    let p = write_pipeline(dir.path(), "find.toml", &text);
    let zoom = ZoomRange::new(16, 16).ok();
    let plan = plan_at_zoom(&p, zoom);
    let range = *prepare(&plan)
        .expect("inputs")
        .pyramid
        .range(16)
        .expect("zoom 16");
    let tile = TileId::new(
        16,
        (range.min_x + range.max_x) / 2,
        (range.min_y + range.max_y) / 2,
    );

    // Scale and offset as written in the pipeline (TOA reflectance from each scene's MTL).
    let pre = "ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B";
    let post = "ethiopia/2010-12-18/LT51670552010352MLK00_B";
    let bands = [
        (format!("{pre}3.TIF"), 2.712395e-3, -0.005752),
        (format!("{pre}4.TIF"), 3.283018e-3, -0.008942),
        (format!("{pre}7.TIF"), 3.085687e-3, -0.010146),
        (format!("{post}3.tif"), 2.813271e-3, -0.005966),
        (format!("{post}4.tif"), 3.405037e-3, -0.009275),
        (format!("{post}7.tif"), 3.222367e-3, -0.010524),
    ];
    let samples = samples(16, tile.x, tile.y, 256, &sample(&bands[0].0));
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
    let (red0, nir0, sw0, red1, nir1, sw1) =
        (&refl[0], &refl[1], &refl[2], &refl[3], &refl[4], &refl[5]);
    let nbr_pre = |i: usize| nd(nir0[i], sw0[i]);
    let dnbr = |i: usize| nbr_pre(i) - nd(nir1[i], sw1[i]);
    let formulas: [(&str, &dyn Fn(usize) -> f64); 4] = [
        ("dnbr", &dnbr),
        // Miller & Thode 2007, |NBR_pre| floored at 0.001
        ("rdnbr", &|i| dnbr(i) / nbr_pre(i).abs().max(0.001).sqrt()),
        // Parks et al. 2014
        ("rbr", &|i| dnbr(i) / (nbr_pre(i) + 1.001)),
        ("dndvi", &|i| nd(nir0[i], red0[i]) - nd(nir1[i], red1[i])),
    ];
    for (index, formula) in formulas {
        let values = values_for(&text, index, dir.path(), tile);
        for (i, s) in samples.iter().enumerate() {
            assert_close(index, values[s.index], formula(i), 1e-5, s.index);
        }
    }

    // The same pixels in the written dNBR tile: an indexed PNG coloured by the USGS breaks as
    // listed here, not as read from the pipeline.
    let p = write_pipeline(dir.path(), "dnbr-run.toml", &text);
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
        let want = dnbr(i);
        if DNBR_BREAKS.iter().any(|(b, _)| (want - b).abs() < 1e-4) {
            continue; // too close to a break for f32 arithmetic to decide
        }
        let colour = DNBR_BREAKS
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
