//! One storage conformance suite (put, get, list, overwrite, resume, content types,
//! multipart) against every store aftermath writes to — in memory, the local filesystem, a
//! real S3-compatible server (Garage) and the Azure Storage emulator (Azurite), both on
//! 127.0.0.1 — then a whole pipeline published to Garage and read back over plain HTTP as a
//! web map would.

use crate::common;

use aftermath::store::{OutputStore, StoreConfig, MULTIPART_THRESHOLD};
use bytes::Bytes;
use common::azurite::{self, Azurite};
use common::garage::{self, Garage};
use common::*;

/// What every store must do. `keeps_attributes`: whether it stores Content-Type and
/// Cache-Control (object stores do; a local filesystem cannot).
async fn conformance(store: &OutputStore, keeps_attributes: bool) {
    store.check_writable().await.expect("writable");
    let listed = store.list().await.expect("list");
    assert!(listed.is_empty(), "the write probe is removed: {listed:?}");
    store
        .put("3/4/5.png", Bytes::from_static(b"png"), "image/png")
        .await
        .expect("put");
    store
        .put(
            "tilejson.json",
            Bytes::from_static(b"{}"),
            "application/json",
        )
        .await
        .expect("put");
    store
        .put("3/4/5.png", Bytes::from_static(b"png2"), "image/png")
        .await
        .expect("overwrite");
    assert_eq!(
        store.get("3/4/5.png").await.expect("get"),
        Bytes::from_static(b"png2")
    );
    assert_eq!(
        store.list().await.expect("list"),
        vec!["3/4/5.png", "tilejson.json"]
    );
    assert!(
        store.get("missing.png").await.is_err(),
        "a missing key is an error"
    );

    let (content_type, cache_control) = store.media_headers("3/4/5.png").await.expect("head");
    let (json_type, _) = store.media_headers("tilejson.json").await.expect("head");
    if keeps_attributes {
        assert_eq!(content_type.as_deref(), Some("image/png"));
        assert_eq!(json_type.as_deref(), Some("application/json"));
        assert_eq!(cache_control.as_deref(), Some("public, max-age=60"));
    }

    // A multipart upload: three parts, the last short; bytes that differ part to part.
    let big: Vec<u8> = (0..2 * MULTIPART_THRESHOLD + 12345)
        .map(|i| (i % 251) as u8)
        .collect();
    store
        .put("index.tif", Bytes::from(big.clone()), "image/tiff")
        .await
        .expect("multipart put");
    let back = store.get("index.tif").await.expect("get big");
    assert!(
        back.len() == big.len() && back[..] == big[..],
        "multipart round trip"
    );

    // A file streamed from disk (a product COG): five parts, the last short, and a rerun
    // with `--resume` leaves it; a file of one byte more is written again.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("classes.tif");
    let streamed: Vec<u8> = (0..4 * MULTIPART_THRESHOLD + 777)
        .map(|i| (i % 241) as u8)
        .collect();
    std::fs::write(&file, &streamed).expect("write");
    store
        .put_file("classes.tif", &file, "image/tiff")
        .await
        .expect("streamed put");
    let back = store.get("classes.tif").await.expect("get streamed");
    assert!(back[..] == streamed[..], "streamed round trip");
    if keeps_attributes {
        let (media, _) = store.media_headers("classes.tif").await.expect("head");
        assert_eq!(media.as_deref(), Some("image/tiff"));
    }
    let resumed = store.clone().resuming(true);
    let (written, in_place) = resumed.put_counts();
    resumed
        .put_file("classes.tif", &file, "image/tiff")
        .await
        .expect("same file");
    assert_eq!(resumed.put_counts(), (written, in_place + 1));
    let mut longer = streamed.clone();
    longer.push(7);
    std::fs::write(&file, &longer).expect("write");
    resumed
        .put_file("classes.tif", &file, "image/tiff")
        .await
        .expect("changed file");
    assert_eq!(resumed.put_counts(), (written + 1, in_place + 1));
    assert_eq!(
        store.get("classes.tif").await.expect("get").len(),
        longer.len()
    );
    store.delete("classes.tif").await.expect("delete");

    // A scratch file the store takes (a finished product): the object holds its bytes and
    // the scratch file is gone; with `--resume` the same bytes leave the object as it is,
    // other bytes replace it. Large (streamed) and small alike.
    for (key, bytes) in [
        ("taken.tif", &streamed),
        ("taken.json", &streamed[..100].to_vec()),
    ] {
        let taken = dir.path().join(key);
        std::fs::write(&taken, bytes).expect("write");
        store
            .move_file(key, &taken, "image/tiff")
            .await
            .expect("moved");
        assert!(!taken.exists(), "{key}: the scratch file is taken");
        assert!(store.get(key).await.expect("get")[..] == bytes[..], "{key}");
        if keeps_attributes {
            let (media, _) = store.media_headers(key).await.expect("head");
            assert_eq!(media.as_deref(), Some("image/tiff"), "{key}");
        }
        std::fs::write(&taken, bytes).expect("write");
        let (written, in_place) = resumed.put_counts();
        resumed
            .move_file(key, &taken, "image/tiff")
            .await
            .expect("same bytes");
        assert_eq!(resumed.put_counts(), (written, in_place + 1), "{key}: left");
        assert!(!taken.exists(), "{key}: taken when left too");
        let mut other = bytes.clone();
        other.push(7);
        std::fs::write(&taken, &other).expect("write");
        resumed
            .move_file(key, &taken, "image/tiff")
            .await
            .expect("other bytes");
        assert_eq!(
            resumed.put_counts(),
            (written + 1, in_place + 1),
            "{key}: replaced"
        );
        assert_eq!(
            store.get(key).await.expect("get").len(),
            other.len(),
            "{key}"
        );
        store.delete(key).await.expect("delete");
    }

    // Resume: identical content is left alone (by hash or bytes), different content rewritten.
    let resumed = store.clone().resuming(true);
    let (written, in_place) = resumed.put_counts();
    resumed
        .put(
            "tilejson.json",
            Bytes::from_static(b"{}"),
            "application/json",
        )
        .await
        .expect("same content");
    assert_eq!(
        resumed.put_counts(),
        (written, in_place + 1),
        "identical: not written"
    );
    resumed
        .put(
            "tilejson.json",
            Bytes::from_static(b"{\"v\":2}"),
            "application/json",
        )
        .await
        .expect("new content");
    assert_eq!(
        resumed.put_counts(),
        (written + 1, in_place + 1),
        "changed: written"
    );
    assert_eq!(
        store.get("tilejson.json").await.expect("get"),
        Bytes::from_static(b"{\"v\":2}")
    );

    store.delete("3/4/5.png").await.expect("delete");
    store
        .delete("3/4/5.png")
        .await
        .expect("deleting a missing key is fine");
    assert_eq!(
        store.list().await.expect("list"),
        vec!["index.tif", "tilejson.json"]
    );
}

fn with_cache() -> StoreConfig {
    StoreConfig {
        options: Vec::new(),
        cache_control: Some("public, max-age=60".into()),
    }
}

#[tokio::test]
async fn memory_store_conforms() {
    let store = OutputStore::open_with("memory://run/a", &with_cache()).expect("memory");
    conformance(&store, true).await;
}

#[tokio::test]
async fn local_store_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("nested/out");
    let store = OutputStore::open(out.to_str().expect("utf-8")).expect("local");
    conformance(&store, false).await;
    assert!(out.join("tilejson.json").is_file());
}

/// A scratch file on another filesystem than the output directory (tmpfs `/dev/shm` against
/// the temporary directory's disk, where the machine has both) cannot be renamed into it: it
/// is copied, and still taken.
#[tokio::test]
async fn local_store_takes_a_file_from_another_filesystem() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let shm = std::path::Path::new("/dev/shm");
    let device = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.dev()).ok();
    if device(shm).is_none() || device(shm) == device(dir.path()) {
        eprintln!("skipped: /dev/shm is missing or on the temporary directory's filesystem");
        return;
    }
    let scratch = tempfile::tempdir_in(shm).expect("scratch in /dev/shm");
    let store = OutputStore::open(dir.path().to_str().expect("utf-8")).expect("local");
    let file = scratch.path().join("index.tif");
    let bytes: Vec<u8> = (0..2 * MULTIPART_THRESHOLD + 5)
        .map(|i| (i % 239) as u8)
        .collect();
    std::fs::write(&file, &bytes).expect("write");
    store
        .move_file("index.tif", &file, "image/tiff")
        .await
        .expect("moved");
    assert!(!file.exists(), "the scratch file is taken");
    assert!(std::fs::read(dir.path().join("index.tif")).expect("read") == bytes);
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
    assert_eq!(left.len(), 1, "no partial file is left: {left:?}");
}

#[tokio::test]
async fn garage_s3_store_conforms() {
    require!(Tool::Garage);
    let server = Garage::start();
    let mut config = server.store_config(Some("public, max-age=60"));
    let store =
        OutputStore::open_with(&format!("s3://{}/runs/a", garage::BUCKET), &config).expect("s3");
    conformance(&store, true).await;
    // The prefix isolates runs: a second one under another prefix sees nothing of the first.
    config.cache_control = None;
    let other =
        OutputStore::open_with(&format!("s3://{}/runs/b", garage::BUCKET), &config).expect("s3");
    assert!(other.list().await.expect("list").is_empty());
}

#[tokio::test]
async fn azurite_azure_store_conforms() {
    require!(Tool::Node);
    let server = Azurite::start();
    let config = StoreConfig {
        options: server.options(),
        cache_control: Some("public, max-age=60".into()),
    };
    let url = format!("az://{}/runs/a", azurite::CONTAINER);
    let store = OutputStore::open_with(&url, &config).expect("azure");
    conformance(&store, true).await;
    assert_eq!(
        store.public_url("x.png"),
        format!(
            "http://127.0.0.1:{}/{}/{}/runs/a/x.png",
            server.port,
            azurite::ACCOUNT,
            azurite::CONTAINER
        )
    );
}

#[test]
fn a_pipeline_published_to_garage_equals_the_local_run_read_over_http() {
    require!(Tool::Garage);
    let server = Garage::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("local");
    run_shipped("ethiopia-change.toml", &local);
    let url = format!("s3://{}/events/ethiopia", garage::BUCKET);
    let mut args = vec![
        "run".to_string(),
        pipeline("ethiopia-change.toml").display().to_string(),
        "--output".into(),
        url,
    ];
    args.extend(server.store_args());
    let out = aftermath()
        .args(&args)
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains(garage::SECRET_KEY) && !stderr.contains(garage::SECRET_KEY),
        "the secret key is never printed"
    );

    // Every tile and document, fetched anonymously over HTTP, byte for byte as the local run.
    let tiles = tile_set(&local);
    assert!(tiles.len() >= 4, "{tiles:?}");
    let documents = [
        "legend.json",
        "legend.png",
        "stats.csv",
        "classes.tif",
        "index.tif",
    ];
    for key in tiles.iter().map(String::as_str).chain(documents) {
        let (status, body) = server.web_get(&format!("events/ethiopia/{key}"));
        assert_eq!(status, 200, "{key}");
        let want = std::fs::read(local.join(key)).expect("local file");
        assert!(body == want, "{key} differs from the local run");
    }
    // Documents that carry the output URL point at the bucket's HTTP address instead.
    let (status, body) = server.web_get("events/ethiopia/tilejson.json");
    assert_eq!(status, 200);
    let tilejson: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let template = tilejson["tiles"][0].as_str().expect("template");
    assert_eq!(
        template,
        format!(
            "{}/{}/events/ethiopia/{{z}}/{{x}}/{{y}}.png",
            server.endpoint(),
            garage::BUCKET
        )
    );
    let (status, body) = server.web_get("events/ethiopia/run.json");
    assert_eq!(status, 200, "the completion marker is there");
    let record = String::from_utf8_lossy(&body);
    assert!(
        !record.contains(garage::SECRET_KEY),
        "no credentials in run.json"
    );
}

#[test]
fn store_failures_name_the_url_say_what_to_do_and_keep_secrets() {
    require!(Tool::Garage);
    let server = Garage::start();
    // What the caller can do decides the exit code: fix the bucket or the credentials (2),
    // or retry a store that cannot be reached (1).
    let run = |url: &str, extra: &[String], code: i32, kind: &str| {
        let mut args = vec![
            "--json".to_string(),
            "run".to_string(),
            pipeline("ethiopia-change.toml").display().to_string(),
            "--output".into(),
            url.to_string(),
        ];
        args.extend(extra.iter().cloned());
        let out = aftermath()
            .args(&args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let doc = json_of(&out.stdout);
        assert_eq!(doc["kind"], kind, "{doc}");
        assert!(stderr.contains(url), "names the URL: {stderr}");
        assert!(!stderr.contains(garage::SECRET_KEY), "no secret: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains(garage::SECRET_KEY), "no secret: {stdout}");
        stderr
    };
    // A bucket that does not exist.
    run("s3://no-such-bucket/x", &server.store_args(), 2, "input");
    // Wrong credentials.
    let mut wrong = server.store_args();
    for arg in &mut wrong {
        if arg.starts_with("aws_secret_access_key=") {
            *arg = format!("aws_secret_access_key={}", "f".repeat(64));
        }
    }
    run(
        &format!("s3://{}/x", garage::BUCKET),
        &wrong,
        2,
        "output_refused",
    );
    // An endpoint nobody listens on.
    let mut unreachable = server.store_args();
    let port = garage::free_port();
    for arg in &mut unreachable {
        if arg.starts_with("aws_endpoint=") {
            *arg = format!("aws_endpoint=http://127.0.0.1:{port}");
        }
    }
    let stderr = run("s3://tiles/x", &unreachable, 1, "transient");
    assert!(!stderr.contains("run.json"), "{stderr}");
}

#[test]
fn prefixes_with_spaces_non_ascii_and_double_slashes_are_one_key_and_one_url() {
    // Issue 12, item 8: the prefix was encoded three times on the wire while TileJSON pointed
    // elsewhere, and `dbl//b` was normalised differently in keys and URLs.
    require!(Tool::Garage);
    let server = Garage::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("local");
    run_shipped("ethiopia-change.toml", &local);
    for (written, key_prefix, url_prefix) in [
        (
            "my event/olünda",
            "my event/olünda",
            "my%20event/ol%C3%BCnda",
        ),
        ("dbl//b", "dbl/b", "dbl/b"),
    ] {
        let url = format!("s3://{}/{written}", garage::BUCKET);
        let mut args = vec![
            "run".to_string(),
            pipeline("ethiopia-change.toml").display().to_string(),
            "--output".into(),
            url.clone(),
        ];
        args.extend(server.store_args());
        aftermath().args(&args).assert().success();

        // The keys are the prefix as written: the web endpoint decodes the URL path once.
        let (status, body) = server.web_get(&format!("{url_prefix}/tilejson.json"));
        assert_eq!(status, 200, "{written}: tilejson.json under {key_prefix}");
        let tilejson: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let template = tilejson["tiles"][0].as_str().expect("template");
        let base = format!("{}/{}/{url_prefix}/", server.endpoint(), garage::BUCKET);
        assert_eq!(
            template,
            format!("{base}{{z}}/{{x}}/{{y}}.png"),
            "{written}"
        );
        // TileJSON points where the tiles are: an HTTP GET of its URL for a real tile.
        let tile = tile_set(&local).into_iter().next().expect("a tile");
        let (status, body) = server.web_get(&format!("{url_prefix}/{tile}"));
        assert_eq!(status, 200, "{written}: {tile}");
        assert!(body == std::fs::read(local.join(&tile)).expect("local tile"));

        // GDAL opens the COG by its key through /vsis3/ (its own S3 client).
        let info = std::process::Command::new("gdalinfo")
            .arg(format!("/vsis3/{}/{key_prefix}/index.tif", garage::BUCKET))
            .env(
                "AWS_S3_ENDPOINT",
                server.endpoint().trim_start_matches("http://"),
            )
            .env("AWS_HTTPS", "NO")
            .env("AWS_VIRTUAL_HOSTING", "FALSE")
            .env("AWS_REGION", garage::REGION)
            .env("AWS_ACCESS_KEY_ID", garage::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", garage::SECRET_KEY)
            .output()
            .expect("gdalinfo runs");
        assert!(
            info.status.success() && String::from_utf8_lossy(&info.stdout).contains("COG"),
            "{written}: {}",
            String::from_utf8_lossy(&info.stderr)
        );
    }

    // `a/../x` (or `a/%2E%2E/x`) is `x`, as a path would be, for the keys and the URLs alike.
    let run = |output: String| {
        let mut args = vec![
            "run".to_string(),
            pipeline("ethiopia-change.toml").display().to_string(),
            "--output".into(),
            output,
        ];
        args.extend(server.store_args());
        aftermath().args(&args).assert()
    };
    run(format!("s3://{}/a/../x", garage::BUCKET)).success();
    let (status, body) = server.web_get("x/tilejson.json");
    assert_eq!(status, 200, "a/../x is x");
    let tilejson: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert!(tilejson["tiles"][0]
        .as_str()
        .is_some_and(|t| t.contains("/tiles/x/{z}")));
    // A character object stores would escape in the key is refused before any work.
    let out = run(format!("s3://{}/a{{b}}", garage::BUCKET)).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("holds `{`"), "{stderr}");
}
