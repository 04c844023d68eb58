//! `format = "webp"`: lossless WebP tiles, decoded by GDAL's own WEBP driver (libwebp) and
//! compared pixel for pixel with the PNG tiles of the same run.

use crate::common;

use std::path::Path;

use common::*;
use gdal::Dataset;

/// RGBA of a WebP file as GDAL decodes it.
fn gdal_rgba(path: &Path) -> Vec<u8> {
    let ds = Dataset::open(path).expect("GDAL opens the WebP");
    assert_eq!(ds.driver().short_name(), "WEBP");
    let (w, h, bands) = gdal_bands(&ds);
    (0..w * h)
        .flat_map(|i| {
            let alpha = if bands.len() == 4 { bands[3][i] } else { 255 };
            [bands[0][i], bands[1][i], bands[2][i], alpha]
        })
        .collect()
}

#[test]
fn webp_tiles_decode_to_the_png_tiles_pixels() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, render) in [
        ("ramp", MNDWI_RAMP),
        (
            "classes",
            "[[render.classes]]\nname = \"land\"\nmax = 0\ncolor = \"#c28a3c\"\n\
                     [[render.classes]]\nname = \"water\"\nmin = 0\ncolor = \"#1f4e9c\"",
        ),
    ] {
        let png = run_olinda(dir.path(), &format!("{name}-png"), render, "10-13", "");
        let webp = run_olinda(
            dir.path(),
            &format!("{name}-webp"),
            render,
            "10-13",
            "format = \"webp\"",
        );
        let tiles = tile_set(&png);
        assert!(tiles.len() > 10);
        let (mut png_bytes, mut webp_bytes) = (0, 0);
        for key in &tiles {
            let webp_key = key.replace(".png", ".webp");
            let webp_file = webp.join(&webp_key);
            assert!(webp_file.exists(), "{webp_key} written");
            let (_, _, want) = decode_png(&std::fs::read(png.join(key)).expect("png"));
            let got = gdal_rgba(&webp_file);
            assert_eq!(got.len(), want.len());
            for (i, (g, w)) in got.chunks(4).zip(want.chunks(4)).enumerate() {
                assert_eq!(g[3], w[3], "{name} {key} pixel {i} alpha");
                if w[3] > 0 {
                    assert_eq!(&g[..3], &w[..3], "{name} {key} pixel {i}");
                }
            }
            png_bytes += std::fs::metadata(png.join(key)).expect("size").len();
            webp_bytes += std::fs::metadata(&webp_file).expect("size").len();
        }
        eprintln!("{name}: PNG {png_bytes} bytes, WebP {webp_bytes} bytes");
        let tilejson = std::fs::read_to_string(webp.join("tilejson.json")).expect("tilejson");
        assert!(tilejson.contains("{z}/{x}/{y}.webp"), "{tilejson}");
        let wmts = std::fs::read_to_string(webp.join("WMTSCapabilities.xml")).expect("wmts");
        assert!(wmts.contains("<Format>image/webp</Format>") && wmts.contains("{TileRow}.webp"));
        assert!(std::fs::read_to_string(webp.join("index.html"))
            .expect("page")
            .contains("{y}.webp"));
    }
}
