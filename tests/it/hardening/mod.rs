//! Hardening (issue 12): nothing a user can write takes the host down, leaks a secret, loses
//! data or lies about completion. Each module reproduces one class of defect as a test.

use crate::common;

mod crashes;
mod geometry;
mod kinds;
mod limits;
mod marker;
mod messages;
mod poles;
mod secrets;
mod stops;
mod urls;
mod values;

/// Writes `text` as the pipeline `dir/name` and runs it, which must succeed; returns its path.
fn run_ok(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = common::write_pipeline(dir, name, text);
    common::aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    p
}

/// Runs aftermath with `args`; asserts it exits 2 (bad usage or input: fix it, do not retry)
/// without panicking, and returns (stdout, stderr).
fn refused(args: &[&str]) -> (String, String) {
    refused_with(args, &[])
}

/// [`refused`] with environment variables set for the process.
fn refused_with(args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let mut cmd = common::aftermath();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("aftermath runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} (a panic is 101, a crash has no code): {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}
