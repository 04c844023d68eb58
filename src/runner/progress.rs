//! How far a run is, for whoever displays it (the CLI draws a progress bar from it on an
//! interactive terminal): the tiles planned for this run (at most: tiles without data are
//! skipped) and the tiles stored so far.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Shared counters; cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    planned: AtomicU64,
    stored: AtomicU64,
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tiles this run builds at most.
    pub fn planned(&self) -> u64 {
        self.0.planned.load(Ordering::Relaxed)
    }

    /// Tiles stored so far.
    pub fn stored(&self) -> u64 {
        self.0.stored.load(Ordering::Relaxed)
    }

    pub(super) fn plan(&self, tiles: u64) {
        self.0.planned.store(tiles, Ordering::Relaxed);
    }

    pub(super) fn tile_stored(&self) {
        self.0.stored.fetch_add(1, Ordering::Relaxed);
    }
}
