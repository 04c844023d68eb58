//! URLs in documents are absolute and percent-encoded, whatever the working directory and
//! however the output path is spelled.

use std::path::Path;

use super::common::{self, aftermath, sample, write_pipeline, MNDWI_RAMP};

fn tilejson(out: &Path) -> serde_json::Value {
    common::read_json(out.join("tilejson.json"))
}

/// The local file a `file://` tile URL (template filled with `tile`) names.
fn file_of(template: &str, tile: &str) -> std::path::PathBuf {
    let filled = template.replace("{z}/{x}/{y}", tile);
    url::Url::parse(&filled)
        .unwrap_or_else(|e| panic!("{filled}: {e}"))
        .to_file_path()
        .unwrap_or_else(|()| panic!("{filled} is not an absolute file URL"))
}

#[test]
fn a_pipeline_run_from_its_own_folder_gets_absolute_urls() {
    let work = tempfile::tempdir().expect("tempdir");
    let text = common::mndwi_pipeline(
        &sample("olinda/L7_ETMs.tif"),
        Path::new("../out/rel"),
        "[tiling]\nzoom = \"10-11\"",
    );
    let folder = work.path().join("pipelines");
    std::fs::create_dir(&folder).expect("mkdir");
    write_pipeline(&folder, "rel.toml", &text);
    aftermath()
        .current_dir(&folder)
        .args(["run", "rel.toml", "--json"])
        .assert()
        .success();
    let out = work.path().join("out/rel");
    let tiles = tilejson(&out)["tiles"][0]
        .as_str()
        .expect("tiles")
        .to_string();
    let tile = common::tile_set(&out).into_iter().next().expect("a tile");
    let tile = tile.trim_end_matches(".png");
    assert_eq!(file_of(&tiles, tile), out.join(format!("{tile}.png")));
    assert!(out.join(format!("{tile}.png")).exists());
    let wmts = std::fs::read_to_string(out.join("WMTSCapabilities.xml")).expect("wmts");
    assert!(!wmts.contains("file://.."), "relative URL in WMTS");
}

#[test]
fn output_paths_with_spaces_percent_and_hash_are_percent_encoded() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("my out 100% #1");
    let p = common::olinda_pipeline(
        work.path(),
        "odd",
        out.to_str().expect("utf-8"),
        MNDWI_RAMP,
        "10-11",
        "products = false",
    );
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let tiles = tilejson(&out)["tiles"][0]
        .as_str()
        .expect("tiles")
        .to_string();
    assert!(tiles.contains("my%20out%20100%25%20%231"), "{tiles}");
    let tile = common::tile_set(&out).into_iter().next().expect("a tile");
    let tile = tile.trim_end_matches(".png");
    assert_eq!(file_of(&tiles, tile), out.join(format!("{tile}.png")));
}
