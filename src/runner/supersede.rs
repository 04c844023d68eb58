//! A run over an existing output replaces it: the previous `run.json` (the completion
//! marker) goes before the first object is written, so a run that stops part-way never
//! leaves an old "complete" beside new tiles; and objects of the previous run that this one
//! does not produce (tiles now empty or outside the zooms, products no longer asked for) are
//! removed before the new marker is written.

use super::{Prepared, RunOptions};
use crate::error::Error;
use crate::metadata::{self, RUN_RECORD_KEY, STAC_ITEM_KEY};
use crate::runner::products::{CLASSES_COG_KEY, COMPOSITE_COG_KEY, INDEX_COG_KEY};
use crate::store::pmtiles::PMTILES_KEY;
use crate::store::OutputStore;

/// Top-level objects a run writes (besides tiles).
const DOCUMENT_KEYS: [&str; 14] = [
    metadata::TILEJSON_KEY,
    metadata::PREVIEW_KEY,
    metadata::WMTS_KEY,
    metadata::LEGEND_KEY,
    metadata::LEGEND_PNG_KEY,
    metadata::STATS_JSON_KEY,
    metadata::STATS_CSV_KEY,
    metadata::POLYGONS_KEY,
    INDEX_COG_KEY,
    CLASSES_COG_KEY,
    COMPOSITE_COG_KEY,
    PMTILES_KEY,
    RUN_RECORD_KEY,
    STAC_ITEM_KEY,
];

/// Whether `key` is one aftermath writes: a tile (`z/x/y.png|webp`) or one of its
/// documents. Nothing else in an output (an analyst's own files) is ever removed.
pub(super) fn is_output_key(key: &str) -> bool {
    if DOCUMENT_KEYS.contains(&key) {
        return true;
    }
    let Some((path, extension)) = key.rsplit_once('.') else {
        return false;
    };
    let parts: Vec<&str> = path.split('/').collect();
    matches!(extension, "png" | "webp")
        && parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Before the first object of a run: removes the previous `run.json` unless this is a
/// `--resume` of the same pipeline (whose objects are the same), and — for a whole run
/// (`track_stale`) — starts tracking the previous run's objects this run does not write.
pub(super) fn supersede(
    runtime: &tokio::runtime::Runtime,
    store: &OutputStore,
    prepared: &Prepared,
    options: &RunOptions,
    track_stale: bool,
) -> Result<(), Error> {
    let fingerprint = prepared.plan.fingerprint();
    match runtime.block_on(store.get(RUN_RECORD_KEY)) {
        Ok(bytes) => {
            let same = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .is_some_and(|r| r["pipeline"]["fingerprint"].as_str() == Some(&fingerprint));
            if !(options.resume && same) {
                tracing::info!(
                    "the output holds a previous run's run.json: removing it first, so the \
                     output is not marked complete until this run is"
                );
                runtime.block_on(store.delete(RUN_RECORD_KEY))?;
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.into()),
    }
    if track_stale {
        let keys = runtime.block_on(store.list())?;
        store.track_stale(
            keys.into_iter()
                .filter(|k| is_output_key(k) && k != RUN_RECORD_KEY && k != STAC_ITEM_KEY),
        );
    }
    Ok(())
}

/// Removes the previous run's objects that this run did not write; returns their keys.
pub(super) fn remove_stale(
    runtime: &tokio::runtime::Runtime,
    store: &OutputStore,
) -> Result<Vec<String>, Error> {
    let stale = store.take_stale();
    for key in &stale {
        runtime.block_on(store.delete(key))?;
    }
    if !stale.is_empty() {
        tracing::info!(
            removed = stale.len(),
            "removed the previous run's objects this run does not produce"
        );
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::is_output_key;

    #[test]
    fn only_tiles_and_documents_are_output_keys() {
        for key in [
            "12/3/4.png",
            "0/0/0.webp",
            "run.json",
            "index.tif",
            "tiles.pmtiles",
        ] {
            assert!(is_output_key(key), "{key}");
        }
        for key in [
            "notes.txt",
            "a/3/4.png",
            "12/3/4.png#1",
            "12/3/4/5.png",
            "x/run.json",
        ] {
            assert!(!is_output_key(key), "{key}");
        }
    }
}
