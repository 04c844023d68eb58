//! Temporal composites (`reduce = "…"`) on real pixels: four acquisitions of the real Olinda
//! Landsat 7 scene, each reduced per pixel and compared with numpy (tests/reduce_reference.py).
//!
//! The acquisitions, written here with GDAL (all on the scene's own grid, Byte, DN 0 = no
//! data, band 7 a quality code band: 4 = clear, 9 = cloud):
//! 1. 2002-07-01: the scene as it is, cut into two overlapping granules of the same day
//!    (columns 0–219 and 150–348), which mosaic back into one acquisition;
//! 2. 2002-07-17: DN + 7 where (column + row) is even, DN − 5 elsewhere (at least 1);
//! 3. 2002-08-02: DN · 1.2 (at most 255), with a "cloud" (code 9) over columns 100–199,
//!    rows 50–149 — its values stay, so only the mask keeps them out;
//! 4. 2002-08-18: DN + 3, with DN 0 (no data) over columns 150–249, rows 100–199.
//!
//! Where all four observe a pixel the median is the mean of the two middle values, where
//! the cloud or the gap leaves three the middle one, and where both leave two their mean.

use std::path::{Path, PathBuf};

use crate::common;

use common::*;

const OLINDA: &str = "olinda/L7_ETMs.tif";
const BANDS: usize = 6;
const CLEAR: u8 = 4;
const CLOUD: u8 = 9;

struct Scene {
    width: usize,
    height: usize,
    geo_transform: [f64; 6],
    projection: String,
    /// `bands[b][row * width + column]`, DN.
    bands: Vec<Vec<u8>>,
}

fn read_olinda() -> Scene {
    let ds = gdal::Dataset::open(sample(OLINDA)).expect("opens");
    let (width, height) = ds.raster_size();
    Scene {
        width,
        height,
        geo_transform: ds.geo_transform().expect("geotransform"),
        projection: ds.projection(),
        bands: (1..=BANDS).map(|b| read_band(&sample(OLINDA), b)).collect(),
    }
}

/// Writes columns `columns` of `bands` (6 bands and the quality band) as a GeoTIFF.
fn write(scene: &Scene, bands: &[Vec<u8>], columns: std::ops::Range<usize>, path: &Path) {
    let mut gt = scene.geo_transform;
    gt[0] += columns.start as f64 * gt[1];
    let cut = (bands.iter())
        .map(|values| {
            (0..scene.height)
                .flat_map(|y| columns.clone().map(move |x| values[y * scene.width + x]))
                .collect()
        })
        .collect();
    let size = (columns.len(), scene.height);
    write_byte_geotiff(path, size, gt, &scene.projection, cut);
}

/// The four acquisitions' bands (each with the quality band last), as described above.
fn acquisitions(scene: &Scene) -> Vec<Vec<Vec<u8>>> {
    let (w, h) = (scene.width, scene.height);
    let at = |i: usize| (i % w, i / w);
    let in_block = |i: usize, x0: usize, y0: usize| {
        let (x, y) = at(i);
        (x0..x0 + 100).contains(&x) && (y0..y0 + 100).contains(&y)
    };
    let map = |f: &dyn Fn(usize, u8) -> u8| -> Vec<Vec<u8>> {
        (scene.bands.iter())
            .map(|band| band.iter().enumerate().map(|(i, &v)| f(i, v)).collect())
            .collect()
    };
    let keep_nodata = |v: u8, new: u8| if v == 0 { 0 } else { new.max(1) };
    let with_quality = |mut bands: Vec<Vec<u8>>, cloud: &dyn Fn(usize) -> bool| {
        bands.push(
            (0..w * h)
                .map(|i| if cloud(i) { CLOUD } else { CLEAR })
                .collect(),
        );
        bands
    };
    vec![
        with_quality(map(&|_, v| v), &|_| false),
        with_quality(
            map(&|i, v| {
                let (x, y) = at(i);
                let new = if (x + y) % 2 == 0 {
                    v.saturating_add(7)
                } else {
                    v.saturating_sub(5)
                };
                keep_nodata(v, new)
            }),
            &|_| false,
        ),
        with_quality(
            map(&|_, v| keep_nodata(v, (f32::from(v) * 1.2).round().min(255.0) as u8)),
            &|i| in_block(i, 100, 50),
        ),
        with_quality(
            map(&|i, v| {
                if in_block(i, 150, 100) {
                    0
                } else {
                    keep_nodata(v, v.saturating_add(3))
                }
            }),
            &|_| false,
        ),
    ]
}

/// The files of the composite, with their datetimes, as a TOML array.
fn write_files(dir: &Path, scene: &Scene) -> (String, Vec<Vec<Vec<u8>>>) {
    let (written, acquisitions) = write_rasters(dir, scene);
    let mut entries: Vec<String> = (written.iter())
        .map(|(path, datetime)| {
            format!(
                "{{ file = \"{}\", datetime = \"{datetime}\" }}",
                path.display()
            )
        })
        .collect();
    // Listed latest first: time order comes from the datetimes, not the list.
    entries.reverse();
    (format!("[{}]", entries.join(", ")), acquisitions)
}

/// Each acquisition's bands (`[acquisition][band][pixel]`).
type Acquisitions = Vec<Vec<Vec<u8>>>;

/// The rasters of the composite, each with its datetime, and each acquisition's bands.
fn write_rasters(dir: &Path, scene: &Scene) -> (Vec<(PathBuf, String)>, Acquisitions) {
    let acquisitions = acquisitions(scene);
    let dates = ["2002-07-01", "2002-07-17", "2002-08-02", "2002-08-18"];
    let mut entries = Vec::new();
    for (a, (bands, date)) in acquisitions.iter().zip(dates).enumerate() {
        let mut parts: Vec<(PathBuf, std::ops::Range<usize>)> = Vec::new();
        if a == 0 {
            parts.push((dir.join("a1-west.tif"), 0..220));
            parts.push((dir.join("a1-east.tif"), 150..scene.width));
        } else {
            parts.push((dir.join(format!("a{}.tif", a + 1)), 0..scene.width));
        }
        for (path, columns) in parts {
            write(scene, bands, columns, &path);
            entries.push((path, format!("{date}T12:30:00Z")));
        }
    }
    (entries, acquisitions)
}

fn pipeline(dir: &Path, files: &str, reduce: &str, out: &Path) -> PathBuf {
    let text = format!(
        "[scenes.pre]\nfiles = {files}\nreduce = \"{reduce}\"\nnodata = 0\n\
         mask = {{ scl = [{CLOUD}] }}\n\
         [scenes.pre.bands]\nred = 3\nnir = 4\nscl = 7\n\
         [product]\nexpression = \"pre.nir + 0 * pre.red\"\n\
         [render]\nramp = \"greens\"\nrange = [0, 255]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        out.display()
    );
    write_pipeline(dir, &format!("{reduce}.toml"), &text)
}

/// Band 1 of `file`, as f32, and its size.
fn plane(file: &Path) -> (Vec<f32>, usize, usize) {
    let (w, h) = gdal::Dataset::open(file).expect("opens").raster_size();
    (read_band(file, 1), w, h)
}

/// numpy's reductions of the NIR band (band 4) over the acquisitions, where an acquisition
/// observes a pixel when its red and NIR are valid and its quality code is clear:
/// `[median, mean, min, max, first, last, count]`, each a plane.
fn numpy_reference(dir: &Path, scene: &Scene, acquisitions: &[Vec<Vec<u8>>]) -> Vec<Vec<f32>> {
    let n = scene.width * scene.height;
    let mut stack: Vec<u8> = Vec::with_capacity(acquisitions.len() * n * 4);
    for bands in acquisitions {
        let pixels = bands[2].iter().zip(&bands[3]).zip(&bands[6]);
        for ((&red, &nir), &quality) in pixels {
            let v = if red == 0 || nir == 0 || quality == CLOUD {
                f32::NAN
            } else {
                f32::from(nir)
            };
            stack.extend(v.to_le_bytes());
        }
    }
    let (stack_path, out_path) = (dir.join("stack.f32"), dir.join("reduced.f32"));
    std::fs::write(&stack_path, stack).expect("write stack");
    let python = repo().join("target/test-tools/venv/bin/python");
    let args = [
        repo()
            .join("tests/reduce_reference.py")
            .display()
            .to_string(),
        stack_path.display().to_string(),
        acquisitions.len().to_string(),
        scene.height.to_string(),
        scene.width.to_string(),
        out_path.display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sh(python.to_str().expect("utf-8"), &args);
    let bytes = std::fs::read(&out_path).expect("reference");
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    values.chunks(n).map(<[f32]>::to_vec).collect()
}

#[test]
fn composites_over_four_real_acquisitions_equal_numpy_and_count_the_observations() {
    require!(Tool::Python);
    let dir = tempfile::tempdir().expect("tempdir");
    let scene = read_olinda();
    let (files, acquisitions) = write_files(dir.path(), &scene);
    let reference = numpy_reference(dir.path(), &scene, &acquisitions);
    let counts = &reference[6];
    // Every case the perturbations are meant to make is there.
    for k in [2.0, 3.0, 4.0] {
        assert!(
            counts.iter().filter(|&&c| c == k).count() > 1000,
            "{k} observations"
        );
    }

    for (r, reducer) in ["median", "mean", "min", "max", "first", "last"]
        .iter()
        .enumerate()
    {
        let out = dir.path().join(format!("out-{reducer}"));
        let p = pipeline(dir.path(), &files, reducer, &out);
        aftermath()
            .args(["run", p.to_str().expect("utf-8")])
            .assert()
            .success();
        let (ours, w, h) = plane(&out.join("index.tif"));
        assert_eq!(
            (w, h),
            (scene.width, scene.height),
            "{reducer}: the scene's grid"
        );
        let want = &reference[r];
        let tolerance = if *reducer == "mean" { 1e-4 } else { 0.0 };
        for i in 0..ours.len() {
            let (got, want) = (ours[i], want[i]);
            assert!(
                (got.is_nan() && want.is_nan()) || (got - want).abs() <= tolerance,
                "{reducer} at column {}, row {}: {got}, numpy {want} ({} observations)",
                i % w,
                i / w,
                counts[i]
            );
        }
        let (observed, ..) = plane(&out.join("observations-pre.tif"));
        assert_eq!(&observed, counts, "{reducer}: observations per pixel");

        if *reducer == "median" {
            let record = read_json(out.join("run.json"));
            let input = &record["inputs"][0];
            assert_eq!(input["reduce"], "median");
            let acquisitions = input["acquisitions"].as_array().expect("acquisitions");
            let dates: Vec<&str> = (acquisitions.iter())
                .map(|a| a["datetime"].as_str().expect("datetime"))
                .collect();
            assert_eq!(
                dates,
                [
                    "2002-07-01T12:30:00Z",
                    "2002-07-17T12:30:00Z",
                    "2002-08-02T12:30:00Z",
                    "2002-08-18T12:30:00Z"
                ]
            );
            assert_eq!(acquisitions[0]["files"].as_array().map(Vec::len), Some(2));
            let item = read_json(out.join("item.json"));
            let properties = &item["properties"];
            assert_eq!(properties["start_datetime"], "2002-07-01T12:30:00Z");
            assert_eq!(properties["end_datetime"], "2002-08-18T12:30:00Z");
            let asset = &item["assets"]["observations-pre"];
            assert_eq!(asset["href"], "./observations-pre.tif", "{asset}");
        }
    }
}

#[test]
fn a_composite_of_one_acquisition_warns_and_bad_reduce_keys_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    write_files(dir.path(), &read_olinda());
    let olinda = dir.path().join("a2.tif").display().to_string();
    let one = format!("[{{ file = \"{olinda}\", datetime = \"2002-07-01\" }}]");
    let p = pipeline(dir.path(), &one, "median", &out);
    let validated = aftermath()
        .args(["validate", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&validated.get_output().stderr).to_string()
        + &String::from_utf8_lossy(&validated.get_output().stdout);
    assert!(
        text.contains("scenes.pre.reduce") && text.contains("one acquisition"),
        "{text}"
    );

    let p = pipeline(dir.path(), &one, "average", &out);
    let text = stderr_of_failed("validate", &p, 2);
    assert!(
        text.contains("scenes.pre.reduce") && text.contains("median, mean, min, max, first, last"),
        "{text}"
    );

    let mixed = format!("[{{ file = \"{olinda}\", datetime = \"2002-07-01\" }}, \"{olinda}\"]");
    let p = pipeline(dir.path(), &mixed, "median", &out);
    let text = stderr_of_failed("run", &p, 2);
    assert!(
        text.contains("scenes.pre.files") && text.contains("every file a `datetime`"),
        "{text}"
    );
    assert!(!out.exists(), "nothing written");
}

/// The same composite from a STAC ItemCollection on disk: one item per raster (the two
/// granules of the first day two items), its red, NIR and quality code each a one-band
/// asset (`red`, `nir08`, `scl`), listed latest first — the items' datetimes give the order.
#[test]
fn a_median_of_stac_items_equals_numpy_and_groups_the_items_by_day() {
    require!(Tool::Python);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let scene = read_olinda();
    let (rasters, acquisitions) = write_rasters(d, &scene);
    let reference = numpy_reference(d, &scene, &acquisitions);
    let mut features = Vec::new();
    for (path, datetime) in rasters.iter().rev() {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let mut assets = serde_json::Map::new();
        for (band, key) in [(3, "red"), (4, "nir08"), (7, "scl")] {
            let file = format!("{stem}-{key}.tif");
            sh(
                "gdal_translate",
                &[
                    "-q",
                    "-b",
                    &band.to_string(),
                    path.to_str().expect("utf-8"),
                    d.join(&file).to_str().expect("utf-8"),
                ],
            );
            assets.insert(
                key.into(),
                serde_json::json!({ "href": format!("./{file}") }),
            );
        }
        let extent = gdal_info(path)["wgs84Extent"].clone();
        features.push(serde_json::json!({
            "type": "Feature", "stac_version": "1.0.0", "id": stem, "geometry": extent,
            "properties": { "datetime": datetime }, "links": [], "assets": assets,
        }));
    }
    let items = serde_json::json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(d.join("items.json"), items.to_string()).expect("items.json");
    let out = d.join("out");
    let text = format!(
        "[scenes.pre]\nstac = \"items.json\"\nsensor = \"landsat-7-l1\"\nreduce = \"median\"\n\
         mask = {{ scl = [{CLOUD}] }}\n[scenes.pre.bands]\nscl = \"scl\"\n\
         [product]\nexpression = \"pre.nir + 0 * pre.red\"\n\
         [render]\nramp = \"greens\"\nrange = [0, 255]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        out.display()
    );
    let p = write_pipeline(d, "stac-median.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let (ours, w, _) = plane(&out.join("index.tif"));
    let (want, counts) = (&reference[0], &reference[6]);
    assert_eq!(ours.len(), want.len(), "the scene's grid");
    for i in 0..ours.len() {
        let (got, want) = (ours[i], want[i]);
        assert!(
            (got.is_nan() && want.is_nan()) || got == want,
            "median at column {}, row {}: {got}, numpy {want}",
            i % w,
            i / w
        );
    }
    let (observed, ..) = plane(&out.join("observations-pre.tif"));
    assert_eq!(&observed, counts, "observations per pixel");
    // Five items, four acquisitions (the first day's two granules are one).
    let record = read_json(out.join("run.json"));
    let input = &record["inputs"][0];
    assert_eq!(
        input["items"].as_array().map(Vec::len),
        Some(5),
        "{input:#}"
    );
    let acquisitions = input["acquisitions"].as_array().expect("acquisitions");
    assert_eq!(acquisitions.len(), 4);
    assert_eq!(
        acquisitions[0]["files"].as_array().map(Vec::len),
        Some(6),
        "{input:#}"
    );
}
