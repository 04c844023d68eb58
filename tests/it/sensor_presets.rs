//! Sensor presets, quality masks, SAR log-ratio and water change, checked against values
//! computed here from the stored digital numbers (read by `gdallocationinfo`) and the
//! published constants. Real pixels where a real sample exists (Sentinel-2 L1C, Landsat 7/8,
//! the Olinda ETM+ stack); rasters with `synthetic` in their name are written by the tests
//! for the rules no reachable real sample covers (SCL, QA_PIXEL, Sentinel-1 backscatter).

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use gdal::raster::Buffer;
use gdal::{DriverManager, Metadata};
use predicates::prelude::*;

const SAFE: &str =
    "sentinel2-l1c/S2A_MSIL1C_20200622T105631_N0500_R094_T30TXR_20231110T094313.SAFE";
const IMG: &str = "GRANULE/L1C_T30TXR_A026117_20200622T105647/IMG_DATA/T30TXR_20200622T105631";

fn run(pipeline: &Path) {
    aftermath()
        .args(["run", pipeline.to_str().expect("utf-8")])
        .assert()
        .success();
}

fn validate_fails(pipeline: &Path, key: &str, message: &str) {
    aftermath()
        .args(["validate", pipeline.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(key).and(predicate::str::contains(message)));
}

/// A ramp pipeline over `scenes` (TOML) computing `product` (TOML), writing to `dir/out`.
fn pipeline(dir: &Path, scenes: &str, product: &str) -> PathBuf {
    let text = format!(
        "{scenes}\n[product]\n{product}\n[render]\nramp = \"viridis\"\nrange = [-1, 1]\n\
         [tiling]\nzoom = \"auto\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        dir.join("out").display()
    );
    write_pipeline(dir, "p.toml", &text)
}

/// Every `step`-th pixel of a `width`×`height` grid.
fn grid_pixels(width: i64, height: i64, step: usize) -> Vec<(i64, i64)> {
    (0..height)
        .step_by(step)
        .flat_map(|y| (0..width).step_by(step).map(move |x| (x, y)))
        .collect()
}

fn is_nodata(v: Option<f64>) -> bool {
    v.is_none_or(f64::is_nan)
}

/// Writes a one-band GeoTIFF on the grid of `like` scaled by `factor` (2: half the pixels in
/// each direction), filled by `value(col, row)`.
fn write_synthetic(
    path: &Path,
    like: &Path,
    factor: usize,
    float: bool,
    value: impl Fn(usize, usize) -> f64,
) {
    let source = gdal::Dataset::open(like).expect("open like");
    let (w, h) = source.raster_size();
    let (w, h) = (w / factor, h / factor);
    let mut gt = source.geo_transform().expect("gt");
    gt[1] *= factor as f64;
    gt[5] *= factor as f64;
    let driver = DriverManager::get_driver_by_name("GTiff").expect("GTiff");
    let values: Vec<f64> = (0..h)
        .flat_map(|r| (0..w).map(move |c| (c, r)))
        .map(|(c, r)| value(c, r))
        .collect();
    let mut ds = if float {
        let ds = driver
            .create_with_band_type::<f32, _>(path, w, h, 1)
            .expect("create");
        let mut buf = Buffer::new((w, h), values.iter().map(|v| *v as f32).collect());
        ds.rasterband(1)
            .expect("band")
            .write((0, 0), (w, h), &mut buf)
            .expect("write");
        ds
    } else {
        let ds = driver
            .create_with_band_type::<u16, _>(path, w, h, 1)
            .expect("create");
        let mut buf = Buffer::new((w, h), values.iter().map(|v| *v as u16).collect());
        ds.rasterband(1)
            .expect("band")
            .write((0, 0), (w, h), &mut buf)
            .expect("write");
        ds
    };
    ds.set_geo_transform(&gt).expect("gt");
    ds.set_projection(&source.projection()).expect("srs");
}

#[test]
fn sentinel2_preset_reads_a_safe_folder_with_its_radiometric_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let safe = sample(SAFE);
    let scenes = format!(
        "[scenes.post]\nsensor = \"sentinel-2-l1c\"\ndir = \"{}\"\ndatetime = \"2020-06-22T10:56:31Z\"",
        safe.display()
    );
    // Both naming schemes: the common name and the Sentinel-2 band id.
    let p = pipeline(dir.path(), &scenes, "expression = \"post.red + post.B02\"");
    run(&p);

    // (DN + RADIO_ADD_OFFSET) / QUANTIFICATION_VALUE with −1000 and 10000 from MTD_MSIL1C.xml
    // of this baseline-05.00 product; DN 0 is no data.
    let pixels = grid_pixels(523, 106, 3);
    let red = dn(&safe.join(format!("{IMG}_B04.jp2")), 1, &pixels);
    let blue = dn(&safe.join(format!("{IMG}_B02.jp2")), 1, &pixels);
    let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
    let (mut valid, mut nodata) = (0, 0);
    for i in 0..pixels.len() {
        let (r, b) = (red[i].expect("red"), blue[i].expect("blue"));
        if r == 0.0 || b == 0.0 {
            assert!(
                is_nodata(ours[i]),
                "pixel {:?}: DN 0 must be nodata",
                pixels[i]
            );
            nodata += 1;
            continue;
        }
        let want = (r - 1000.0) / 10000.0 + (b - 1000.0) / 10000.0;
        let got = ours[i].expect("value");
        assert!(
            (got - want).abs() < 1e-6,
            "pixel {:?}: {got} vs {want}",
            pixels[i]
        );
        valid += 1;
    }
    assert!(valid > 3000 && nodata > 0, "{valid} valid, {nodata} nodata");
}

#[test]
fn without_product_metadata_the_declared_baseline_decides_the_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bands = dir.path().join("bands");
    std::fs::create_dir(&bands).expect("mkdir");
    let b04 = sample(&format!("{SAFE}/{IMG}_B04.jp2"));
    std::fs::copy(&b04, bands.join("B04.tif")).expect("copy");
    let scenes = |baseline: &str| {
        format!(
            "[scenes.post]\nsensor = \"sentinel-2-l2a\"\ndir = \"{}\"\n{baseline}",
            bands.display()
        )
    };
    let p = pipeline(dir.path(), &scenes(""), "expression = \"post.red\"");
    validate_fails(&p, "scenes.post.sensor", "processing_baseline");

    let pixels = grid_pixels(523, 106, 11);
    let raw = dn(&b04, 1, &pixels);
    for (baseline, offset) in [("03.01", 0.0), ("05.09", -1000.0)] {
        let line = format!("processing_baseline = \"{baseline}\"");
        let p = pipeline(dir.path(), &scenes(&line), "expression = \"post.red\"");
        run(&p);
        let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
        for i in 0..pixels.len() {
            let d = raw[i].expect("dn");
            if d == 0.0 {
                continue;
            }
            let want = (d + offset) / 10000.0;
            let got = ours[i].expect("value");
            assert!(
                (got - want).abs() < 1e-6,
                "baseline {baseline}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn a_landsat_preset_names_the_bands_of_a_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = sample("olinda/L7_ETMs.tif");
    let scenes = format!(
        "[scenes.post]\nsensor = \"landsat-7-l1\"\nfile = \"{}\"",
        stack.display()
    );
    let p = pipeline(dir.path(), &scenes, "index = \"mndwi\"");
    run(&p);
    // Stack order of the preset: blue, green, red, nir, swir1, swir2 → green = 2, swir1 = 5.
    let pixels = grid_pixels(349, 352, 9);
    let (g, s) = (dn(&stack, 2, &pixels), dn(&stack, 5, &pixels));
    let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
    for i in 0..pixels.len() {
        let (g, s) = (g[i].expect("green"), s[i].expect("swir1"));
        let got = ours[i];
        if g == 0.0 || s == 0.0 {
            assert!(is_nodata(got), "DN 0 is Landsat fill");
            continue;
        }
        let want = (g - s) / (g + s);
        assert!((got.expect("value") - want).abs() < 1e-6);
    }
}

#[test]
fn a_preset_on_a_stack_with_the_wrong_band_count_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenes = format!(
        "[scenes.post]\nsensor = \"sentinel-2-l2a\"\nfile = \"{}\"\nprocessing_baseline = \"05.09\"",
        sample("olinda/L7_ETMs.tif").display()
    );
    let p = pipeline(dir.path(), &scenes, "index = \"ndvi\"");
    validate_fails(&p, "L7_ETMs.tif has 6 band(s)", "expects 12");
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn a_mask_without_its_quality_band_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenes = format!(
        "[scenes.post]\nsensor = \"sentinel-2-l1c\"\ndir = \"{}\"\nmask = \"scl\"",
        sample(SAFE).display()
    );
    let p = pipeline(dir.path(), &scenes, "expression = \"post.red\"");
    validate_fails(&p, "scenes.post.mask", "no band `scl`");
    let scenes = scenes.replace("\"scl\"", "{ qa_pixel = [\"clouds\"] }");
    let p = pipeline(dir.path(), &scenes, "expression = \"post.red\"");
    validate_fails(&p, "scenes.post.mask", "unknown QA_PIXEL bit `clouds`");
}

/// SCL codes of the synthetic quality raster: every code 0…11 in vertical stripes.
fn synthetic_scl(col: usize, _row: usize) -> f64 {
    ((col / 3) % 12) as f64
}

#[test]
fn scl_classes_mask_pixels_at_the_quality_band_s_own_resolution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let product = dir.path().join("S2B_MSIL2A_synthetic.SAFE");
    std::fs::create_dir(&product).expect("mkdir");
    let b04 = sample(&format!("{SAFE}/{IMG}_B04.jp2"));
    std::fs::copy(&b04, product.join("T30TXR_20200622T105631_B04_10m.jp2")).expect("copy");
    // SCL at 20 m, as in real L2A products: one SCL pixel covers 2×2 band pixels.
    let scl = product.join("T30TXR_20200622T105631_SCL_20m_synthetic.tif");
    write_synthetic(&scl, &b04, 2, false, synthetic_scl);
    std::fs::rename(&scl, product.join("T30TXR_20200622T105631_SCL_20m.jp2")).expect("rename");

    for (mask, masked_codes) in [
        ("\"scl\"", vec![0, 1, 3, 8, 9, 10, 11]),
        ("{ scl = [4, 6] }", vec![4, 6]),
    ] {
        let scenes = format!(
            "[scenes.post]\nsensor = \"sentinel-2-l2a\"\ndir = \"{}\"\nprocessing_baseline = \"05.00\"\nmask = {mask}",
            product.display()
        );
        let p = pipeline(dir.path(), &scenes, "expression = \"post.red\"");
        // Bilinear for the reflectances; the codes must still be read with nearest neighbour.
        let text = std::fs::read_to_string(&p).expect("read");
        std::fs::write(&p, text.replace("\"nearest\"", "\"bilinear\"")).expect("write");
        run(&p);
        let pixels = grid_pixels(522, 106, 1)
            .into_iter()
            .filter(|(x, y)| (x + y) % 7 == 0)
            .collect::<Vec<_>>();
        let raw = dn(&b04, 1, &pixels);
        let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
        let (mut kept, mut masked) = (0, 0);
        for i in 0..pixels.len() {
            let (x, y) = pixels[i];
            let code = synthetic_scl(x as usize / 2, y as usize / 2) as i32;
            let d = raw[i].expect("dn");
            if masked_codes.contains(&code) || d == 0.0 {
                assert!(
                    is_nodata(ours[i]),
                    "{mask}: pixel {:?} has SCL {code}",
                    pixels[i]
                );
                masked += 1;
            } else {
                let want = (d - 1000.0) / 10000.0;
                let got = ours[i].expect("kept");
                assert!((got - want).abs() < 1e-6, "{mask}: pixel {:?}", pixels[i]);
                kept += 1;
            }
        }
        assert!(
            kept > 500 && masked > 500,
            "{mask}: {kept} kept, {masked} masked"
        );
    }
}

/// QA_PIXEL values with the bits they set: clear, water, fill, cloud, shadow, snow, cirrus.
const QA: [(f64, &str); 7] = [
    (21824.0, "clear"),
    (21952.0, "water"),
    (1.0, "fill"),
    (22280.0, "cloud"),
    (23888.0, "cloud_shadow"),
    (30048.0, "snow"),
    (55052.0, "cirrus"),
];

#[test]
fn qa_pixel_bits_mask_both_scenes_of_a_change_product() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Landsat 8 digital numbers (real, 2013) stored as Collection 2 Level-2 surface
    // reflectance files with a synthetic QA_PIXEL, read as both scenes.
    let real = |b: u32| {
        sample(&format!(
            "marburg/2013-07-07/LC81950252013188LGN00_B{b}.TIF"
        ))
    };
    let post = dir.path().join("LC08_L2SP_195025_20130707_synthetic_02_T1");
    std::fs::create_dir(&post).expect("mkdir");
    let mut raws = Vec::new();
    for (b, name) in [(5, "SR_B5"), (4, "SR_B4")] {
        let dst = post.join(format!("LC08_L2SP_195025_20130707_02_T1_{name}.TIF"));
        sh(
            "gdal_translate",
            &[
                "-q",
                "-ot",
                "UInt16",
                real(b).to_str().expect("utf-8"),
                dst.to_str().expect("utf-8"),
            ],
        );
        raws.push(dst);
    }
    let qa = post.join("LC08_L2SP_195025_20130707_02_T1_QA_PIXEL.TIF");
    write_synthetic(&qa, &real(4), 1, false, |c, r| QA[(c + r) % QA.len()].0);

    // Post masks the default bits; pre masks water only: a pixel masked in either is masked.
    let scenes = format!(
        "[scenes.pre]\nsensor = \"landsat-8-9-c2-l2\"\ndir = \"{0}\"\nmask = {{ qa_pixel = [\"water\"] }}\n\
         [scenes.post]\nsensor = \"landsat-8-9-c2-l2\"\ndir = \"{0}\"\nmask = \"qa_pixel\"",
        post.display()
    );
    let p = pipeline(dir.path(), &scenes, "index = \"dndvi\"");
    run(&p);
    let pixels = grid_pixels(41, 41, 1);
    let (nir, red) = (dn(&raws[0], 1, &pixels), dn(&raws[1], 1, &pixels));
    let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
    for i in 0..pixels.len() {
        let (x, y) = pixels[i];
        let flag = QA[(x + y) as usize % QA.len()].1;
        if flag != "clear" {
            assert!(is_nodata(ours[i]), "pixel {:?} flagged {flag}", pixels[i]);
            continue;
        }
        // Same scene twice: SR = DN · 0.0000275 − 0.2 (LSDS-1619), dNDVI = 0 where kept.
        let sr = |d: Option<f64>| d.expect("dn") * 0.0000275 - 0.2;
        let ndvi = (sr(nir[i]) - sr(red[i])) / (sr(nir[i]) + sr(red[i]));
        assert!(ndvi.is_finite());
        let got = ours[i].expect("kept");
        assert!(got.abs() < 1e-6, "pixel {:?}: {got}", pixels[i]);
    }
}

#[test]
fn sar_log_ratio_takes_backscatter_in_db_or_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let like = sample("marburg/2013-07-07/LC81950252013188LGN00_B3.TIF");
    // Synthetic σ⁰ in dB: land around −8 dB, a strip flooded (−20 dB) after the event.
    let pre_db = |c: usize, r: usize| -8.0 - ((c * 7 + r * 3) % 10) as f64 * 0.3;
    let post_db = |c: usize, r: usize| {
        if (10..20).contains(&c) {
            -20.0 - (r % 5) as f64
        } else {
            pre_db(c, r) + ((c + r) % 3) as f64 - 1.0
        }
    };
    for (units, convert) in [("db", false), ("linear", true)] {
        let folder = dir.path().join(format!("s1_{units}"));
        for (name, f) in [
            ("pre", &pre_db as &dyn Fn(usize, usize) -> f64),
            ("post", &post_db),
        ] {
            let d = folder.join(name);
            std::fs::create_dir_all(&d).expect("mkdir");
            let value = |c, r| {
                let db = f(c, r);
                if convert {
                    10f64.powf(db / 10.0)
                } else {
                    db
                }
            };
            write_synthetic(
                &d.join("S1A_IW_GRDH_synthetic_VV.tif"),
                &like,
                1,
                true,
                value,
            );
        }
        let scenes = format!(
            "[scenes.pre]\nsensor = \"sentinel-1-grd\"\ndir = \"{0}/pre\"\nbackscatter = \"{units}\"\n\
             [scenes.post]\nsensor = \"sentinel-1-grd\"\ndir = \"{0}/post\"\nbackscatter = \"{units}\"",
            folder.display()
        );
        let text = format!(
            "{scenes}\n[product]\nindex = \"log_ratio\"\n[render]\nclasses = \"sar-change\"\n\
             [output]\nurl = \"{}\"\n",
            dir.path().join("out").display()
        );
        let p = write_pipeline(dir.path(), "sar.toml", &text);
        run(&p);
        let pixels = grid_pixels(41, 41, 1);
        let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
        let classes = dn(&dir.path().join("out/classes.tif"), 1, &pixels);
        for i in 0..pixels.len() {
            let (c, r) = (pixels[i].0 as usize, pixels[i].1 as usize);
            let want = post_db(c, r) - pre_db(c, r); // 10·log10(post/pre) in dB
            let got = ours[i].expect("value");
            assert!(
                (got - want).abs() < 1e-4,
                "{units}: pixel {:?}: {got} vs {want}",
                pixels[i]
            );
            // sar-change: decrease < −3 dB is class 1, −3…3 class 2, ≥ 3 class 3.
            if (want + 3.0).abs() > 1e-3 && (want - 3.0).abs() > 1e-3 {
                let class = if want < -3.0 {
                    1.0
                } else if want < 3.0 {
                    2.0
                } else {
                    3.0
                };
                assert_eq!(classes[i], Some(class), "{units}: pixel {:?}", pixels[i]);
            }
        }
    }
    // Undeclared units are a validation error: a dB file read as linear gives nonsense.
    let text = format!(
        "[scenes.pre]\nsensor = \"sentinel-1-grd\"\ndir = \"{0}/s1_db/pre\"\n\
         [scenes.post]\nsensor = \"sentinel-1-grd\"\ndir = \"{0}/s1_db/post\"\n\
         [product]\nindex = \"log_ratio\"\n[render]\nclasses = \"sar-change\"\n[output]\nurl = \"memory://\"\n",
        dir.path().display()
    );
    let p = write_pipeline(dir.path(), "nounits.toml", &text);
    validate_fails(&p, "scenes.pre.sensor", "backscatter");

    // Issue 12, item 7: formulas see linear power, so `post.vv < -15` never holds; validate
    // warns and names `db()`, which gives the threshold in dB.
    let flood = |expression: &str, name: &str| {
        let text = format!(
            "[scenes.post]\nsensor = \"sentinel-1-grd\"\ndir = \"{}/s1_db/post\"\nbackscatter = \"db\"\n\
             [product]\nexpression = \"{expression}\"\n[render]\nramp = \"viridis\"\nrange = [0, 1]\n\
             [output]\nurl = \"{}\"\n",
            dir.path().display(),
            dir.path().join(name).display()
        );
        write_pipeline(dir.path(), &format!("{name}.toml"), &text)
    };
    let linear = flood("post.vv < -15", "linear");
    aftermath()
        .args(["validate", linear.to_str().expect("utf-8")])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("db(post.vv)").and(predicate::str::contains("linear power")),
        );
    let db = flood("db(post.vv) < -15", "db");
    aftermath()
        .args(["validate", db.to_str().expect("utf-8")])
        .assert()
        .success()
        .stderr(predicate::str::contains("linear power").not());
    run(&db);
    let pixels = grid_pixels(41, 41, 1);
    let ours = dn(&dir.path().join("db/index.tif"), 1, &pixels);
    for (i, &(c, r)) in pixels.iter().enumerate() {
        let want = if post_db(c as usize, r as usize) < -15.0 {
            1.0
        } else {
            0.0
        };
        assert_eq!(ours[i], Some(want), "pixel ({c}, {r})");
    }
}

#[test]
fn the_shipped_water_pipeline_codes_water_change_from_toa_mndwi() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("marburg-water.toml", &out);
    let pixels = grid_pixels(41, 41, 1);
    let band = |folder: &str, file: &str| -> Vec<f64> {
        dn(&sample(&format!("marburg/{folder}/{file}")), 1, &pixels)
            .into_iter()
            .map(|v| v.expect("dn"))
            .collect()
    };
    // 2001, ETM+ radiance-only MTL: ρ = π·L·d²/(ESUN·sin e); ESUN B2 1842, B5 225.7 (Chander
    // et al. 2009), d from day 211, e = 53.8776531°.
    let d = 1.0 - 0.01672 * (0.9856f64 * (211.0 - 4.0)).to_radians().cos();
    let sin_pre = 53.877_653_1f64.to_radians().sin();
    let etm = |m: f64, a: f64, esun: f64, q: f64| {
        std::f64::consts::PI * (m * q + a) * d * d / (esun * sin_pre)
    };
    // 2013, OLI MTL with reflectance coefficients: ρ = (2e-5·Q − 0.1) / sin(59.15515033°).
    let sin_post = 59.155_150_33f64.to_radians().sin();
    let oli = |q: f64| (2.0e-5 * q - 0.1) / sin_post;
    let (g0, s0) = (
        band("2001-07-30", "LE71950252001211EDC00_B2.TIF"),
        band("2001-07-30", "LE71950252001211EDC00_B5.TIF"),
    );
    let (g1, s1) = (
        band("2013-07-07", "LC81950252013188LGN00_B3.TIF"),
        band("2013-07-07", "LC81950252013188LGN00_B6.TIF"),
    );
    let codes = dn(&out.join("classes.tif"), 1, &pixels);
    let mut counts = [0usize; 4];
    for i in 0..pixels.len() {
        let pre = {
            let (g, s) = (
                etm(0.799, -7.19882, 1842.0, g0[i]),
                etm(0.126, -1.12622, 225.7, s0[i]),
            );
            (g - s) / (g + s)
        };
        let post = {
            let (g, s) = (oli(g1[i]), oli(s1[i]));
            (g - s) / (g + s)
        };
        if pre.abs() < 1e-4 || post.abs() < 1e-4 {
            continue; // on the threshold: float rounding may go either way
        }
        let code = match (pre > 0.0, post > 0.0) {
            (false, false) => 0,
            (true, true) => 1,
            (false, true) => 2,
            (true, false) => 3,
        };
        counts[code] += 1;
        // classes.tif stores class i as i + 1.
        assert_eq!(
            codes[i],
            Some(code as f64 + 1.0),
            "pixel {:?}: MNDWI {pre} → {post}",
            pixels[i]
        );
    }
    assert!(
        counts.iter().all(|c| *c > 0),
        "every code occurs: {counts:?}"
    );

    // The legend and the classified raster name the shipped classes.
    let info = gdal_info(&out.join("classes.tif"));
    assert_eq!(
        info["bands"][0]["metadata"][""]["CLASS_3"],
        "new open water [1.5, 2.5)"
    );
    let ds = gdal::Dataset::open(out.join("classes.tif")).expect("open");
    assert!(ds
        .rasterband(1)
        .expect("band")
        .metadata_item("CLASS_2", "")
        .is_some());
}

#[test]
fn a_band_mapped_by_hand_in_a_preset_scene_gets_the_presets_scale_and_offset() {
    // Issue 12, item 7: `nir = "…"` beside `sensor = "sentinel-2-l1c"` was read as raw DN
    // (2276 instead of 0.1276). The B04 file stands in for a hand-mapped band; the preset's
    // offset comes from the folder's MTD_MSIL1C.xml as for its own bands.
    let dir = tempfile::tempdir().expect("tempdir");
    let safe = sample(SAFE);
    let b04 = safe.join(format!("{IMG}_B04.jp2"));
    let scenes = format!(
        "[scenes.post]\nsensor = \"sentinel-2-l1c\"\ndir = \"{}\"\n\
         [scenes.post.bands]\nnir = \"{}\"\nraw = {{ file = \"{}\", scale = 1 }}",
        safe.display(),
        b04.display(),
        b04.display()
    );
    // nir in reflectance minus the raw DN's thousandth: (DN − 1000)/10000 − DN/1000.
    let p = pipeline(
        dir.path(),
        &scenes,
        "expression = \"post.nir - post.raw / 1000\"",
    );
    run(&p);
    let pixels = grid_pixels(523, 106, 5);
    let red = dn(&b04, 1, &pixels);
    let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
    let mut valid = 0;
    for i in 0..pixels.len() {
        let r = red[i].expect("dn");
        if r == 0.0 {
            assert!(is_nodata(ours[i]), "pixel {:?}: DN 0 is nodata", pixels[i]);
            continue;
        }
        let want = (r - 1000.0) / 10000.0 - r / 1000.0;
        let got = ours[i].expect("value");
        assert!(
            (got - want).abs() < 1e-5,
            "pixel {:?}: {got} vs {want}",
            pixels[i]
        );
        valid += 1;
    }
    assert!(valid > 1000, "{valid} valid pixels");
}
