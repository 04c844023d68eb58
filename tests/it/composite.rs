//! The composite product against GDAL on the real Olinda Landsat 7 stack (28.5 m): the same
//! bands stretched the same way by a GDAL VRT (`gdal_translate -scale`), then
//! - tiled by gdal2tiles.py (Debian gdal-bin) with the same resampling, up to the deepest zoom
//!   not finer than the source (12): every tile both write matches with PSNR ≥ 30 dB, and
//!   aftermath's tiles are not larger than gdal2tiles' by more than 15 %;
//! - warped by `gdalwarp` straight onto each tile of a finer zoom (13): PSNR ≥ 40 dB. Above
//!   the source resolution gdal2tiles is no reference: it first warps to a Web Mercator grid
//!   at the source resolution with nearest neighbour, then resamples that again, which moves
//!   edges by up to half a source pixel (its tiles are 26–31 dB from gdalwarp's there).

use crate::common;

use std::path::Path;

use common::*;

/// Stretch of the test composite (raw ETM+ DN), red/green/blue = bands 3/2/1. The full byte
/// range, so that no value is clipped: GDAL's VRT clips before resampling, aftermath after
/// (in physical units), which differ where pixels saturate.
const STRETCH: (u32, u32) = (0, 255);

fn composite_pipeline(out: &Path, render: &str, resampling: &str, zoom: &str) -> String {
    format!(
        r#"name = "olinda-true-color"
[scenes.post]
file = "{}"
[scenes.post.bands]
blue = 1
green = 2
red = 3
nir = 4
swir1 = 5
swir2 = 6
[product]
composite = "true-color"
[render]
{render}
[tiling]
zoom = "{zoom}"
resampling = "{resampling}"
[output]
url = "{}"
"#,
        sample("olinda/L7_ETMs.tif").display(),
        out.display()
    )
}

/// The Olinda stack's bands 3, 2, 1 stretched by [`STRETCH`] to bytes, as gdal2tiles and
/// gdalwarp get it.
fn olinda_rgb_vrt(dir: &Path) -> std::path::PathBuf {
    let vrt = dir.join("olinda-rgb.vrt");
    let (lo, hi) = (STRETCH.0.to_string(), STRETCH.1.to_string());
    let args = [
        "-q",
        "-of",
        "VRT",
        "-ot",
        "Byte",
        "-scale",
        &lo,
        &hi,
        "0",
        "255",
        "-a_nodata",
        "none",
        "-b",
        "3",
        "-b",
        "2",
        "-b",
        "1",
    ];
    let (input, output) = (sample("olinda/L7_ETMs.tif"), vrt.clone());
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        input.to_str().expect("utf-8"),
        output.to_str().expect("utf-8"),
    ]);
    sh("gdal_translate", &all);
    vrt
}

/// PSNR (dB) of the RGB channels over pixels opaque in both tiles, and the share of pixels
/// whose transparency agrees.
fn psnr(ours: &[u8], theirs: &[u8]) -> (f64, f64) {
    let (mut sum, mut n, mut agree, mut total) = (0f64, 0u64, 0u64, 0u64);
    for (a, b) in ours.chunks_exact(4).zip(theirs.chunks_exact(4)) {
        total += 1;
        if (a[3] == 0) == (b[3] == 0) {
            agree += 1;
        }
        if a[3] == 255 && b[3] == 255 {
            for c in 0..3 {
                let d = a[c] as f64 - b[c] as f64;
                sum += d * d;
            }
            n += 3;
        }
    }
    let mse = if n == 0 { 0.0 } else { sum / n as f64 };
    let db = if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    };
    (db, agree as f64 / total.max(1) as f64)
}

#[test]
fn composite_tiles_match_gdal2tiles_with_psnr_above_30_db_and_are_no_larger() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let vrt = olinda_rgb_vrt(dir);
    let (lo, hi) = (STRETCH.0, STRETCH.1);
    for resampling in ["average", "bilinear"] {
        let out = dir.join(format!("ours-{resampling}"));
        let theirs_dir = dir.join(format!("gdal2tiles-{resampling}"));
        let render = format!("range = [{lo}, {hi}]");
        let p = write_pipeline(
            dir,
            &format!("{resampling}.toml"),
            &composite_pipeline(&out, &render, resampling, "8-12"),
        );
        aftermath()
            .args(["run", p.to_str().expect("utf-8")])
            .assert()
            .success();
        sh(
            "gdal2tiles.py",
            &[
                "--xyz",
                "-q",
                "-w",
                "none",
                "--exclude",
                "-r",
                resampling,
                "-z",
                "8-12",
                vrt.to_str().expect("utf-8"),
                theirs_dir.to_str().expect("utf-8"),
            ],
        );
        let ours = tile_set(&out);
        let theirs = tile_set(&theirs_dir);
        let both: Vec<&String> = ours.intersection(&theirs).collect();
        assert!(
            both.len() * 10 >= theirs.len() * 9,
            "{resampling}: aftermath wrote {} of gdal2tiles' {} tiles",
            both.len(),
            theirs.len()
        );
        let (mut our_bytes, mut their_bytes) = (0u64, 0u64);
        let mut worst = f64::INFINITY;
        for key in &both {
            let a = std::fs::read(out.join(key)).expect("our tile");
            let b = std::fs::read(theirs_dir.join(key)).expect("their tile");
            our_bytes += a.len() as u64;
            their_bytes += b.len() as u64;
            let (_, _, a) = decode_png(&a);
            let (_, _, b) = decode_png(&b);
            let (db, agree) = psnr(&a, &b);
            assert!(db >= 30.0, "{resampling} {key}: PSNR {db:.1} dB < 30 dB");
            assert!(
                agree >= 0.98,
                "{resampling} {key}: transparency agrees on only {:.1} % of pixels",
                agree * 100.0
            );
            worst = worst.min(db);
        }
        eprintln!(
            "{resampling}: {} tiles, worst PSNR {worst:.1} dB, bytes {our_bytes} vs gdal2tiles {their_bytes}",
            both.len()
        );
        assert!(
            our_bytes as f64 <= their_bytes as f64 * 1.15,
            "{resampling}: {our_bytes} bytes vs gdal2tiles' {their_bytes}"
        );
    }
}

#[test]
fn composite_tiles_above_the_source_resolution_match_gdalwarp_onto_the_tile_for_each_kernel() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let vrt = olinda_rgb_vrt(dir);
    for resampling in ["average", "bilinear", "nearest"] {
        let out = dir.join(format!("ours-{resampling}"));
        let p = write_pipeline(
            dir,
            &format!("z13-{resampling}.toml"),
            &composite_pipeline(
                &out,
                &format!("range = [{}, {}]", STRETCH.0, STRETCH.1),
                resampling,
                "13",
            ),
        );
        aftermath()
            .args(["run", p.to_str().expect("utf-8")])
            .assert()
            .success();
        let tiles = tile_set(&out);
        assert!(tiles.len() >= 4, "{tiles:?}");
        const HALF_WORLD: f64 = 20_037_508.342_789_244;
        for key in &tiles {
            let [z, x, y]: [u32; 3] = key
                .trim_end_matches(".png")
                .split('/')
                .map(|p| p.parse().expect("number"))
                .collect::<Vec<_>>()
                .try_into()
                .expect("z/x/y");
            let side = 2.0 * HALF_WORLD / f64::from(1u32 << z);
            let (west, north) = (
                -HALF_WORLD + f64::from(x) * side,
                HALF_WORLD - f64::from(y) * side,
            );
            let reference = dir.join(format!("gdalwarp-{resampling}-{z}-{x}-{y}.tif"));
            sh(
                "gdalwarp",
                &[
                    "-q",
                    "-t_srs",
                    "EPSG:3857",
                    "-te",
                    &west.to_string(),
                    &(north - side).to_string(),
                    &(west + side).to_string(),
                    &north.to_string(),
                    "-ts",
                    "256",
                    "256",
                    "-r",
                    resampling,
                    "-wt",
                    "Float32",
                    "-dstalpha",
                    vrt.to_str().expect("utf-8"),
                    reference.to_str().expect("utf-8"),
                ],
            );
            let ds = gdal::Dataset::open(&reference).expect("open");
            let (_, _, bands) = gdal_bands(&ds);
            let theirs: Vec<u8> = (0..256 * 256)
                .flat_map(|i| [bands[0][i], bands[1][i], bands[2][i], bands[3][i]])
                .collect();
            let (_, _, ours) = decode_png(&std::fs::read(out.join(key)).expect("tile"));
            let (db, agree) = psnr(&ours, &theirs);
            if resampling == "nearest" {
                // Nearest picks whole source pixels: a tile pixel whose centre lies within
                // the transformers' error (0.125 px) of a source pixel edge may pick the
                // neighbour.
                let same = ours
                    .chunks_exact(4)
                    .zip(theirs.chunks_exact(4))
                    .filter(|(a, b)| a == b)
                    .count();
                let share = same as f64 / (256.0 * 256.0);
                assert!(
                    share >= 0.99,
                    "{key}: {share} of nearest pixels equal gdalwarp's"
                );
            } else {
                assert!(
                    db >= 40.0,
                    "{resampling} {key}: PSNR {db:.1} dB against gdalwarp"
                );
            }
            assert!(
                agree >= 0.98,
                "{resampling} {key}: transparency agrees on {agree}"
            );
        }
    }
}

#[test]
fn a_percentile_stretch_clips_about_the_asked_share_of_each_band() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let out = dir.join("out");
    let p = write_pipeline(
        dir,
        "stretch.toml",
        &composite_pipeline(&out, "stretch = [5, 95]", "nearest", "9-12")
            .replace("composite = \"true-color\"", "composite = \"swir\""),
    );
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let legend: serde_json::Value = common::read_json(out.join("legend.json"));
    assert_eq!(legend["type"], "composite");
    let channels = legend["channels"].as_array().expect("channels");
    let file = sample("olinda/L7_ETMs.tif");
    let ds = gdal::Dataset::open(&file).expect("open");
    // swir = swir2, nir, red = bands 6, 4, 3 of the stack.
    for (channel, band) in channels.iter().zip([6, 4, 3]) {
        assert_eq!(
            channel["band"],
            ["swir2", "nir", "red"][[6, 4, 3].iter().position(|b| *b == band).expect("band")]
        );
        let (min, max) = (
            channel["min"].as_f64().expect("min"),
            channel["max"].as_f64().expect("max"),
        );
        let (w, h) = ds.raster_size();
        let values = ds
            .rasterband(band)
            .expect("band")
            .read_as::<u8>((0, 0), (w, h), (w, h), None)
            .expect("read")
            .into_shape_and_vec()
            .1;
        let n = values.len() as f64;
        let below = values.iter().filter(|v| (**v as f64) < min).count() as f64 / n;
        let above = values.iter().filter(|v| (**v as f64) > max).count() as f64 / n;
        // Measured on a nearest-neighbour sample in Web Mercator, so close to, not exactly,
        // 5 % on each side (DN are integers: ties make the shares smaller, never larger).
        assert!(
            below <= 0.07 && above <= 0.07,
            "band {band}: {below} below, {above} above"
        );
        assert!(
            below >= 0.01 && above >= 0.01,
            "band {band}: {below} below, {above} above"
        );
    }
    let record: serde_json::Value = common::read_json(out.join("run.json"));
    assert_eq!(record["product"]["composite"][0], "swir2");
    assert!(
        !out.join("index.tif").exists(),
        "a composite writes tiles only"
    );
}

#[test]
fn composite_tif_is_the_stretched_bands_on_the_scene_grid() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let out = dir.join("out");
    let p = write_pipeline(
        dir,
        "cog.toml",
        &composite_pipeline(
            &out,
            "range = [[20, 120], [10, 90], [30, 110]]",
            "bilinear",
            "11-12",
        ),
    );
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let cog = out.join("composite.tif");
    let info = gdal_info(&cog);
    assert_eq!(
        info["metadata"]["IMAGE_STRUCTURE"]["LAYOUT"], "COG",
        "{info}"
    );
    let source = gdal::Dataset::open(sample("olinda/L7_ETMs.tif")).expect("source");
    let ds = gdal::Dataset::open(&cog).expect("composite.tif");
    assert_eq!(ds.raster_size(), source.raster_size(), "the scene's grid");
    assert_eq!(
        ds.geo_transform().expect("gt"),
        source.geo_transform().expect("gt")
    );
    let (w, h, ours) = gdal_bands(&ds);
    assert_eq!(ours.len(), 4, "RGBA");
    let (_, _, dn) = gdal_bands(&source);
    // red, green, blue = bands 3, 2, 1, each with its own range.
    for (channel, (band, (lo, hi))) in [(3, (20.0, 120.0)), (2, (10.0, 90.0)), (1, (30.0, 110.0))]
        .into_iter()
        .enumerate()
    {
        let mut off = 0;
        for i in 0..w * h {
            let v = f64::from(dn[band - 1][i]);
            let expected = (255.0 * (v - lo) / (hi - lo)).clamp(0.0, 255.0).round();
            if (f64::from(ours[channel][i]) - expected).abs() > 1.0 {
                off += 1;
            }
            assert_eq!(ours[3][i], 255, "every pixel of the crop has data");
        }
        assert_eq!(
            off, 0,
            "channel {channel}: {off} pixels differ from the stretched DN"
        );
    }
    let item: serde_json::Value = common::read_json(out.join("item.json"));
    assert_eq!(item["assets"]["composite"]["href"], "./composite.tif");
    assert!(item["assets"]["composite"]["proj:shape"].is_array());
    assert!(item["assets"].get("index").is_none());
}
