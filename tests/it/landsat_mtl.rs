//! Scenes described by a Landsat `_MTL.txt`: bands by name, digital numbers turned into
//! top-of-atmosphere reflectance with the coefficients evaluated here by hand.

use crate::common;

use common::*;
use predicates::prelude::*;

#[test]
fn mtl_scenes_give_toa_reflectance_dnbr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pre = sample("ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_MTL.txt");
    let post = sample("ethiopia/2010-12-18/LT51670552010352MLK00_MTL.txt");
    let text = format!(
        "[scenes.pre]\nmtl = \"{}\"\n[scenes.post]\nmtl = \"{}\"\n[product]\nindex = \"dnbr\"\n\
         [render]\nramp = \"ylorrd\"\nrange = [0, 1]\n[output]\nurl = \"{}\"\n",
        pre.display(),
        post.display(),
        dir.path().join("out").display()
    );
    let p = write_pipeline(dir.path(), "mtl.toml", &text);
    aftermath()
        .args(["validate", p.to_str().expect("utf-8")])
        .assert()
        .success();
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();

    // 2000 (Collection 1 MTL): reflectance = (M·Q + A) / sin(sun elevation 53.14715018°).
    let sin_pre = 53.147_150_18f64.to_radians().sin();
    let refl_pre = |m: f64, a: f64| move |q: f64| (m * q + a) / sin_pre;
    let (nir0, sw0) = (
        refl_pre(2.6270e-3, -0.007155),
        refl_pre(2.4691e-3, -0.008119),
    );
    // 2010 (radiance only): π·L·d²/(ESUN·sin(49.25236265°)), ESUN TM B4 1031, B7 83.44
    // (Chander et al. 2009), d for day 352 by the usual cosine approximation.
    let d = 1.0 - 0.01672 * (0.9856f64 * (352.0 - 4.0)).to_radians().cos();
    let sin_post = 49.252_362_65f64.to_radians().sin();
    let refl_post = |m: f64, a: f64, esun: f64| {
        move |q: f64| std::f64::consts::PI * (m * q + a) * d * d / (esun * sin_post)
    };
    let (nir1, sw1) = (
        refl_post(0.876, -2.38602, 1031.0),
        refl_post(0.066, -0.21555, 83.44),
    );

    let pixels: Vec<(i64, i64)> = (0..101)
        .step_by(7)
        .flat_map(|y| (0..101).step_by(7).map(move |x| (x, y)))
        .collect();
    let band = |folder: &str, file: &str| -> Vec<f64> {
        dn(&sample(&format!("ethiopia/{folder}/{file}")), 1, &pixels)
            .into_iter()
            .map(|v| v.expect("dn"))
            .collect()
    };
    let q_nir0 = band(
        "2000-03-09",
        "LT05_L1TP_167055_20000309_20161214_01_T1_B4.TIF",
    );
    let q_sw0 = band(
        "2000-03-09",
        "LT05_L1TP_167055_20000309_20161214_01_T1_B7.TIF",
    );
    let q_nir1 = band("2010-12-18", "LT51670552010352MLK00_B4.tif");
    let q_sw1 = band("2010-12-18", "LT51670552010352MLK00_B7.tif");
    let ours = dn(&dir.path().join("out/index.tif"), 1, &pixels);
    for i in 0..pixels.len() {
        let want = nd(nir0(q_nir0[i]), sw0(q_sw0[i])) - nd(nir1(q_nir1[i]), sw1(q_sw1[i]));
        let got = ours[i].expect("value");
        assert!(
            (got - want).abs() < 1e-5,
            "pixel {:?}: got {got}, want {want}",
            pixels[i]
        );
    }
}

#[test]
fn a_file_that_is_not_a_landsat_mtl_is_a_validation_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("fake_MTL.txt");
    std::fs::write(&fake, "SPACECRAFT_ID = \"SENTINEL_2A\"\n").expect("write");
    let text = format!(
        "[scenes.post]\nmtl = \"{}\"\n[product]\nindex = \"ndvi\"\n[render]\nramp = \"greens\"\n\
         range = [0, 1]\n[output]\nurl = \"memory://\"\n",
        fake.display()
    );
    let p = write_pipeline(dir.path(), "p.toml", &text);
    aftermath()
        .args(["validate", p.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("`scenes.post.mtl`")
                .and(predicates::str::contains("not a Landsat")),
        );
}
