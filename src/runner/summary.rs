//! The summary of a run, from what the pyramid built and the writer stored.

use super::pyramid::Built;
use super::writer::Written;
use crate::job::{Job, Summary};
use crate::store::OutputStore;

/// The summary of the tiles built and written, before products and documents.
pub(super) fn summarize(job: &Job, store: &OutputStore, built: Built, written: Written) -> Summary {
    let mut failures = built.failures;
    failures.extend(written.failures);
    Summary {
        output: store.url().to_string(),
        public_base: store.public_url(""),
        zooms: job.zooms,
        bounds: job.footprint.wgs84_bbox(),
        per_zoom: written.per_zoom,
        empty_tiles_skipped: built.empty,
        bytes: written.bytes,
        failures,
        products: Vec::new(),
        product_errors: Vec::new(),
        product_grid: None,
        objects: (0, 0),
        seconds: 0.0,
        prepare_seconds: 0.0,
        tiles_seconds: 0.0,
        products_seconds: 0.0,
        completed: false,
        shard: None,
        removed: Vec::new(),
    }
}
