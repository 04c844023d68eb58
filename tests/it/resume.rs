//! `--resume`: objects already holding the same content are left alone (compared by content,
//! not existence), stale or missing ones are rewritten, and a finished job that has not
//! changed writes nothing — on a local directory and on a real S3 server (Garage).

use crate::common;

use std::path::Path;

use common::garage::{self, Garage};
use common::*;

fn run(pipeline_file: &Path, out: &str, extra: &[String]) -> String {
    let mut args = vec![
        "run".to_string(),
        pipeline_file.display().to_string(),
        "--output".into(),
        out.to_string(),
        "--zoom".into(),
        "10-13".into(),
    ];
    args.extend(extra.iter().cloned());
    let done = aftermath()
        .args(&args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8_lossy(&done.stdout).into_owned()
}

/// (written, already in place) from the summary's `objects:` line.
fn summary_objects(stdout: &str) -> (u64, u64) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("objects:"))
        .expect("objects line");
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn resume_rewrites_only_what_differs_locally() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out_text = out.to_str().expect("utf-8");
    let p = pipeline("olinda-water.toml");
    run(&p, out_text, &[]);
    let first = snapshot(&out);
    assert!(first.contains_key("run.json"));

    // A finished, unchanged job: nothing written, not even run.json.
    let stdout = run(&p, out_text, &["--resume".into()]);
    assert_eq!(summary_objects(&stdout).0, 0, "{stdout}");
    assert!(snapshot(&out) == first, "every file untouched");

    // One tile corrupted, one deleted: exactly those come back, the rest stay untouched.
    let tiles: Vec<&String> = first.keys().filter(|k| k.starts_with("13/")).collect();
    let (corrupt, deleted) = (tiles[0].clone(), tiles[1].clone());
    std::fs::write(out.join(&corrupt), b"not a png").expect("corrupt");
    std::fs::remove_file(out.join(&deleted)).expect("delete");
    let stdout = run(&p, out_text, &["--resume".into()]);
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        first.keys().collect::<Vec<_>>()
    );
    for (key, (modified, bytes)) in &after {
        // item.json and run.json carry the time of the run.
        if key != "item.json" && key != "run.json" {
            assert!(
                bytes == &first[key].1,
                "{key} has the content of a clean run"
            );
        }
        // item.json carries the run's time to the second: rewritten only if that changed.
        if key == "item.json" {
            continue;
        }
        let rewritten = modified != &first[key].0;
        let expected = key == &corrupt || key == &deleted || key == "run.json";
        assert_eq!(rewritten, expected, "{key} rewritten: {rewritten}");
    }
    let (written, in_place) = summary_objects(&stdout);
    assert!(
        (3..=4).contains(&written),
        "two tiles, run.json and perhaps item.json: {stdout}"
    );
    assert!(in_place as usize >= first.len() - 4, "{stdout}");

    // Without --resume everything is written again.
    let stdout = run(&p, out_text, &[]);
    assert_eq!(summary_objects(&stdout).1, 0, "{stdout}");
}

#[test]
fn resume_compares_content_on_s3() {
    require!(Tool::Garage);
    let server = Garage::start();
    let url = format!("s3://{}/olinda", garage::BUCKET);
    let p = pipeline("olinda-water.toml");
    let first = run(&p, &url, &server.store_args());
    let (written, _) = summary_objects(&first);
    assert!(written > 20, "{first}");
    let mut args = server.store_args();
    args.push("--resume".into());
    let again = run(&p, &url, &args);
    // Everything but item.json and run.json (left as they were, not rewritten) is compared.
    assert_eq!(summary_objects(&again), (0, written - 2), "{again}");

    // A stale tile (same key, other bytes) is found by its content hash and rewritten.
    let config = server.store_config(None);
    let store = aftermath::store::OutputStore::open_with(&url, &config).expect("store");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let keys = runtime.block_on(store.list()).expect("list");
    let stale = keys.iter().find(|k| k.starts_with("13/")).expect("a tile");
    let good = runtime.block_on(store.get(stale)).expect("get");
    runtime
        .block_on(store.put(stale, bytes::Bytes::from_static(b"stale"), "image/png"))
        .expect("overwrite");
    let third = run(&p, &url, &args);
    // The tile and run.json, and item.json unless its second-resolution time is unchanged.
    let written = summary_objects(&third).0;
    assert!((2..=3).contains(&written), "{third}");
    assert_eq!(runtime.block_on(store.get(stale)).expect("get"), good);
}
