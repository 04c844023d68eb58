//! The preview page (`index.html`) in a real browser: headless Chromium driven by Playwright
//! (`tests/node/preview-test.js`) loads it from a local HTTP server, with MapLibre GL JS and
//! PMTiles served from their npm packages in place of the pinned CDN (their SRI hashes must
//! match) and a grey base map, for a z/x/y output and a PMTiles output.

use crate::common;

use std::path::Path;

use common::*;

fn open_in_browser(out: &Path, screenshot: &Path) -> serde_json::Value {
    let script = repo().join("tests/node/preview-test.js");
    assert!(
        repo()
            .join("tests/node/node_modules/playwright-core")
            .exists(),
        "run `make test-tools` (npm ci in tests/node)"
    );
    let stdout = sh(
        "node",
        &[
            script.to_str().expect("utf-8"),
            out.to_str().expect("utf-8"),
            screenshot.to_str().expect("utf-8"),
        ],
    );
    serde_json::from_str(stdout.trim()).expect("report")
}

fn check_page(format: &str) {
    require!(Tool::Chromium);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_olinda(
        dir.path(),
        "out",
        MNDWI_RAMP,
        "10-14",
        &format!("format = \"{format}\""),
    );
    let shot = dir.path().join("shot.png");
    let report = open_in_browser(&out, &shot);
    assert_eq!(report["idle"], true, "the map finished loading: {report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    assert_eq!(report["consoleErrors"], serde_json::json!([]), "{report}");
    let responses = report["responses"].as_array().expect("responses");
    assert!(!responses.is_empty(), "tiles were requested: {report}");
    for r in responses {
        let status = r["status"].as_u64().expect("status");
        assert!(status == 200 || status == 206, "{r}");
    }

    // Where the data is (the page fits the layer's bounds), the screenshot shows the product's
    // colours, not the grey base map or an empty canvas.
    let bytes = std::fs::read(&shot).expect("screenshot");
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().expect("png");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("frame");
    let channels = info.color_type.samples();
    let (width, height) = (info.width, info.height);
    let (cx, cy) = (width as usize / 2, height as usize / 2);
    let (mut data, mut total) = (0, 0);
    for y in cy - 100..cy + 100 {
        for x in cx - 100..cx + 100 {
            let p = &pixels[channels * (y * width as usize + x)..][..3];
            total += 1;
            let grey = p == [200, 200, 200];
            let white = p.iter().all(|c| *c > 245);
            if !grey && !white {
                data += 1;
            }
        }
    }
    assert!(
        data * 10 > total * 9,
        "{data} of {total} centre pixels show data"
    );
}

#[test]
fn the_preview_page_shows_the_tiles_in_chromium() {
    check_page("png");
}

#[test]
fn the_preview_page_reads_the_pmtiles_archive_in_chromium() {
    check_page("pmtiles");
}
