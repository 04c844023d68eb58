//! Unbounded work and memory: the zoom rule for pairs, the tile ceiling, memory that does
//! not grow with the tile count at the shallowest zoom.

use std::path::Path;
use std::process::Command;

use super::common::{self, aftermath, sample, sh, write_pipeline};
use super::refused;

/// A 1° whole-world raster (EPSG:4326, 6 bands) made with GDAL, synthetic.
fn world_raster(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("synthetic-world-1deg.tif");
    sh(
        "gdal_create",
        &[
            "-q",
            "-of",
            "GTiff",
            "-outsize",
            "360",
            "170",
            "-bands",
            "6",
            "-ot",
            "Byte",
            "-burn",
            "100",
            "-a_srs",
            "EPSG:4326",
            "-a_ullr",
            "-180",
            "85",
            "180",
            "-85",
            path.to_str().expect("utf-8"),
        ],
    );
    path
}

fn dnbr_pair(dir: &Path, pre: &Path, extra: &str) -> std::path::PathBuf {
    let text = format!(
        "[scenes.pre]\nfile = \"{}\"\n[scenes.pre.bands]\nnir = 4\nswir2 = 6\n\
         [scenes.post]\nfile = \"{}\"\n[scenes.post.bands]\nnir = 4\nswir2 = 6\n\
         [product]\nindex = \"dnbr\"\n[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n{extra}\n\
         [output]\nurl = \"{}\"\n",
        pre.display(),
        sample("olinda/L7_ETMs.tif").display(),
        dir.join("out").display()
    );
    write_pipeline(dir, "pair.toml", &text)
}

fn plan_json(pipeline: &Path, extra: &[&str]) -> serde_json::Value {
    let out = aftermath()
        .args(["--json", "plan", pipeline.to_str().expect("utf-8")])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::json_of(&out.stdout)
}

#[test]
fn auto_zooms_of_a_pair_never_go_deeper_than_the_coarser_scene() {
    let work = tempfile::tempdir().expect("tempdir");
    let world = world_raster(work.path());
    let p = dnbr_pair(work.path(), &world, "");
    let plan = plan_json(&p, &[]);
    // ≈111 km pixels: zoom 0 (156 km) is the deepest not finer than them. It was 30-30 with
    // 74 billion tiles.
    assert_eq!(plan["zooms"]["max"], 0, "{plan}");
    assert_eq!(plan["zooms"]["min"], 0, "{plan}");
    assert!(
        plan["tiles"]["total"].as_u64().expect("count") <= 1,
        "{plan}"
    );
}

#[test]
fn plans_above_the_tile_ceiling_are_refused_naming_the_key_and_count() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(
        work.path(),
        "deep",
        work.path().join("out").to_str().expect("utf-8"),
        common::MNDWI_RAMP,
        "0-24",
        "",
    );
    for command in ["validate", "plan"] {
        let (_, stderr) = refused(&[command, p.to_str().expect("utf-8")]);
        assert!(
            stderr.contains("max_tiles") && stderr.contains("10000000"),
            "{stderr}"
        );
    }
    // The count is the one `plan` reports once the ceiling is raised on purpose.
    let plan = plan_json(&p, &["--max-tiles", "100000000000"]);
    let total = plan["tiles"]["total"].as_u64().expect("count");
    assert!(total > 10_000_000, "{plan}");
    let (_, stderr) = refused(&["run", p.to_str().expect("utf-8")]);
    assert!(stderr.contains(&format!("holds {total} tiles")), "{stderr}");
    assert!(!work.path().join("out").exists(), "nothing written");
}

#[test]
fn tile_sizes_beyond_the_memory_budget_are_refused() {
    let work = tempfile::tempdir().expect("tempdir");
    let text = common::mndwi_pipeline(
        &sample("olinda/L7_ETMs.tif"),
        &work.path().join("out"),
        "[tiling]\ntile_size = 4096\nzoom = \"0-16\"",
    );
    let p = write_pipeline(work.path(), "big.toml", &text);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(
        stderr.contains("tiling.tile_size") && stderr.contains("1024"),
        "{stderr}"
    );
}
/// Peak resident memory of a command, KiB (getrusage of a fresh Python parent that runs
/// only it).
fn peak_rss_kib(args: &[&str]) -> u64 {
    let bin = assert_cmd::cargo::cargo_bin("aftermath");
    let script = "import resource, subprocess, sys\n\
                  r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n\
                  assert r.returncode == 0, r.stderr.decode()\n\
                  print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    let out = Command::new("python3")
        .args(["-c", script, bin.to_str().expect("utf-8")])
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("KiB")
}

#[test]
fn memory_does_not_grow_with_the_tiles_of_the_shallowest_zoom() {
    let work = tempfile::tempdir().expect("tempdir");
    let rss = |zoom: &str| {
        let name = format!("z{zoom}");
        let out = work.path().join(&name);
        let p = common::olinda_pipeline(
            work.path(),
            &name,
            out.to_str().expect("utf-8"),
            common::MNDWI_RAMP,
            zoom,
            "products = false",
        );
        peak_rss_kib(&["run", p.to_str().expect("utf-8"), "--threads", "2"])
    };
    // Olinda at zooms 16-17: 300+ tiles at 16, 1200+ at 17; each zoom-16 tile is a root of its own in
    // the first run and below one root in the second. Before, a run held every root's
    // values (256 KiB each) until the end.
    let shallow = rss("16-17");
    let deep = rss("0-17");
    assert!(
        (shallow as f64) <= 1.25 * deep as f64,
        "peak RSS {shallow} KiB for zooms 16-17 vs {deep} KiB for 0-17"
    );
}
