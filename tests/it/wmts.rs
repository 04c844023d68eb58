//! `WMTSCapabilities.xml` opened by GDAL's own WMTS client driver, which reads the tiles through
//! the document's ResourceURL template (file:// here) exactly as QGIS or ArcGIS would.

use crate::common;

use common::*;
use gdal::Dataset;

const ORIGIN_SHIFT: f64 = 20_037_508.342_789_244;

#[test]
fn gdal_reads_the_tiles_through_the_wmts_capabilities() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_olinda(dir.path(), "out", MNDWI_RAMP, "10-13", "");
    let caps = out.join("WMTSCapabilities.xml");
    let text = std::fs::read_to_string(&caps).expect("capabilities");
    assert!(text.contains("<TileMatrixSet>GoogleMapsCompatible</TileMatrixSet>"));
    assert!(text.contains("urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible"));

    // GDAL's WMTS client caches tiles, by default in ./gdalwmscache: keep it in the tempdir.
    let cache = dir.path().join("gdalwmscache");
    gdal::config::set_config_option(
        "GDAL_DEFAULT_WMS_CACHE_PATH",
        cache.to_str().expect("utf-8"),
    )
    .expect("set the WMS cache path");
    let ds = Dataset::open(format!("WMTS:{}", caps.display())).expect("GDAL opens the WMTS");
    assert_eq!(ds.driver().short_name(), "WMTS");
    assert_eq!(ds.raster_count(), 4, "RGBA");
    let gt = ds.geo_transform().expect("gt");
    let res = 2.0 * ORIGIN_SHIFT / (256.0 * 8192.0); // zoom 13
    assert!(
        (gt[1] - res).abs() < 1e-9,
        "full resolution is the deepest zoom: {}",
        gt[1]
    );
    let (w, h, bands) = gdal_bands(&ds);

    // Every zoom-13 tile: GDAL's pixels where they overlap the layer equal the tile's.
    let tiles: Vec<String> = tile_set(&out)
        .into_iter()
        .filter(|k| k.starts_with("13/"))
        .collect();
    assert!(tiles.len() >= 4, "{tiles:?}");
    let mut compared = 0;
    for key in &tiles {
        let parts: Vec<u32> = key
            .trim_end_matches(".png")
            .split('/')
            .map(|p| p.parse().expect("number"))
            .collect();
        let (x, y) = (parts[1], parts[2]);
        let col0 = ((-ORIGIN_SHIFT + f64::from(x) * 256.0 * res - gt[0]) / res).round() as i64;
        let row0 = ((gt[3] - (ORIGIN_SHIFT - f64::from(y) * 256.0 * res)) / res).round() as i64;
        let (_, _, rgba) = decode_png(&std::fs::read(out.join(key)).expect("tile"));
        for ty in 0..256i64 {
            for tx in 0..256i64 {
                let (c, r) = (col0 + tx, row0 + ty);
                if c < 0 || r < 0 || c >= w as i64 || r >= h as i64 {
                    continue;
                }
                let i = (r as usize) * w + c as usize;
                let t = 4 * (ty as usize * 256 + tx as usize);
                let gdal_px = [bands[0][i], bands[1][i], bands[2][i], bands[3][i]];
                if rgba[t + 3] == 0 {
                    assert_eq!(gdal_px[3], 0, "{key} ({tx}, {ty}) transparent");
                } else {
                    assert_eq!(&gdal_px[..], &rgba[t..t + 4], "{key} ({tx}, {ty})");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 100_000, "{compared} pixels compared");
}
