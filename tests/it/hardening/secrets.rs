//! Credentials are never printed or published.

use std::io::{Read, Write};
use std::net::TcpListener;

use super::common::{self, aftermath};
use super::refused;

#[test]
fn credentials_in_the_pipeline_file_are_refused_without_echoing_them() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(
        work.path(),
        "secret",
        "s3://bucket/x",
        common::MNDWI_RAMP,
        "10-11",
        "[output.options]\naws_region = \"eu-west-1\"\naws_secret_access_key = \"wJalrXUtnFEMIK7MDENG\"",
    );
    for command in ["validate", "run"] {
        let (stdout, stderr) = refused(&["--json", command, p.to_str().expect("utf-8")]);
        assert!(
            stderr.contains("output.options.aws_secret_access_key")
                && stderr.contains("put credentials in the environment or --store-opt"),
            "{stderr}"
        );
        assert!(!format!("{stdout}{stderr}").contains("wJalrXUtnFEMIK7MDENG"));
    }
}

#[test]
fn userinfo_in_the_output_url_is_refused_and_never_echoed() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(
        work.path(),
        "p",
        work.path().join("out").to_str().expect("utf-8"),
        common::MNDWI_RAMP,
        "10-11",
        "",
    );
    let (stdout, stderr) = refused(&[
        "--json",
        "run",
        p.to_str().expect("utf-8"),
        "--output",
        "s3://AKIAKEYID:TOPSECRETVALUE@bucket/x",
    ]);
    assert!(
        stderr.contains("--output") && stderr.contains("user name or password"),
        "{stderr}"
    );
    for secret in ["TOPSECRETVALUE", "AKIAKEYID"] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}{stderr}"
        );
    }
}

/// An S3 endpoint that answers every request with 403 and a body that echoes the request's
/// headers (as some proxies and test servers do). Serves `requests` requests, then stops.
fn echoing_endpoint(requests: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let head = String::from_utf8_lossy(&got);
            let head = head.split("\r\n\r\n").next().unwrap_or_default();
            let body = format!(
                "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>denied: {}</Message></Error>",
                head.replace("\r\n", "\n")
            );
            let _ = write!(
                stream,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, handle)
}

#[test]
fn a_server_echoing_request_headers_does_not_leak_the_session_token() {
    let work = tempfile::tempdir().expect("tempdir");
    let p = common::olinda_pipeline(
        work.path(),
        "p",
        "s3://bucket/x",
        common::MNDWI_RAMP,
        "10-11",
        "",
    );
    let (endpoint, server) = echoing_endpoint(16);
    let out = aftermath()
        .args(["--json", "run", p.to_str().expect("utf-8")])
        .args(["--store-opt", &format!("aws_endpoint={endpoint}")])
        .args(["--store-opt", "aws_allow_http=true"])
        .env("AWS_ACCESS_KEY_ID", "AKIAECHOTEST")
        .env("AWS_SECRET_ACCESS_KEY", "echo-secret-access-key-value")
        .env("AWS_SESSION_TOKEN", "FQoGZXIvYXdzSESSIONTOKEN")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("runs");
    drop(server);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(0), "{all}");
    // The body came back (the test can see it) but without the credentials in it.
    assert!(all.contains("AccessDenied"), "{all}");
    for secret in [
        "FQoGZXIvYXdzSESSIONTOKEN",
        "echo-secret-access-key-value",
        "Signature=",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}
