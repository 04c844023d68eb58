//! A run over an existing output replaces it: the previous `run.json` (the completion
//! marker) goes before the first object is written, so a run that stops part-way never
//! leaves an old "complete" beside new tiles; and objects of the previous run that this one
//! does not produce (tiles now empty or outside the zooms, products no longer asked for) are
//! removed before the new marker is written.

use super::{Job, RunOptions};
use crate::error::Error;
use crate::layout::{is_output_key, RUN_RECORD_KEY, STAC_ITEM_KEY};
use crate::metadata::RunRecord;
use crate::store::OutputStore;

/// Before the first object of a run: removes the previous `run.json` unless this is a
/// `--resume` of the same pipeline (whose objects are the same), and — for a whole run
/// (`track_stale`) — starts tracking the previous run's objects this run does not write.
pub(super) fn supersede(
    runtime: &tokio::runtime::Runtime,
    store: &OutputStore,
    job: &Job,
    options: &RunOptions,
    track_stale: bool,
) -> Result<(), Error> {
    let fingerprint = job.plan.fingerprint();
    match runtime.block_on(store.get(RUN_RECORD_KEY)) {
        Ok(bytes) => {
            // A record that does not read as one (an older or foreign file) is another run's.
            let same = serde_json::from_slice::<RunRecord>(&bytes)
                .is_ok_and(|r| r.pipeline.fingerprint == fingerprint);
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
