//! Sharded jobs: N processes (`run --shard I/N`), then `finalize`, give exactly the objects of
//! one unsharded run — on a real S3 server (Garage) with the shards running concurrently — and
//! the plan, the index from the scheduler's environment and an early finalize behave.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aftermath::store::OutputStore;
use common::garage::{self, Garage};
use common::*;

/// The Olinda MNDWI pipeline (tiles and products) over zooms 10–15, into `url`.
fn olinda(dir: &Path, url: &str) -> PathBuf {
    olinda_pipeline(dir, "olinda", url, MNDWI_RAMP, "10-15", "")
}

fn garage_store(server: &Garage, url: &str) -> OutputStore {
    OutputStore::open_with(url, &server.store_config(None)).expect("open store")
}

#[test]
fn four_concurrent_shards_then_finalize_equal_one_run_on_s3() {
    require!(Tool::Garage);
    let server = Garage::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("s3://{}/sharded-job", garage::BUCKET);
    let p = olinda(dir.path(), &url);
    let p_text = p.to_str().expect("utf-8");
    let store = garage_store(&server, &url);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    // One unsharded run; its objects are kept, then removed, so the sharded job writes to
    // the same URL (the documents name their own URLs).
    aftermath()
        .args(["run", p_text])
        .args(server.store_args())
        .assert()
        .success();
    let single = runtime.block_on(store_objects(&store));
    assert!(single.contains_key("run.json") && single.contains_key("index.tif"));
    for key in single.keys() {
        runtime.block_on(store.delete(key)).expect("delete");
    }
    assert!(runtime.block_on(store.list()).expect("list").is_empty());

    // Four shard processes at once, as an Indexed Job runs them.
    let binary = assert_cmd::cargo::cargo_bin("aftermath");
    let shards: Vec<_> = (0..4)
        .map(|i| {
            Command::new(&binary)
                .env("RUST_LOG", "warn")
                .args(["run", p_text, "--shard", &format!("{i}/4"), "--json"])
                .args(server.store_args())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start shard")
        })
        .collect();
    let mut shard_tiles = 0;
    for (i, child) in shards.into_iter().enumerate() {
        let done = child.wait_with_output().expect("wait");
        assert!(
            done.status.success(),
            "shard {i}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        let doc = json_of(&done.stdout);
        assert_eq!(doc["status"], "shard_complete", "shard {i}");
        assert_eq!(doc["shard"]["index"], i);
        let written = doc["tiles"]["written"].as_u64().expect("written");
        assert!(written > 0, "shard {i} wrote tiles");
        shard_tiles += written;
    }
    let before = runtime.block_on(store.list()).expect("list");
    assert!(
        !before.contains(&"run.json".to_string()),
        "no marker before finalize"
    );

    let done = aftermath()
        .args(["finalize", p_text, "--json"])
        .args(server.store_args())
        .assert()
        .success()
        .get_output()
        .clone();
    let doc = json_of(&done.stdout);
    assert_eq!(doc["status"], "complete");
    let sharded = runtime.block_on(store_objects(&store));

    assert_eq!(
        sharded.keys().collect::<Vec<_>>(),
        single.keys().collect::<Vec<_>>(),
        "the same objects, and nothing of the shards' left"
    );
    for (key, bytes) in &sharded {
        // run.json and item.json carry the time of the run.
        if key != "run.json" && key != "item.json" {
            assert!(
                bytes == &single[key],
                "{key} differs from the unsharded run's"
            );
        }
    }
    // The summary counts every tile: the shards' and finalize's own.
    let tiles = single
        .keys()
        .filter(|k| k.ends_with(".png") && k.matches('/').count() == 2)
        .count() as u64;
    assert_eq!(doc["tiles"]["written"], tiles);
    assert!(
        shard_tiles < tiles,
        "finalize built the zooms above the shards'"
    );
}

#[test]
fn the_plan_lists_balanced_shards_that_cover_the_zooms_below_the_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), out.to_str().expect("utf-8"));
    let plan = aftermath()
        .args([
            "plan",
            p.to_str().expect("utf-8"),
            "--shards",
            "4",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let plan = json_of(&plan.stdout);
    let shards = &plan["shards"];
    let zoom = shards["shard_zoom"].as_u64().expect("shard zoom");
    let per_zoom = plan["tiles"]["per_zoom"].as_object().expect("per zoom");
    // The shallowest zoom with at least 4 tiles per shard (16).
    let count_at = |z: u64| per_zoom[&z.to_string()].as_u64().expect("count");
    assert!(count_at(zoom) >= 16 && count_at(zoom - 1) < 16, "{plan}");
    assert_eq!(shards["finalize_zooms"], serde_json::json!([10, zoom - 1]));
    let below: u64 = (zoom..=15).map(count_at).sum();
    let list = shards["shards"].as_array().expect("shards");
    assert_eq!(list.len(), 4);
    let tiles: Vec<u64> = list
        .iter()
        .map(|s| s["tiles"].as_u64().expect("tiles"))
        .collect();
    assert_eq!(tiles.iter().sum::<u64>(), below, "disjoint and complete");
    let (lo, hi) = (tiles.iter().min().copied(), tiles.iter().max().copied());
    assert!(
        hi.unwrap_or(0) as f64 <= lo.unwrap_or(0) as f64 * 1.5,
        "balanced: {tiles:?}"
    );
}

#[test]
fn the_shard_index_comes_from_the_scheduler_and_finalize_waits_for_every_shard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), out.to_str().expect("utf-8"));
    let p_text = p.to_str().expect("utf-8");
    // Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX; AWS Batch AWS_BATCH_JOB_ARRAY_INDEX.
    for (variable, index) in [
        ("JOB_COMPLETION_INDEX", 1),
        ("AWS_BATCH_JOB_ARRAY_INDEX", 2),
    ] {
        let done = aftermath()
            .env(variable, index.to_string())
            .args(["run", p_text, "--shard", "/3", "--json"])
            .assert()
            .success()
            .get_output()
            .clone();
        assert_eq!(json_of(&done.stdout)["shard"]["index"], index, "{variable}");
    }
    // Shard 0 has not run: finalize refuses, names it, exits 1 and writes no run.json.
    let failed = aftermath()
        .args(["finalize", p_text, "--json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json_of(&failed.stdout);
    assert!(
        doc["error"]
            .as_str()
            .expect("error")
            .contains("shard(s) 0 of 3"),
        "{doc}"
    );
    assert!(!out.join("run.json").exists());
    // Without an index anywhere, --shard /N is a usage error.
    aftermath()
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .args(["run", p_text, "--shard", "/3"])
        .assert()
        .code(2);
    aftermath()
        .args(["run", p_text, "--shard", "3/3"])
        .assert()
        .code(2);
    // The last shard, then finalize: complete.
    aftermath()
        .args(["run", p_text, "--shard", "0/3"])
        .assert()
        .success();
    aftermath().args(["finalize", p_text]).assert().success();
    assert!(out.join("run.json").exists());
    assert!(!out.join("_shards").join("done-0-of-3.json").exists());
}
