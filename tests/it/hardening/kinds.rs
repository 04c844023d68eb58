//! Issue 13, errors by action: every failure says what the caller can do (`kind` in `--json`),
//! and the exit code follows — a network blip or a 5xx answer is worth retrying (1), a bad
//! input or refused credentials are not (2).

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;

use super::stops::{dying_store, read_request, run_into, Dies};
use crate::common;

/// The `--json` failure document of a finished command, and its exit code.
fn failure(output: std::process::Output) -> (i32, serde_json::Value) {
    let code = output.status.code().expect("an exit code");
    (code, common::json_of(&output.stdout))
}

/// A 127.0.0.1 HTTP server answering every request with `status` (e.g. `503 Service
/// Unavailable`); its base URL.
fn answering(status: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                while read_request(&mut stream).is_some() {
                    let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// `aftermath --json validate` of MNDWI over a scene at `location` (a GDAL path).
fn validate_remote(dir: &Path, location: &str) -> (i32, serde_json::Value) {
    let text = format!(
        "[scenes.post]\nfile = \"{location}\"\n[scenes.post.bands]\ngreen = 2\nswir1 = 5\n\
         [product]\nindex = \"mndwi\"\n{}\n[output]\nurl = \"{}\"\n",
        common::MNDWI_RAMP,
        dir.join("out").display()
    );
    let p = common::write_pipeline(dir, "remote.toml", &text);
    let output = common::aftermath()
        .args(["--json", "validate", p.to_str().expect("utf-8")])
        .env("GDAL_HTTP_MAX_RETRY", "0")
        .output()
        .expect("runs");
    failure(output)
}

#[test]
fn a_remote_scene_that_answers_503_or_cannot_be_reached_is_transient_and_a_404_is_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unavailable = format!(
        "/vsicurl/{}/scene.tif",
        answering("503 Service Unavailable")
    );
    let (code, doc) = validate_remote(dir.path(), &unavailable);
    assert_eq!(
        (code, doc["kind"].as_str()),
        (1, Some("transient")),
        "{doc}"
    );
    assert!(doc["error"].as_str().unwrap_or("").contains("503"), "{doc}");

    let port = common::garage::free_port();
    let refused = format!("/vsicurl/http://127.0.0.1:{port}/scene.tif");
    let (code, doc) = validate_remote(dir.path(), &refused);
    assert_eq!(
        (code, doc["kind"].as_str()),
        (1, Some("transient")),
        "{doc}"
    );

    let missing = format!("/vsicurl/{}/scene.tif", answering("404 Not Found"));
    let (code, doc) = validate_remote(dir.path(), &missing);
    assert_eq!((code, doc["kind"].as_str()), (2, Some("input")), "{doc}");
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn a_store_answering_503_to_the_writability_check_is_transient_exit_1() {
    let work = tempfile::tempdir().expect("tempdir");
    let endpoint = dying_store(0, Dies::Refusing);
    let output = run_into(work.path(), &endpoint).output().expect("runs");
    let (code, doc) = failure(output);
    assert_eq!(
        (code, doc["kind"].as_str()),
        (1, Some("transient")),
        "{doc}"
    );
    assert_eq!(doc["status"], "error", "{doc}");
    let message = doc["error"].as_str().unwrap_or("");
    assert!(message.contains("not writable"), "{doc}");
    assert!(!message.contains("test-secret"), "{doc}");
}
