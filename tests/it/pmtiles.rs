//! `format = "pmtiles"`: one PMTiles v3 archive, read back with the reference Python reader
//! (PyPI `pmtiles`), holding exactly the tiles — byte for byte — of the same run as z/x/y
//! objects, with the header's bounds, zooms and center right, the TileJSON inside, and
//! identical tiles stored once.

use crate::common;

use std::path::Path;

use common::*;

fn read_archive(archive: &Path, outdir: &Path) -> serde_json::Value {
    let python = repo().join("target/test-tools/venv/bin/python");
    assert!(python.exists(), "run `make test-tools` first");
    let script = repo().join("tests/read_pmtiles.py");
    let out = sh(
        python.to_str().expect("utf-8"),
        &[
            script.to_str().expect("utf-8"),
            archive.to_str().expect("utf-8"),
            outdir.to_str().expect("utf-8"),
        ],
    );
    serde_json::from_str(&out).expect("reader output")
}

#[test]
fn the_archive_holds_the_same_tiles_as_the_xyz_run() {
    require!(Tool::Python);
    let dir = tempfile::tempdir().expect("tempdir");
    let xyz = run_olinda(dir.path(), "xyz", MNDWI_RAMP, "10-14", "");
    let pm = run_olinda(
        dir.path(),
        "pm",
        MNDWI_RAMP,
        "10-14",
        "format = \"pmtiles\"",
    );
    assert!(
        tile_set(&pm).is_empty(),
        "no z/x/y objects next to the archive"
    );
    let read = dir.path().join("read");
    let report = read_archive(&pm.join("tiles.pmtiles"), &read);

    let tiles = tile_set(&xyz);
    assert_eq!(tile_set(&read), tiles, "same z/x/y set");
    for key in &tiles {
        let a = std::fs::read(xyz.join(key)).expect("xyz tile");
        let b = std::fs::read(read.join(key)).expect("archive tile");
        assert!(a == b, "{key} differs");
    }

    let header = &report["header"];
    assert_eq!(header["version"], 3);
    assert_eq!(header["tile_type"], "PNG");
    assert_eq!(header["tile_compression"], "NONE");
    assert_eq!(header["clustered"], true);
    assert_eq!(
        (header["min_zoom"].as_u64(), header["max_zoom"].as_u64()),
        (Some(10), Some(14))
    );
    // Bounds and center as in the TileJSON (the header stores degrees × 10⁷).
    let tilejson: serde_json::Value = common::read_json(pm.join("tilejson.json"));
    let bounds = numbers(&tilejson["bounds"]);
    for (key, want) in ["min_lon_e7", "min_lat_e7", "max_lon_e7", "max_lat_e7"]
        .iter()
        .zip(&bounds)
    {
        let got = header[*key].as_f64().expect("e7") / 1e7;
        assert!((got - want).abs() < 2e-7, "{key}: {got} vs {want}");
    }
    let center = numbers(&tilejson["center"]);
    assert!((header["center_lon_e7"].as_f64().expect("lon") / 1e7 - center[0]).abs() < 2e-7);
    assert_eq!(header["center_zoom"].as_f64(), Some(center[2]));
    // The TileJSON is the archive's metadata; its tiles use the pmtiles:// protocol.
    assert_eq!(report["metadata"]["name"], tilejson["name"]);
    let template = tilejson["tiles"][0].as_str().expect("template");
    assert!(
        template.starts_with("pmtiles://file://")
            && template.ends_with("/tiles.pmtiles/{z}/{x}/{y}"),
        "{template}"
    );
    let item: serde_json::Value = common::read_json(pm.join("item.json"));
    assert_eq!(item["assets"]["pmtiles"]["type"], "application/vnd.pmtiles");
}

#[test]
fn identical_tiles_are_stored_once() {
    require!(Tool::Python);
    let dir = tempfile::tempdir().expect("tempdir");
    // One class for every value: inner tiles at zoom 15 are all the same palette PNG.
    let one_class = "[[render.classes]]\nname = \"all\"\nmin = -2\nmax = 2\ncolor = \"#1f4e9c\"";
    let pm = run_olinda(dir.path(), "pm", one_class, "15", "format = \"pmtiles\"");
    let report = read_archive(&pm.join("tiles.pmtiles"), &dir.path().join("read"));
    let header = &report["header"];
    let addressed = header["addressed_tiles_count"].as_u64().expect("count");
    let contents = header["tile_contents_count"].as_u64().expect("count");
    assert_eq!(report["tiles"].as_u64(), Some(addressed));
    assert!(
        contents < addressed / 2,
        "{contents} contents for {addressed} tiles"
    );
    // Independent count of distinct tile bytes in what the reader returned.
    let read = dir.path().join("read");
    let distinct: std::collections::BTreeSet<Vec<u8>> = tile_set(&read)
        .iter()
        .map(|k| std::fs::read(read.join(k)).expect("tile"))
        .collect();
    assert_eq!(distinct.len() as u64, contents);
}
