//! GDAL virtual paths (`/vsizip/`, `/vsicurl/`, `/vsis3/`, …) pass through to GDAL untouched,
//! not resolved against the pipeline's folder. `/vsizip/` stands in for the network ones here.

use crate::common;

use common::*;

#[test]
fn a_raster_inside_a_zip_tiles_like_the_plain_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("scene.zip");
    sh(
        "python3",
        &[
            "-m",
            "zipfile",
            "-c",
            zip.to_str().expect("utf-8"),
            sample("olinda/L7_ETMs.tif").to_str().expect("utf-8"),
        ],
    );
    let virtual_path = std::path::PathBuf::from(format!("/vsizip/{}/L7_ETMs.tif", zip.display()));
    let (plain_out, zip_out) = (dir.path().join("plain"), dir.path().join("zip"));
    for (file, out, name) in [
        (sample("olinda/L7_ETMs.tif"), &plain_out, "plain.toml"),
        (virtual_path, &zip_out, "zip.toml"),
    ] {
        let p = write_pipeline(
            dir.path(),
            name,
            &mndwi_pipeline(&file, out, "[tiling]\nzoom = \"11-13\""),
        );
        aftermath()
            .args(["run", p.to_str().expect("utf-8")])
            .assert()
            .success();
    }
    let tiles = tile_set(&plain_out);
    assert!(!tiles.is_empty());
    assert_eq!(tiles, tile_set(&zip_out));
    for key in &tiles {
        let a = std::fs::read(plain_out.join(key)).expect("plain tile");
        let b = std::fs::read(zip_out.join(key)).expect("zip tile");
        assert!(a == b, "{key} differs");
    }
}
