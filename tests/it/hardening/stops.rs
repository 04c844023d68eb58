//! Item 9: stops that do not take too long. A store that dies part-way ends the run after a
//! few failures in a row (exit 1, every failure listed in `--json`) instead of retrying every
//! tile; SIGTERM with uploads hanging on a dead store exits well inside Kubernetes' 30 s.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use super::common;

/// What the fake S3 endpoint does with tile uploads after the first `ok_puts` PUTs.
#[derive(Clone, Copy)]
pub(super) enum Dies {
    /// Answers 503 Service Unavailable.
    Refusing,
    /// Never answers (the connection stays open).
    Hanging,
}

/// Reads one HTTP request (head and body); returns (method, path).
pub(super) fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let head_end = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        got.extend_from_slice(&buf[..n]);
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = got.len() - head_end;
    while body < length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        body += n;
    }
    let mut first = head.lines().next()?.split_whitespace();
    Some((first.next()?.to_string(), first.next()?.to_string()))
}

/// A 127.0.0.1 S3 endpoint that lists an empty bucket, accepts the first `ok_puts` PUTs and
/// then dies as `dies` says.
pub(super) fn dying_store(ok_puts: usize, dies: Dies) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let puts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let puts = std::sync::Arc::clone(&puts);
            std::thread::spawn(move || {
                while let Some((method, _path)) = read_request(&mut stream) {
                    let reply = match method.as_str() {
                        "GET" => {
                            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
                            format!("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}", body.len())
                        }
                        "DELETE" => "HTTP/1.1 204 No Content\r\n\r\n".to_string(),
                        "PUT" if puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < ok_puts => {
                            "HTTP/1.1 200 OK\r\nETag: \"0\"\r\nContent-Length: 0\r\n\r\n".to_string()
                        }
                        "PUT" => match dies {
                            Dies::Refusing => {
                                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                            }
                            Dies::Hanging => {
                                std::thread::sleep(Duration::from_secs(300));
                                return;
                            }
                        },
                        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
                    };
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Sends SIGTERM to `child` once it has run for `after` (it must still be running) and
/// returns its exit status; fails if it is still running `limit` after the signal.
fn sigterm_after(
    child: &mut std::process::Child,
    after: Duration,
    limit: Duration,
) -> std::process::ExitStatus {
    std::thread::sleep(after);
    assert!(
        child.try_wait().expect("wait").is_none(),
        "it ended by itself"
    );
    let signalled = Instant::now();
    common::sh("kill", &["-TERM", &child.id().to_string()]);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if signalled.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `aftermath --json run` of Olinda MNDWI at zooms 10-15 into the fake store at `endpoint`.
pub(super) fn run_into(work: &std::path::Path, endpoint: &str) -> std::process::Command {
    let p = common::olinda_pipeline(
        work,
        "dying",
        "s3://bucket/x",
        common::MNDWI_RAMP,
        "10-15",
        "products = false",
    );
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("aftermath"));
    cmd.args([
        "--json",
        "run",
        p.to_str().expect("utf-8"),
        "--threads",
        "2",
    ])
    .args(["--store-opt", &format!("aws_endpoint={endpoint}")])
    .args(["--store-opt", "aws_allow_http=true"])
    .env("AWS_ACCESS_KEY_ID", "AKIATEST")
    .env("AWS_SECRET_ACCESS_KEY", "test-secret")
    .env("AWS_REGION", "us-east-1")
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    cmd
}

#[test]
fn a_store_that_dies_part_way_ends_the_run_with_its_failures_listed() {
    let work = tempfile::tempdir().expect("tempdir");
    let endpoint = dying_store(4, Dies::Refusing);
    let out = run_into(work.path(), &endpoint).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON document");
    assert!(
        doc["error"]
            .as_str()
            .is_some_and(|e| e.contains("in a row")),
        "{doc}"
    );
    let failures = doc["failures"].as_array().expect("failures listed");
    // The Olinda sample at zooms 10-15 has over 200 tiles: far fewer were tried.
    assert!(
        (16..100).contains(&failures.len()),
        "{} failures: {doc}",
        failures.len()
    );
    assert!(failures
        .iter()
        .all(|f| f["tile"].is_string() && f["message"].is_string()));
}

#[test]
fn sigterm_with_uploads_hanging_on_a_dead_store_exits_within_kubernetes_grace() {
    let work = tempfile::tempdir().expect("tempdir");
    let endpoint = dying_store(2, Dies::Hanging);
    // Not read while it runs: a full pipe would block it.
    let mut child = run_into(work.path(), &endpoint)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let status = sigterm_after(&mut child, Duration::from_secs(3), Duration::from_secs(25));
    assert_eq!(status.code(), Some(143));
}

#[test]
fn sigterm_during_a_slow_gdal_warp_stops_at_its_next_progress_step() {
    // Synthetic: a sparse 200000² raster (no blocks written, no overviews): each zoom-6 tile
    // makes GDAL's warper read ~10¹⁰ source pixels, minutes of work per tile.
    let work = tempfile::tempdir().expect("tempdir");
    let sparse = work.path().join("synthetic-sparse-200000.tif");
    common::sh(
        "gdal_create",
        &[
            "-q",
            "-of",
            "GTiff",
            "-outsize",
            "200000",
            "200000",
            "-bands",
            "1",
            "-ot",
            "Byte",
            "-co",
            "SPARSE_OK=TRUE",
            "-co",
            "TILED=YES",
            "-a_srs",
            "EPSG:32725",
            "-a_ullr",
            "200000",
            "9200000",
            "800000",
            "8600000",
            sparse.to_str().expect("utf-8"),
        ],
    );
    let out = work.path().join("out");
    let p = common::write_pipeline(
        work.path(),
        "sparse.toml",
        &format!(
            "[scenes.post]\nfile = \"{}\"\nbands = {{ x = 1 }}\n[product]\nexpression = \"post.x\"\n\
             [render]\nramp = \"viridis\"\nrange = [0, 1]\n[tiling]\nzoom = \"6\"\n\
             [output]\nurl = \"{}\"\nproducts = false\n",
            sparse.display(),
            out.display()
        ),
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aftermath"))
        .args(["run", p.to_str().expect("utf-8")])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let status = sigterm_after(&mut child, Duration::from_secs(3), Duration::from_secs(20));
    assert_eq!(status.code(), Some(143));
    assert!(!out.join("run.json").exists());
}

#[test]
fn sigterm_after_the_products_pixel_pass_stops_within_2_s_and_writes_no_product() {
    // Olinda's MNDWI in five classes on a 3 m product grid (3500² pixels, many patches), with
    // zooms 11-17: once the products' pixel pass is done, the sieve, the polygons and the
    // tiles run side by side for seconds. SIGTERM then must end the run within 2 s (issue
    // 15), exit 143, and leave no product behind.
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let classes: String = [(-1.0, -0.3), (-0.3, -0.1), (-0.1, 0.0), (0.0, 0.2), (0.2, 1.0)]
        .iter()
        .enumerate()
        .map(|(i, (min, max))| {
            format!(
                "[[render.classes]]\nname = \"c{i}\"\nmin = {min}\nmax = {max}\ncolor = \"#{:02x}4080\"\n",
                40 * i
            )
        })
        .collect();
    let text = common::mndwi_pipeline(
        &common::sample("olinda/L7_ETMs.tif"),
        &out,
        "[tiling]\nzoom = \"11-17\"",
    )
    .replace(
        "index = \"mndwi\"",
        "index = \"mndwi\"\ngrid = { crs = \"EPSG:31985\", resolution = 3 }",
    )
    .replace("[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]", &classes);
    let p = common::write_pipeline(work.path(), "products.toml", &text);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aftermath"))
        .env("RUST_LOG", "aftermath=info")
        .args(["run", p.to_str().expect("utf-8"), "--threads", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // The log is read to its end on a thread of its own (a full pipe would block the run).
    let stderr = child.stderr.take().expect("stderr");
    let (said, heard) = std::sync::mpsc::channel::<String>();
    let reading = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut log = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            log.push_str(&line);
            log.push('\n');
            let _ = said.send(line);
        }
        log
    });
    let pass_done = heard
        .iter()
        .any(|line| line.contains("step=\"pixels: read, index, classes, areas\""));
    assert!(pass_done, "the pixel pass never ended");
    let status = sigterm_after(&mut child, Duration::ZERO, Duration::from_secs(2));
    let log = reading.join().expect("log");
    assert_eq!(status.code(), Some(143), "{log}");
    for product in [
        "index.tif",
        "classes.tif",
        "polygons.geojson",
        "stats.json",
        "run.json",
    ] {
        assert!(!out.join(product).exists(), "{product} written\n{log}");
    }
}
