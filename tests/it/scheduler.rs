//! What a scheduler relies on: exit codes, `--json` documents on stdout (logs on stderr), and
//! stopping: SIGTERM/SIGINT stop the run with 143/130 and no completion marker (`run.json`),
//! SIGKILL leaves no marker either, and `--resume` then completes the job with the output of an
//! uninterrupted run.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The Olinda MNDWI pipeline into `out` over `zoom`.
fn olinda(dir: &Path, out: &Path, zoom: &str) -> PathBuf {
    let url = out.to_str().expect("utf-8");
    olinda_pipeline(dir, "olinda", url, MNDWI_RAMP, zoom, "")
}

#[test]
fn run_json_is_one_document_whose_counts_match_the_files_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), &out, "11-14");
    let done = aftermath()
        .env("RUST_LOG", "info")
        .args(["run", p.to_str().expect("utf-8"), "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let doc = json_of(&done.stdout);
    assert!(!done.stderr.is_empty(), "logs go to stderr");
    assert_eq!(doc["status"], "complete");
    assert_eq!(doc["exit_code"], 0);

    // Counted independently: the PNG files per zoom folder and their sizes on disk.
    let written = files(&out);
    let mut per_zoom: BTreeMap<String, u64> = BTreeMap::new();
    let mut bytes = 0u64;
    for (key, data) in &written {
        if key.ends_with(".png") && key.matches('/').count() == 2 {
            *per_zoom
                .entry(key.split('/').next().expect("zoom").into())
                .or_default() += 1;
            bytes += data.len() as u64;
        }
    }
    let reported: BTreeMap<String, u64> = doc["tiles"]["per_zoom"]
        .as_object()
        .expect("per_zoom")
        .iter()
        .map(|(z, n)| (z.clone(), n.as_u64().expect("count")))
        .collect();
    assert_eq!(reported, per_zoom);
    assert_eq!(doc["tiles"]["written"], per_zoom.values().sum::<u64>());
    assert_eq!(doc["tiles"]["bytes"], bytes);
    assert_eq!(doc["tiles"]["failed"], 0);
    assert_eq!(
        (doc["zooms"]["min"].as_u64(), doc["zooms"]["max"].as_u64()),
        (Some(11), Some(14))
    );
    assert!(doc["seconds"]["total"].as_f64().expect("seconds") > 0.0);

    // Every URL it names is a file that exists.
    let local = |url: &serde_json::Value| {
        let url = url.as_str().expect("url");
        PathBuf::from(url.strip_prefix("file://").expect("file URL"))
    };
    assert!(local(&doc["urls"]["tilejson"]).is_file());
    assert!(local(&doc["urls"]["run_record"]).is_file());
    let products = doc["urls"]["products"].as_object().expect("products");
    assert!(products.contains_key("index.tif"), "{products:?}");
    for url in products.values() {
        assert!(local(url).is_file(), "{url}");
    }
}

#[test]
fn plan_json_counts_at_least_the_tiles_a_run_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), &out, "11-14");
    let plan = aftermath()
        .args(["plan", p.to_str().expect("utf-8"), "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let plan = json_of(&plan.stdout);
    assert!(!out.exists(), "plan touches no output");
    let run = aftermath()
        .args(["run", p.to_str().expect("utf-8"), "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let run = json_of(&run.stdout);
    let mut total = 0;
    for z in 11..=14 {
        let planned = plan["tiles"]["per_zoom"][z.to_string()]
            .as_u64()
            .expect("planned");
        let written = run["tiles"]["per_zoom"][z.to_string()]
            .as_u64()
            .expect("written");
        assert!(
            written <= planned && written > 0,
            "zoom {z}: {written} of {planned}"
        );
        total += planned;
    }
    assert_eq!(plan["tiles"]["total"], total);
    assert_eq!(plan["bounds"], run["bounds"]);
}

#[test]
fn errors_exit_2_with_a_json_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-pipeline.toml");
    for command in ["run", "plan", "validate"] {
        let failed = aftermath()
            .args([command, missing.to_str().expect("utf-8"), "--json"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let doc = json_of(&failed.stdout);
        assert_eq!(doc["status"], "error");
        assert_eq!(doc["exit_code"], 2);
        let message = doc["error"].as_str().expect("message");
        assert!(
            message.contains("no-such-pipeline.toml"),
            "{command}: {message}"
        );
    }
    // A bad flag is a usage error: 2, from the argument parser.
    aftermath().args(["run", "--no-such-flag"]).assert().code(2);
}

/// Starts a long run (Olinda up to zoom 17 on one thread: about 1500 tiles) in the
/// background.
fn start_long_run(pipeline: &Path, extra: &[&str]) -> Child {
    let binary = assert_cmd::cargo::cargo_bin("aftermath");
    Command::new(binary)
        .env("RUST_LOG", "warn")
        .args([
            "run",
            pipeline.to_str().expect("utf-8"),
            "--threads",
            "1",
            "--json",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start aftermath")
}

/// Files under `dir`, counted by name only (a running process renames them meanwhile).
fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                let path = e.path();
                if path.is_dir() {
                    count_files(&path)
                } else {
                    1
                }
            })
            .sum()
    })
}

/// Waits until `count` tiles of `zoom` are in `out`, so a signal lands mid-run.
fn wait_for_tiles(out: &Path, zoom: u8, count: usize) {
    let started = Instant::now();
    loop {
        let n = count_files(&out.join(zoom.to_string()));
        if n >= count {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {n} tiles after 2 min"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(child: &Child, signal: &str) {
    let pid = child.id().to_string();
    sh("kill", &[&format!("-{signal}"), &pid]);
}

/// Asserts `out` holds what an uninterrupted run wrote (`clean`): the same objects with the
/// same bytes, but for `run.json` and `item.json`, which carry the time of the run.
fn assert_same_output(out: &Path, clean: &BTreeMap<String, Vec<u8>>) {
    let now = dir_objects(out);
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &now {
        if key != "run.json" && key != "item.json" {
            assert!(
                bytes == &clean[key],
                "{key} differs from the uninterrupted run's"
            );
        }
    }
}

/// An uninterrupted run's output in `out` (then removed, so the next run starts from
/// nothing at the same URL: the documents name their own URLs).
fn clean_run(p: &Path, out: &Path) -> BTreeMap<String, Vec<u8>> {
    aftermath()
        .args(["run", p.to_str().expect("utf-8"), "--threads", "2"])
        .assert()
        .success();
    let clean = dir_objects(out);
    std::fs::remove_dir_all(out).expect("remove");
    clean
}

fn resume(p: &Path) -> serde_json::Value {
    let done = aftermath()
        .args(["run", p.to_str().expect("utf-8"), "--resume", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    json_of(&done.stdout)
}

#[test]
fn sigterm_stops_with_143_and_no_marker_and_resume_completes_the_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), &out, "11-17");
    let clean = clean_run(&p, &out);
    let planned = clean.keys().filter(|k| k.starts_with("17/")).count();

    let child = start_long_run(&p, &[]);
    wait_for_tiles(&out, 17, 20);
    kill(&child, "TERM");
    let stopped = child.wait_with_output().expect("wait");
    assert_eq!(
        stopped.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    let doc = json_of(&stopped.stdout);
    assert_eq!(
        (doc["status"].as_str(), doc["signal"].as_str()),
        (Some("interrupted"), Some("SIGTERM"))
    );
    assert!(!out.join("run.json").exists(), "no completion marker");
    let partial = dir_objects(&out);
    let done = partial.keys().filter(|k| k.starts_with("17/")).count();
    assert!(done < planned, "stopped part-way: {done} of {planned}");
    // What was written is whole: every tile is a PNG of the uninterrupted run's bytes.
    for (key, bytes) in partial.iter().filter(|(k, _)| k.starts_with("17/")) {
        assert!(
            bytes == &clean[key],
            "{key} is the uninterrupted run's tile"
        );
    }

    let doc = resume(&p);
    assert_eq!(doc["status"], "complete");
    assert!(doc["objects"]["unchanged"].as_u64().expect("unchanged") >= done as u64);
    assert_same_output(&out, &clean);
}

#[test]
fn sigint_stops_with_130() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), &out, "11-17");
    let child = start_long_run(&p, &[]);
    wait_for_tiles(&out, 17, 20);
    kill(&child, "INT");
    let stopped = child.wait_with_output().expect("wait");
    assert_eq!(stopped.status.code(), Some(130));
    assert_eq!(json_of(&stopped.stdout)["signal"], "SIGINT");
    assert!(!out.join("run.json").exists(), "no completion marker");
}

#[test]
fn sigkill_part_way_then_resume_gives_the_uninterrupted_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), &out, "11-17");
    let clean = clean_run(&p, &out);

    let mut child = start_long_run(&p, &[]);
    wait_for_tiles(&out, 17, 40);
    kill(&child, "KILL");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), None, "killed by a signal");
    assert!(!out.join("run.json").exists(), "no completion marker");
    assert!(dir_objects(&out).len() < clean.len(), "killed part-way");

    let doc = resume(&p);
    assert_eq!(doc["status"], "complete");
    assert_same_output(&out, &clean);
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_and_never_in_logs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let p = olinda(dir.path(), &out, "10-16");
    let p_text = p.to_str().expect("utf-8");
    let plan = aftermath()
        .args(["plan", p_text, "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let total = json_of(&plan.stdout)["tiles"]["total"]
        .as_u64()
        .expect("total");

    // Under a pseudo-terminal (util-linux `script`), as an analyst at a shell.
    let binary = assert_cmd::cargo::cargo_bin("aftermath");
    let command = format!("{} run {p_text} --threads 1", binary.display());
    let tty = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run under script");
    assert!(tty.status.success());
    let screen = String::from_utf8_lossy(&tty.stdout);
    assert!(
        screen.contains(&format!("/{total} tiles")),
        "a bar counting to the planned {total} tiles:\n{screen}"
    );

    // Redirected, as a scheduler runs it: logs only.
    std::fs::remove_dir_all(&out).expect("remove");
    let logged = aftermath()
        .env("RUST_LOG", "info")
        .args(["run", p_text, "--threads", "1"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&logged.stderr);
    assert!(
        !stderr.contains(" tiles  ") && !stderr.contains('\r'),
        "{stderr}"
    );
}
