//! The z/x/y set of each shipped pipeline equals what `gdal2tiles.py --xyz` (Debian gdal-bin)
//! writes for the same input and zoom range; `auto` picks the zooms gdal2tiles picks.

use crate::common;

use common::*;

fn run_pipeline(name: &str, zoom: Option<&str>, out: &std::path::Path) {
    let mut cmd = aftermath();
    cmd.args([
        "run",
        pipeline(name).to_str().expect("utf-8"),
        "--output",
        out.to_str().expect("utf-8"),
    ]);
    if let Some(z) = zoom {
        cmd.args(["--zoom", z]);
    }
    cmd.assert().success();
}

#[test]
fn olinda_tiles_equal_gdal2tiles_for_auto_and_explicit_zooms() {
    let work = tempfile::tempdir().expect("tempdir");
    let vrt = one_band_vrt(&sample("olinda/L7_ETMs.tif"), 2, work.path());
    for zoom in [None, Some("9-15")] {
        let out = work.path().join(format!("ours-{}", zoom.unwrap_or("auto")));
        run_pipeline("olinda-water.toml", zoom, &out);
        let ours = tile_set(&out);
        let theirs = gdal2tiles_set(&vrt, zoom, work.path());
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "zoom {zoom:?}");
    }
}

#[test]
fn ethiopia_pair_tiles_equal_gdal2tiles_on_their_common_grid() {
    // Both dates share one 101×101 UTM 37N grid, so the common area is that grid.
    let work = tempfile::tempdir().expect("tempdir");
    let pre = sample("ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B4.TIF");
    // `auto` for a pair never goes finer than the coarser scene's 30 m pixels: zoom 12
    // (38 m), where gdal2tiles would take one scene of 101² px up to 13 (19 m) so that it
    // fits one tile. Compared on gdal2tiles' grid at 12.
    for (zoom, theirs_zoom) in [(None, Some("12")), (Some("11-17"), Some("11-17"))] {
        let out = work.path().join(format!("ours-{}", zoom.unwrap_or("auto")));
        run_pipeline("ethiopia-change.toml", zoom, &out);
        let ours = tile_set(&out);
        let theirs = gdal2tiles_set(&pre, theirs_zoom, work.path());
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "zoom {zoom:?}");
    }
}

#[test]
fn a_pair_on_different_grids_is_tiled_only_where_both_have_data() {
    // Post scene reprojected to WGS 84 and cropped to its eastern half: a different CRS and
    // grid, overlapping the pre scene only in part.
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let pre = sample("olinda/L7_ETMs.tif");
    let post = dir.join("post-4326.tif");
    sh(
        "gdalwarp",
        &[
            "-q",
            "-t_srs",
            "EPSG:4326",
            "-te",
            "-34.87",
            "-8.1",
            "-34.7",
            "-7.9",
            pre.to_str().expect("utf-8"),
            post.to_str().expect("utf-8"),
        ],
    );
    let text = format!(
        r##"
[scenes.pre]
file = "{pre}"
bands = {{ nir = 4, red = 3 }}
[scenes.post]
file = "{post}"
bands = {{ nir = 4, red = 3 }}
[product]
index = "dndvi"
[render]
ramp = "rdylgn_r"
range = [-0.5, 0.5]
[tiling]
zoom = "10-15"
[output]
url = "{out}"
"##,
        pre = pre.display(),
        post = post.display(),
        out = dir.join("ours").display()
    );
    let p = write_pipeline(dir, "pair.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let ours = tile_set(&dir.join("ours"));
    let pre_tiles = gdal2tiles_set(&one_band_vrt(&pre, 4, dir), Some("10-15"), dir);
    let post_tiles = gdal2tiles_set(&one_band_vrt(&post, 4, dir), Some("10-15"), dir);
    let both: std::collections::BTreeSet<String> =
        pre_tiles.intersection(&post_tiles).cloned().collect();
    assert!(
        ours.is_subset(&both),
        "tiles outside the common area: {:?}",
        ours.difference(&both).collect::<Vec<_>>()
    );
    // West of −34.87° only the pre scene has data: no zoom-15 tile lies entirely there.
    let only_pre: Vec<_> = pre_tiles
        .difference(&post_tiles)
        .filter(|k| k.starts_with("15/"))
        .collect();
    assert!(
        !only_pre.is_empty(),
        "the test needs tiles covered by one scene only"
    );
    assert!(only_pre.iter().all(|k| !ours.contains(*k)));
    // Most of the common tiles at the deepest zoom are written (edge tiles may hold only
    // pixels where one scene's footprint ends).
    let deep =
        |s: &std::collections::BTreeSet<String>| s.iter().filter(|k| k.starts_with("15/")).count();
    assert!(
        deep(&ours) * 10 >= deep(&both) * 9,
        "{} of {}",
        deep(&ours),
        deep(&both)
    );
}
