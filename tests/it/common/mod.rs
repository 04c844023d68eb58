//! Helpers shared by the integration tests: the real binary, the shipped pipelines and
//! sample data, and GDAL's own command-line tools as the independent reference.
#![allow(dead_code)]

pub mod azurite;
pub mod garage;
mod objects;
pub mod stac_servers;

pub use objects::{dir_objects, files, json_of, read_json, snapshot, store_objects};

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn pipeline(name: &str) -> PathBuf {
    repo().join("pipelines").join(name)
}

pub fn sample(rel: &str) -> PathBuf {
    repo().join("sample-data").join(rel)
}

/// A tool `make test-tools` installs (scripts/install-test-tools.sh), which plain `cargo test`
/// on a bare machine may lack.
#[derive(Debug, Clone, Copy)]
pub enum Tool {
    /// Garage, the S3-compatible server (target/test-tools/bin/garage).
    Garage,
    /// The Node tools of tests/node (Azurite, Playwright, MapLibre, PMTiles).
    Node,
    /// Chromium, driven by Playwright.
    Chromium,
    /// The Python tools of tests/requirements.txt (target/test-tools/venv).
    Python,
    /// nginx, PostgreSQL + PostGIS and stac-fastapi-pgstac (target/test-tools/stac-venv).
    StacServers,
}

impl Tool {
    fn present(self) -> bool {
        let node = repo().join("tests/node/node_modules");
        match self {
            Tool::Garage => repo().join("target/test-tools/bin/garage").exists(),
            Tool::Node => node.join(".bin/azurite-blob").exists() && which("node"),
            Tool::Chromium => {
                Tool::Node.present()
                    && node.join("playwright-core").exists()
                    && std::env::var_os("CHROMIUM")
                        .map_or(Path::new("/usr/bin/chromium").exists(), |p| {
                            Path::new(&p).exists()
                        })
            }
            Tool::Python => repo().join("target/test-tools/venv/bin/python").exists(),
            Tool::StacServers => stac_servers::installed(),
        }
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Whether `tool` is installed. Without it the calling test is skipped with a printed
/// reason — unless `AFTERMATH_REQUIRE_TEST_TOOLS` is set (`make test`, CI), where a missing
/// tool fails the test: there a skip would hide a test that never ran.
pub fn available(tool: Tool) -> bool {
    if tool.present() {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    assert!(
        std::env::var_os("AFTERMATH_REQUIRE_TEST_TOOLS").is_none(),
        "{test}: {tool:?} is missing, and make test requires every tool: run `make test-tools`"
    );
    // Straight to stderr: the test harness captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {tool:?} is not installed (`make test-tools` installs it; `make test` runs every test)"
    );
    false
}

/// Returns from the calling test, with a printed reason, when `tool` is not installed.
#[macro_export]
macro_rules! require {
    ($tool:expr) => {
        if !common::available($tool) {
            return;
        }
    };
}

pub fn aftermath() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("aftermath").expect("binary built");
    cmd.env("RUST_LOG", "warn");
    cmd
}

/// Runs a shipped pipeline (`pipelines/NAME`) into `out`, which must succeed.
pub fn run_shipped(name: &str, out: &Path) {
    aftermath()
        .args([
            "run",
            pipeline(name).to_str().expect("utf-8"),
            "--output",
            out.to_str().expect("utf-8"),
        ])
        .assert()
        .success();
}

/// Runs a command that must succeed; returns its stdout.
pub fn sh(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program}: {e} (is gdal-bin installed? run `make deps`)")
        });
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `z/x/y.png` keys under a directory.
pub fn tile_set(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "png") {
                let rel = path.strip_prefix(root).expect("under root");
                // z/x/y.png only: `legend.png` sits at the top level.
                if rel.components().count() == 3 {
                    out.insert(rel.to_string_lossy().into_owned());
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// The tiles `gdal2tiles.py --xyz` writes for `input` and a zoom range; with `exclude_empty`
/// it passes `--exclude`, which drops fully transparent tiles, as aftermath does.
pub fn gdal2tiles(
    input: &Path,
    zoom: Option<&str>,
    exclude_empty: bool,
    work: &Path,
) -> BTreeSet<String> {
    let stem = input.file_stem().expect("file name").to_string_lossy();
    let out = work.join(format!(
        "gdal2tiles-{stem}-{}-{exclude_empty}",
        zoom.unwrap_or("auto")
    ));
    let mut args = vec!["--xyz", "-q", "-w", "none"];
    if exclude_empty {
        args.push("--exclude");
    }
    if let Some(z) = zoom {
        args.extend(["-z", z]);
    }
    let input = input.to_str().expect("utf-8");
    let out_str = out.to_str().expect("utf-8").to_string();
    args.extend([input, out_str.as_str()]);
    sh("gdal2tiles.py", &args);
    tile_set(&out)
}

/// [`gdal2tiles`] with `--exclude`.
pub fn gdal2tiles_set(input: &Path, zoom: Option<&str>, work: &Path) -> BTreeSet<String> {
    gdal2tiles(input, zoom, true, work)
}

/// A one-band VRT of `band` of `input` (gdal2tiles only takes 1–4 bands; the grid is the same).
pub fn one_band_vrt(input: &Path, band: u32, work: &Path) -> PathBuf {
    let stem = input.file_stem().expect("file name").to_string_lossy();
    let vrt = work.join(format!("{stem}-b{band}.vrt"));
    sh(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "VRT",
            "-b",
            &band.to_string(),
            input.to_str().expect("utf-8"),
            vrt.to_str().expect("utf-8"),
        ],
    );
    vrt
}

/// `gdalinfo -json` of a raster.
pub fn gdal_info(file: &Path) -> serde_json::Value {
    serde_json::from_str(&sh("gdalinfo", &["-json", file.to_str().expect("utf-8")])).expect("json")
}

/// A JSON array of numbers.
pub fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect()
}

/// Decodes a PNG to RGBA (palette and tRNS expanded; RGB, written for fully opaque tiles,
/// gets alpha 255).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("valid png");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("frame");
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        other => panic!("8-bit RGB or RGBA once expanded, not {other:?}"),
    };
    (info.width, info.height, rgba)
}

/// The colour type a PNG is stored with.
pub fn png_color_type(bytes: &[u8]) -> png::ColorType {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.read_info().expect("valid png").info().color_type
}

/// Writes a pipeline file into `dir` and returns its path.
pub fn write_pipeline(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write pipeline");
    path
}

/// A single-scene MNDWI pipeline over `file` (absolute), writing to `out`.
pub fn mndwi_pipeline(file: &Path, out: &Path, extra: &str) -> String {
    format!(
        r##"
[scenes.post]
file = "{}"
[scenes.post.bands]
green = 2
swir1 = 5
[product]
index = "mndwi"
[render]
ramp = "brbg"
range = [-0.6, 0.6]
{extra}
[output]
url = "{}"
"##,
        file.display(),
        out.display()
    )
}

/// Runs `program args` with `input` on stdin; returns stdout lines.
pub fn pipe(program: &str, args: &[&str], input: &str) -> Vec<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{program} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Digital numbers of one band at source pixels, by `gdallocationinfo`.
pub fn dn(file: &Path, band: u32, pixels: &[(i64, i64)]) -> Vec<Option<f64>> {
    let input: String = pixels.iter().map(|(x, y)| format!("{x} {y}\n")).collect();
    let b = band.to_string();
    let lines = pipe(
        "gdallocationinfo",
        &["-valonly", "-b", &b, file.to_str().expect("utf-8")],
        &input,
    );
    lines.iter().map(|l| l.trim().parse::<f64>().ok()).collect()
}

/// Writes `dir/NAME.toml`: MNDWI on the Olinda sample with `render` (TOML), `zoom`, into
/// `url`, with extra `[output]` lines.
pub fn olinda_pipeline(
    dir: &Path,
    name: &str,
    url: &str,
    render: &str,
    zoom: &str,
    output: &str,
) -> PathBuf {
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\n[scenes.post.bands]\ngreen = 2\nswir1 = 5\n\
         [product]\nindex = \"mndwi\"\n{render}\n[tiling]\nzoom = \"{zoom}\"\n\
         [output]\nurl = \"{url}\"\n{output}\n",
        sample("olinda/L7_ETMs.tif").display(),
    );
    write_pipeline(dir, &format!("{name}.toml"), &text)
}

/// Runs MNDWI on the Olinda sample into `dir/NAME` with `render` (TOML), `zoom` and extra
/// `[output]` lines; returns the output folder.
pub fn run_olinda(dir: &Path, name: &str, render: &str, zoom: &str, output: &str) -> PathBuf {
    let out = dir.join(name);
    let url = out.to_str().expect("utf-8");
    let p = olinda_pipeline(dir, name, url, render, zoom, output);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    out
}

/// A brown-to-green ramp over MNDWI's usual range, as TOML.
pub const MNDWI_RAMP: &str = "[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]";

/// Every band of a GDAL dataset as bytes, row-major: (width, height, bands).
pub fn gdal_bands(ds: &gdal::Dataset) -> (usize, usize, Vec<Vec<u8>>) {
    let (w, h) = ds.raster_size();
    let bands = (1..=ds.raster_count())
        .map(|b| {
            ds.rasterband(b)
                .expect("band")
                .read_as::<u8>((0, 0), (w, h), (w, h), None)
                .expect("read")
                .into_shape_and_vec()
                .1
        })
        .collect();
    (w, h, bands)
}

/// The normalized difference (a − b) / (a + b), NaN where a + b = 0 (as the indices compute
/// it): the reference formula of the index tests.
pub fn nd(a: f64, b: f64) -> f64 {
    if a + b == 0.0 {
        f64::NAN
    } else {
        (a - b) / (a + b)
    }
}

/// Runs `aftermath COMMAND PIPELINE`, which must exit with `code`; returns its stderr.
pub fn stderr_of_failed(command: &str, pipeline: &Path, code: i32) -> String {
    let failed = aftermath()
        .args([command, pipeline.to_str().expect("utf-8")])
        .assert()
        .code(code);
    String::from_utf8_lossy(&failed.get_output().stderr).into_owned()
}

/// Band `band` (1-based) of `file`, row by row, as `T` (GDAL through the gdal crate).
pub fn read_band<T: gdal::raster::GdalType + Copy>(file: &Path, band: usize) -> Vec<T> {
    let ds = gdal::Dataset::open(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let (w, h) = ds.raster_size();
    ds.rasterband(band)
        .expect("band")
        .read_as::<T>((0, 0), (w, h), (w, h), None)
        .expect("read")
        .into_shape_and_vec()
        .1
}

/// Writes `bands` (Byte planes of `size` pixels, row by row) as a GeoTIFF at `path` on the
/// grid `gt` in the CRS `wkt`; returns it, still open (for band descriptions).
pub fn write_byte_geotiff(
    path: &Path,
    (width, height): (usize, usize),
    gt: [f64; 6],
    wkt: &str,
    bands: Vec<Vec<u8>>,
) -> gdal::Dataset {
    let driver = gdal::DriverManager::get_driver_by_name("GTiff").expect("GTiff");
    let mut ds = driver
        .create_with_band_type::<u8, _>(path, width, height, bands.len())
        .expect("create");
    ds.set_geo_transform(&gt).expect("geotransform");
    ds.set_projection(wkt).expect("projection");
    for (b, values) in bands.into_iter().enumerate() {
        let mut buffer = gdal::raster::Buffer::new((width, height), values);
        ds.rasterband(b + 1)
            .expect("band")
            .write((0, 0), (width, height), &mut buffer)
            .expect("write");
    }
    ds
}
