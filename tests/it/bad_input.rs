//! Bad input gets one clear message naming the file or key, exit code 2 (input/config) or 1/3
//! (failures during the run), and no `run.json`.

use crate::common;

use std::path::Path;

use common::*;
use predicates::prelude::*;

fn run_expecting(pipeline: &Path, code: i32, message: &[&str]) -> String {
    let out = aftermath()
        .args(["run", pipeline.to_str().expect("utf-8")])
        .assert()
        .code(code)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for m in message {
        assert!(stderr.contains(m), "stderr lacks {m:?}:\n{stderr}");
    }
    stderr
}

#[test]
fn a_missing_input_file_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = write_pipeline(
        dir.path(),
        "p.toml",
        &mndwi_pipeline(&dir.path().join("nope.tif"), &out, ""),
    );
    run_expecting(&p, 2, &["nope.tif", "check that the file exists"]);
    assert!(!out.exists(), "a failed run must not create its output");
}

#[test]
fn a_file_that_is_not_a_raster_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("scene.tif");
    std::fs::write(&fake, "this is not a raster\n").expect("write");
    let p = write_pipeline(
        dir.path(),
        "p.toml",
        &mndwi_pipeline(&fake, &dir.path().join("out"), ""),
    );
    run_expecting(&p, 2, &["scene.tif", "raster"]);
}

#[test]
fn a_band_the_scene_lacks_is_a_validation_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &dir.path().join("out"), "")
        .replace("swir1 = 5\n", "");
    let p = write_pipeline(dir.path(), "p.toml", &text);
    run_expecting(&p, 2, &["scenes.post.bands", "swir1", "mndwi"]);
    aftermath()
        .args(["validate", p.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no band `swir1`"));
}

#[test]
fn a_band_number_beyond_the_file_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &dir.path().join("out"), "")
        .replace("swir1 = 5", "swir1 = 9");
    let p = write_pipeline(dir.path(), "p.toml", &text);
    run_expecting(&p, 2, &["L7_ETMs.tif has 6 band(s)", "band 9"]);
}

#[test]
fn a_raster_without_crs_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("no-crs.tif");
    std::fs::copy(sample("olinda/L7_ETMs.tif"), &copy).expect("copy");
    sh(
        "gdal_edit.py",
        &["-a_srs", "", copy.to_str().expect("utf-8")],
    );
    let p = write_pipeline(
        dir.path(),
        "p.toml",
        &mndwi_pipeline(&copy, &dir.path().join("out"), ""),
    );
    run_expecting(&p, 2, &["no-crs.tif", "no coordinate reference system"]);
}

#[test]
fn scenes_that_do_not_overlap_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        r##"
[scenes.pre]
file = "{}"
bands = {{ nir = 4, swir2 = 6 }}
[scenes.post]
bands = {{ nir = "{}", swir2 = "{}" }}
[product]
index = "dnbr"
[render]
ramp = "ylorrd"
range = [0, 1]
[output]
url = "{}"
"##,
        sample("olinda/L7_ETMs.tif").display(),
        sample("ethiopia/2010-12-18/LT51670552010352MLK00_B4.tif").display(),
        sample("ethiopia/2010-12-18/LT51670552010352MLK00_B7.tif").display(),
        dir.path().join("out").display()
    );
    let p = write_pipeline(dir.path(), "p.toml", &text);
    run_expecting(&p, 2, &["do not overlap"]);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn an_empty_zoom_range_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write_pipeline(
        dir.path(),
        "p.toml",
        &mndwi_pipeline(
            &sample("olinda/L7_ETMs.tif"),
            &dir.path().join("out"),
            "[tiling]\nzoom = \"14-10\"",
        ),
    );
    run_expecting(&p, 2, &["tiling.zoom", "empty"]);
    aftermath()
        .args([
            "run",
            pipeline("olinda-water.toml").to_str().expect("utf-8"),
            "--zoom",
            "14-10",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty"));
}

#[test]
fn an_unwritable_output_is_rejected_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    aftermath()
        .args([
            "run",
            pipeline("olinda-water.toml").to_str().expect("utf-8"),
            "--output",
        ])
        .arg(file.join("out"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cannot create output directory")
                .and(predicate::str::contains("a-file")),
        );
}

#[test]
fn unknown_keys_and_bad_toml_are_reported_with_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = mndwi_pipeline(
        &sample("olinda/L7_ETMs.tif"),
        &dir.path().join("out"),
        "[tiling]\nzooom = 3",
    );
    let p = write_pipeline(dir.path(), "p.toml", &text);
    run_expecting(&p, 2, &["p.toml", "`tiling.zooom`: unknown key"]);
    let p = write_pipeline(dir.path(), "q.toml", "[scenes.post\n");
    run_expecting(&p, 2, &["q.toml", "line 1"]);
    aftermath()
        .args(["run", "/no/such/pipeline.toml"])
        .assert()
        .code(2);
}

#[test]
fn tiles_that_fail_to_read_are_counted_exit_3_and_leave_no_run_json() {
    // A tiled GeoTIFF cut short: its header opens, some of its blocks cannot be read.
    let dir = tempfile::tempdir().expect("tempdir");
    let tiled = dir.path().join("tiled.tif");
    sh(
        "gdal_translate",
        &[
            "-q",
            "-co",
            "TILED=YES",
            "-co",
            "BLOCKXSIZE=64",
            "-co",
            "BLOCKYSIZE=64",
            sample("olinda/L7_ETMs.tif").to_str().expect("utf-8"),
            tiled.to_str().expect("utf-8"),
        ],
    );
    let bytes = std::fs::read(&tiled).expect("read");
    let cut = dir.path().join("cut.tif");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let out = dir.path().join("out");
    let p = write_pipeline(
        dir.path(),
        "p.toml",
        &mndwi_pipeline(&cut, &out, "[tiling]\nzoom = \"12-14\""),
    );
    let assert = aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .code(3);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("tile(s) failed; run.json not written"),
        "{stdout}"
    );
    assert!(!out.join("run.json").exists());
    assert!(
        !tile_set(&out).is_empty(),
        "the readable part is still tiled"
    );
}

#[test]
fn a_bad_expression_is_reported_with_its_column_at_validate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let text = mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &out, "").replace(
        "index = \"mndwi\"",
        "expression = \"(post.green - post.nir) / (post.green + post.nir\"",
    );
    let p = write_pipeline(dir.path(), "p.toml", &text);
    aftermath()
        .args(["validate", p.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`product.expression`: column 49: missing `)`",
        ));
    let text = text.replace("post.green + post.nir\"", "post.green + post.nir)\"");
    let p = write_pipeline(dir.path(), "q.toml", &text);
    run_expecting(&p, 2, &["column 15: scene `post` has no band `nir`"]);
    assert!(!out.exists());
}

#[test]
fn every_shipped_pipeline_validates() {
    let dir = repo().join("pipelines");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("pipelines/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // A pipeline over a STAC API needs the server: tests/it/stac.rs runs it against one.
        if text.contains("${AFTERMATH_STAC_API}") {
            continue;
        }
        if path.extension().is_some_and(|e| e == "toml") {
            aftermath()
                .args(["validate", path.to_str().expect("utf-8")])
                .assert()
                .success();
            count += 1;
        }
    }
    assert!(count >= 3, "{count} pipelines");
}
