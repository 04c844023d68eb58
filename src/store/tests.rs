//! URL handling. The conformance suite (put, get, list, overwrite, content types, multipart)
//! runs against every store in `tests/storage.rs`, Garage included.

use super::*;

#[test]
fn unusable_outputs_are_rejected_up_front() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let under_file = file.join("out");
    let err = OutputStore::open(under_file.to_str().expect("utf-8")).expect_err("not a directory");
    assert!(matches!(err, StoreError::CreateDirectory { .. }), "{err}");
    assert!(matches!(
        OutputStore::open("ftp://host/x"),
        Err(StoreError::Url { .. })
    ));
}

fn opts(pairs: &[(&str, &str)]) -> StoreConfig {
    StoreConfig {
        options: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cache_control: None,
    }
}

#[test]
fn cloud_outputs_publish_at_their_http_address() {
    let s3 = OutputStore::open_with(
        "s3://bucket/events/flood",
        &opts(&[
            ("aws_region", "eu-west-1"),
            ("aws_access_key_id", "AKIA"),
            ("aws_secret_access_key", "s"),
        ]),
    )
    .expect("s3");
    assert_eq!(
        s3.public_url("tilejson.json"),
        "https://bucket.s3.eu-west-1.amazonaws.com/events/flood/tilejson.json"
    );
    let compatible = OutputStore::open_with(
        "s3://tiles/a",
        &opts(&[
            ("aws_endpoint", "http://127.0.0.1:3900"),
            ("aws_allow_http", "true"),
        ]),
    )
    .expect("s3-compatible");
    assert_eq!(
        compatible.public_url("x.png"),
        "http://127.0.0.1:3900/tiles/a/x.png"
    );
    let azurite = OutputStore::open_with(
        "az://tiles/a",
        &opts(&[
            ("azure_storage_account_name", "devstoreaccount1"),
            ("azure_storage_use_emulator", "true"),
        ]),
    )
    .expect("azure");
    assert_eq!(
        azurite.public_url("x.png"),
        "http://127.0.0.1:10000/devstoreaccount1/tiles/a/x.png"
    );
}

#[test]
fn unknown_store_options_are_named() {
    let err = OutputStore::open_with("s3://b/p", &opts(&[("aws_endpoit", "x")]))
        .expect_err("unknown option");
    assert!(err.to_string().contains("aws_endpoit"), "{err}");
    let err = OutputStore::open_with("memory://", &opts(&[("aws_region", "x")]))
        .expect_err("options for a store that takes none");
    assert!(err.to_string().contains("s3://"), "{err}");
}
