//! Completion that does not lie: a run over a finished output removes the old `run.json`
//! before writing, removes what it no longer produces, and finalize refuses shards of
//! different pipelines.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::{self, aftermath, sh, tile_set, MNDWI_RAMP};

fn olinda(dir: &Path, name: &str, out: &Path, zoom: &str, render: &str) -> std::path::PathBuf {
    common::olinda_pipeline(dir, name, out.to_str().expect("utf-8"), render, zoom, "")
}

#[test]
fn a_changed_run_stopped_part_way_leaves_no_old_completion_marker() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let first = olinda(work.path(), "first", &out, "10-12", MNDWI_RAMP);
    aftermath()
        .args(["run", first.to_str().expect("utf-8")])
        .assert()
        .success();
    assert!(out.join("run.json").exists());
    // The same output, another pipeline: deeper zooms, another ramp.
    let second = olinda(
        work.path(),
        "second",
        &out,
        "10-17",
        "[render]\nramp = \"viridis\"\nrange = [-0.5, 0.5]",
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("aftermath"))
        .env("RUST_LOG", "warn")
        .args(["run", second.to_str().expect("utf-8"), "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let started = Instant::now();
    while tile_count(&out.join("17")) < 20 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no zoom-17 tiles"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    sh("kill", &["-TERM", &child.id().to_string()]);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(143));
    assert!(
        !out.join("run.json").exists(),
        "the first run's run.json says complete over the second run's half-written tiles"
    );
}

fn tile_count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |e| {
        e.flatten()
            .map(|d| std::fs::read_dir(d.path()).map_or(0, |f| f.count()))
            .sum()
    })
}

#[test]
fn a_run_over_an_output_removes_what_it_no_longer_produces_and_nothing_else() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let deep = olinda(work.path(), "deep", &out, "10-13", MNDWI_RAMP);
    aftermath()
        .args(["run", deep.to_str().expect("utf-8")])
        .assert()
        .success();
    let before = tile_set(&out);
    let z13: Vec<&String> = before.iter().filter(|k| k.starts_with("13/")).collect();
    assert!(!z13.is_empty());
    std::fs::write(out.join("notes.txt"), "the analyst's own file").expect("write");
    // Shallower zooms, no products, into the same output, without --resume.
    let shallow = common::olinda_pipeline(
        work.path(),
        "shallow",
        out.to_str().expect("utf-8"),
        MNDWI_RAMP,
        "10-12",
        "products = false",
    );
    aftermath()
        .args(["run", shallow.to_str().expect("utf-8")])
        .assert()
        .success();
    let after = tile_set(&out);
    assert!(
        after.iter().all(|k| !k.starts_with("13/")),
        "zoom-13 tiles still served"
    );
    assert_eq!(
        after,
        before
            .iter()
            .filter(|k| !k.starts_with("13/"))
            .cloned()
            .collect(),
    );
    for product in ["index.tif", "stats.json", "polygons.geojson"] {
        assert!(
            !out.join(product).exists(),
            "{product} of the first run still there"
        );
    }
    assert!(
        out.join("notes.txt").exists(),
        "a file aftermath did not write was removed"
    );
    let record: serde_json::Value = common::read_json(out.join("run.json"));
    let removed = record["removed"].as_array().expect("removed list");
    let removed_tiles = removed
        .iter()
        .filter(|k| k.as_str().is_some_and(|k| k.starts_with("13/")))
        .count();
    assert_eq!(removed_tiles, z13.len(), "{record}");
    assert!(removed.iter().any(|k| k == "index.tif"), "{record}");
}

#[test]
fn finalize_refuses_shards_built_from_different_pipelines() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let a = olinda(work.path(), "a", &out, "8-13", MNDWI_RAMP);
    let b = olinda(
        work.path(),
        "b",
        &out,
        "8-13",
        "[render]\nramp = \"viridis\"\nrange = [-0.5, 0.5]",
    );
    aftermath()
        .args(["run", a.to_str().expect("utf-8"), "--shard", "0/2"])
        .assert()
        .success();
    aftermath()
        .args(["run", b.to_str().expect("utf-8"), "--shard", "1/2"])
        .assert()
        .success();
    let outcome = aftermath()
        .args(["finalize", a.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    assert_eq!(outcome.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("shard(s) 1 of 2") && stderr.contains("different pipeline"),
        "{stderr}"
    );
    assert!(!out.join("run.json").exists());
}
