//! The storage conformance checks, run against the in-memory store and the local filesystem.

use super::*;

async fn conformance(store: &OutputStore) {
    store.check_writable().await.expect("writable");
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
    assert!(store.get("missing.png").await.is_err());
    store.delete("3/4/5.png").await.expect("delete");
    store
        .delete("3/4/5.png")
        .await
        .expect("deleting a missing key is fine");
    assert_eq!(store.list().await.expect("list"), vec!["tilejson.json"]);
}

#[tokio::test]
async fn memory_store_conforms() {
    conformance(&OutputStore::open("memory://run/a").expect("memory store")).await;
}

#[tokio::test]
async fn local_store_conforms_and_creates_its_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("nested/out");
    let store = OutputStore::open(out.to_str().expect("utf-8")).expect("local store");
    conformance(&store).await;
    assert!(out.join("tilejson.json").is_file());
    let url = format!("file://{}", out.display());
    conformance(&OutputStore::open(&url).expect("file url")).await;
}

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
