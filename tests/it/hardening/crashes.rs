//! Inputs that crashed (stack overflows, panics, unbounded reads) exit 2 or 1 with a message.

use std::path::Path;
use std::process::{Command, Stdio};

use super::common::{self, write_pipeline, MNDWI_RAMP};
use super::{refused, refused_with};

fn expression_pipeline(dir: &Path, expression: &str) -> std::path::PathBuf {
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\n[scenes.post.bands]\ngreen = 2\nswir1 = 5\n\
         [product]\nexpression = \"{expression}\"\n{MNDWI_RAMP}\n[output]\nurl = \"{}\"\n",
        common::sample("olinda/L7_ETMs.tif").display(),
        dir.join("out").display()
    );
    write_pipeline(dir, "expr.toml", &text)
}

#[test]
fn huge_and_deeply_nested_expressions_are_refused_at_parse_time() {
    let work = tempfile::tempdir().expect("tempdir");
    let long = vec!["post.green"; 5000].join(" + ");
    let p = expression_pipeline(work.path(), &long);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(stderr.contains("more than 1000"), "{stderr}");
    let nested = format!("{}post.green{}", "(".repeat(100_000), ")".repeat(100_000));
    let p = expression_pipeline(work.path(), &nested);
    let (_, stderr) = refused(&["validate", p.to_str().expect("utf-8")]);
    assert!(stderr.contains("product.expression"), "{stderr}");
}

#[test]
fn malformed_endpoints_and_header_values_exit_2_instead_of_panicking() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(work.path(), "s3", "s3://bucket/x", MNDWI_RAMP, "10", "");
    let p = p.to_str().expect("utf-8");
    for endpoint in ["not a url", "", "http://127.0.0.1:99999", "ftp://127.0.0.1"] {
        let opt = format!("aws_endpoint={endpoint}");
        let (_, stderr) = refused(&["run", p, "--store-opt", &opt]);
        assert!(stderr.contains("aws_endpoint"), "{stderr}");
    }
    refused_with(&["run", p], &[("AWS_ENDPOINT_URL", "::garbage")]);
    let cc = common::olinda_pipeline(
        work.path(),
        "cc",
        work.path().join("out").to_str().expect("utf-8"),
        MNDWI_RAMP,
        "10",
        "cache_control = \"public\\r\\nX-Injected: 1\"",
    );
    let (_, stderr) = refused(&["validate", cc.to_str().expect("utf-8")]);
    assert!(stderr.contains("output.cache_control"), "{stderr}");
}

#[test]
fn absurd_thread_counts_and_endless_pipeline_files_are_usage_errors() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(
        work.path(),
        "p",
        work.path().join("out").to_str().expect("utf-8"),
        MNDWI_RAMP,
        "10",
        "",
    );
    let (_, stderr) = refused(&[
        "run",
        p.to_str().expect("utf-8"),
        "--threads",
        "99999999999",
    ]);
    assert!(stderr.contains("--threads"), "{stderr}");
    let started = std::time::Instant::now();
    let (_, stderr) = refused(&["validate", "/dev/zero"]);
    assert!(
        stderr.contains("/dev/zero") && stderr.contains("larger than"),
        "{stderr}"
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "read far more than the limit"
    );
}

#[test]
fn a_full_stdout_after_a_completed_run_exits_1_with_a_message() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(
        work.path(),
        "p",
        work.path().join("out").to_str().expect("utf-8"),
        MNDWI_RAMP,
        "10-11",
        "products = false",
    );
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(assert_cmd::cargo::cargo_bin("aftermath"))
        .env("RUST_LOG", "warn")
        .args(["run", p.to_str().expect("utf-8")])
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stdout") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
