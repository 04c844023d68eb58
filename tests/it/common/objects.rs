//! Reading what a run wrote: the objects of an output directory or store, and the JSON a
//! `--json` command prints.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use aftermath::store::OutputStore;

/// Every file under `dir` (its path relative to `dir`) with its modification time and bytes;
/// empty when `dir` does not exist.
pub fn snapshot(dir: &Path) -> BTreeMap<String, (SystemTime, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (SystemTime, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let key = path.strip_prefix(root).expect("under").to_string_lossy();
                let modified = entry.metadata().and_then(|m| m.modified()).expect("mtime");
                let bytes = std::fs::read(&path).expect("read");
                out.insert(key.into_owned(), (modified, bytes));
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// Every file under `dir` with its bytes.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir)
        .into_iter()
        .map(|(key, (_, bytes))| (key, bytes))
        .collect()
}

/// The objects of an output directory as a client sees them: every file but
/// object_store's staging files (`name#N`, left behind by a process killed mid-write;
/// never listed or served).
pub fn dir_objects(out: &Path) -> BTreeMap<String, Vec<u8>> {
    files(out)
        .into_iter()
        .filter(|(key, _)| match key.rsplit_once('#') {
            Some((_, n)) => !n.chars().all(|c| c.is_ascii_digit()),
            None => true,
        })
        .collect()
}

/// Every object of `store` with its bytes.
pub async fn store_objects(store: &OutputStore) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for key in store.list().await.expect("list") {
        let bytes = store.get(&key).await.expect("get");
        out.insert(key, bytes.to_vec());
    }
    out
}

/// The one JSON document a `--json` command prints on stdout.
pub fn json_of(stdout: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON: {e}\n{text}"))
}

/// The JSON document in the file at `path`.
pub fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}
