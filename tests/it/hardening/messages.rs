//! Inputs that were accepted and then misled: dates that are not dates, text that breaks the
//! preview page, a Makefile that assumed `target/`.

use super::common::{self, aftermath, sample, write_pipeline, MNDWI_RAMP};
use super::refused;

#[test]
fn a_datetime_that_is_not_rfc3339_is_refused_naming_the_key() {
    let work = tempfile::tempdir().expect("tempdir");
    let text = common::mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &work.path().join("out"), "")
        .replace(
            "[scenes.post.bands]",
            "datetime = \"yesterday\"\n[scenes.post.bands]",
        );
    let p = write_pipeline(work.path(), "date.toml", &text);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(
        stderr.contains("scenes.post.datetime") && stderr.contains("RFC 3339"),
        "{stderr}"
    );
}

#[test]
fn an_attribution_cannot_close_the_preview_pages_script() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let text = format!(
        "attribution = \"</script><script>window.pwned = 1</script>\"\n{}",
        common::mndwi_pipeline(
            &sample("olinda/L7_ETMs.tif"),
            &out,
            "[tiling]\nzoom = \"10\""
        )
    );
    let p = write_pipeline(work.path(), "attr.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(
        !html.contains("<script>window.pwned"),
        "the attribution opened a script"
    );
    assert_eq!(
        html.matches("</script>").count(),
        html.matches("<script").count()
    );
    let _ = MNDWI_RAMP;
}

#[test]
fn make_demo_uses_cargos_own_target_directory() {
    let out = std::process::Command::new("make")
        .args(["-n", "demo"])
        .current_dir(common::repo())
        .env("CARGO_TARGET_DIR", "/tmp/aftermath-elsewhere")
        .output()
        .expect("make runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("run --release") && !text.contains("./target/"),
        "{text}"
    );
}

#[test]
fn tests_skip_a_missing_tool_with_a_reason_but_make_test_requires_every_one() {
    // Plain `cargo test` skips (and says so); `make test` sets the variable that turns a
    // missing tool into a failure.
    let out = std::process::Command::new("make")
        .args(["-n", "test"])
        .current_dir(common::repo())
        .output()
        .expect("make runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("AFTERMATH_REQUIRE_TEST_TOOLS=1") && text.contains("test --locked"),
        "{text}"
    );
}

/// `run` of MNDWI over `file` must exit 2 saying no pixel is valid, name the empty bands, and
/// leave no output directory behind.
fn refused_as_empty(work: &std::path::Path, file: &std::path::Path) {
    let out = work.join("out");
    let p = write_pipeline(
        work,
        "empty.toml",
        &common::mndwi_pipeline(file, &out, "[tiling]\nzoom = \"11-12\""),
    );
    let (_, stderr) = refused(&["run", p.to_str().expect("utf-8")]);
    assert!(
        stderr.contains("no valid pixel")
            && stderr.contains("band `green` of scene `post`")
            && stderr.contains("band `swir1` of scene `post`")
            && !stderr.contains("zoom range"),
        "{stderr}"
    );
    assert!(!out.exists(), "the failed run left {}", out.display());
}

#[test]
fn an_all_nodata_or_all_nan_scene_is_named_and_nothing_is_written() {
    let work = tempfile::tempdir().expect("tempdir");
    let olinda = sample("olinda/L7_ETMs.tif");
    let olinda = olinda.to_str().expect("utf-8");
    // Synthetic: the Olinda grid with every pixel 7 and nodata 7; and every pixel NaN.
    let nodata = work.path().join("synthetic-all-nodata.tif");
    common::sh(
        "gdal_translate",
        &[
            "-q",
            "-scale",
            "0",
            "255",
            "7",
            "7",
            "-a_nodata",
            "7",
            olinda,
            nodata.to_str().expect("utf-8"),
        ],
    );
    refused_as_empty(work.path(), &nodata);
    let nan = work.path().join("synthetic-all-nan.tif");
    common::sh(
        "gdal_create",
        &[
            "-q",
            "-if",
            olinda,
            "-ot",
            "Float32",
            "-burn",
            "nan",
            nan.to_str().expect("utf-8"),
        ],
    );
    refused_as_empty(work.path(), &nan);
}

#[test]
fn an_mtl_with_the_sun_below_the_horizon_is_refused_at_validate() {
    let work = tempfile::tempdir().expect("tempdir");
    let folder = sample("ethiopia/2010-12-18");
    for entry in std::fs::read_dir(&folder).expect("sample folder") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        if path.extension().is_some_and(|e| e == "tif") {
            std::os::unix::fs::symlink(&path, work.path().join(name)).expect("link");
        }
    }
    let mtl = std::fs::read(folder.join("LT51670552010352MLK00_MTL.txt")).expect("mtl");
    let mtl =
        String::from_utf8_lossy(&mtl).replace("SUN_ELEVATION = 49.25236265", "SUN_ELEVATION = 0");
    let copy = work.path().join("LT51670552010352MLK00_MTL.txt");
    std::fs::write(&copy, mtl).expect("write mtl");
    let text = format!(
        "[scenes.post]\nmtl = \"{}\"\n[product]\nindex = \"ndvi\"\n[render]\nramp = \"greens\"\n\
         range = [0, 1]\n[output]\nurl = \"{}\"\n",
        copy.display(),
        work.path().join("out").display()
    );
    let p = write_pipeline(work.path(), "night.toml", &text);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(
        stderr.contains("scenes.post.mtl") && stderr.contains("SUN_ELEVATION = 0"),
        "{stderr}"
    );
}

#[test]
fn every_type_error_is_reported_with_its_key_path() {
    let work = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\nbands = {{ green = \"x.tif\", swir1 = 5.5 }}\n\
         [product]\nindx = \"mndwi\"\n[render]\nramp = 3\nrange = \"a\"\n\
         [tiling]\ntile_size = \"big\"\n[output]\nurl = \"{}\"\n",
        sample("olinda/L7_ETMs.tif").display(),
        work.path().join("out").display()
    );
    let p = write_pipeline(work.path(), "types.toml", &text);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    for key in [
        "`scenes.post.bands.swir1`",
        "`render.ramp`",
        "`render.range`",
        "`tiling.tile_size`",
    ] {
        assert!(stderr.contains(key), "{key} missing: {stderr}");
    }
    assert!(
        !stderr.contains("untagged") && !stderr.contains('?'),
        "{stderr}"
    );

    // Once the types are right, an unknown key is named by its path, without serde's `?`.
    let fixed = text
        .replace("swir1 = 5.5", "swir1 = 5")
        .replace("green = \"x.tif\"", "green = 2")
        .replace(
            "ramp = 3\nrange = \"a\"",
            "ramp = \"brbg\"\nrange = [-1, 1]",
        )
        .replace("tile_size = \"big\"", "tile_size = 256")
        .replace("indx = \"mndwi\"", "index = \"mndwi\"\nindx = \"mndwi\"");
    let p = write_pipeline(work.path(), "unknown.toml", &fixed);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(stderr.contains("`product.indx`: unknown key"), "{stderr}");
}

const SAFE: &str =
    "sentinel2-l1c/S2A_MSIL1C_20200622T105631_N0500_R094_T30TXR_20231110T094313.SAFE";

/// The problems `validate` lists for a Sentinel-2 scene `scene` (TOML lines) and NDVI.
fn sentinel2_problems(work: &std::path::Path, scene: &str) -> String {
    let text = format!(
        "[scenes.post]\n{scene}\n[product]\nindex = \"ndvi\"\n[render]\nramp = \"greens\"\n\
         range = [0, 1]\n[output]\nurl = \"{}\"\n",
        work.join("out").display()
    );
    let p = write_pipeline(work, "s2.toml", &text);
    refused(&["validate", p.to_str().expect("utf-8")]).1
}

#[test]
fn a_band_given_as_a_preset_name_and_a_missing_baseline_are_each_one_clear_problem() {
    let work = tempfile::tempdir().expect("tempdir");
    let safe = sample(SAFE);
    let stderr = sentinel2_problems(
        work.path(),
        &format!(
            "sensor = \"sentinel-2-l1c\"\ndir = \"{}\"\n[scenes.post.bands]\nnir = \"B8\"",
            safe.display()
        ),
    );
    assert!(
        stderr.contains("1 problem")
            && stderr.contains("`scenes.post.bands.nir`")
            && stderr.contains("`B08`")
            && !stderr.contains("NULL"),
        "{stderr}"
    );

    // A folder of band files without the MTD XML and no processing_baseline: the offset is
    // what is missing, not the bands.
    let bands = work.path().join("bands");
    std::fs::create_dir(&bands).expect("mkdir");
    let img = "GRANULE/L1C_T30TXR_A026117_20200622T105647/IMG_DATA/T30TXR_20200622T105631";
    for b in ["B04", "B02"] {
        std::os::unix::fs::symlink(
            safe.join(format!("{img}_{b}.jp2")),
            bands.join(format!("{b}.jp2")),
        )
        .expect("link");
    }
    let stderr = sentinel2_problems(
        work.path(),
        &format!("sensor = \"sentinel-2-l2a\"\ndir = \"{}\"", bands.display()),
    );
    assert!(
        stderr.contains("1 problem")
            && stderr.contains("processing_baseline")
            && !stderr.contains("no band"),
        "{stderr}"
    );
}
