//! The async end of the pipeline: encoded tiles arrive over a bounded channel (so the CPU side
//! waits when the store is slow) and are uploaded with a bounded number in flight.
//!
//! Two things end the uploads early. A signal: queued tiles are dropped and the uploads in
//! flight get [`GRACE`] to finish (each may be retrying a slow store for up to a minute; a
//! Kubernetes pod is killed 30 s after SIGTERM). A store that keeps failing: after
//! [`FAILURES_IN_A_ROW`] failed uploads with no success between them, the build is halted and
//! nothing more is tried, rather than retrying every tile of the run.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc::Receiver;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Interrupt, Progress, TileFailure};
use crate::layout;
use crate::render::TileEncoding;
use crate::store::pmtiles::TileSpool;
use crate::store::OutputStore;
use crate::tiling::TileId;

pub struct EncodedTile {
    pub tile: TileId,
    /// The encoded tile (PNG or WebP).
    pub bytes: Vec<u8>,
}

/// What the writer stored.
#[derive(Debug, Default)]
pub struct Written {
    pub per_zoom: BTreeMap<u8, u64>,
    pub bytes: u64,
    pub failures: Vec<TileFailure>,
    /// Set when [`FAILURES_IN_A_ROW`] uploads failed in a row: the last failure's message.
    pub store_down: Option<String>,
    /// Uploads failed since the last that succeeded.
    failed_in_a_row: usize,
    /// Told of every tile stored.
    progress: Progress,
}

/// Failed uploads in a row (each after the store client's own retries) that stop the run.
pub const FAILURES_IN_A_ROW: usize = 16;

/// How long uploads in flight may still take once a signal asked the run to stop.
pub const GRACE: Duration = Duration::from_secs(10);

impl Written {
    fn stored(&mut self, tile: TileId, len: u64) {
        self.failed_in_a_row = 0;
        *self.per_zoom.entry(tile.z).or_default() += 1;
        self.bytes += len;
        self.progress.tile_stored();
    }

    fn failed(&mut self, tile: TileId, message: String) {
        let failure = TileFailure::new(tile, &message);
        tracing::warn!(%tile, error = %failure.message, "tile not stored");
        self.failed_in_a_row += 1;
        if self.failed_in_a_row >= FAILURES_IN_A_ROW && self.store_down.is_none() {
            tracing::error!(
                failures = self.failed_in_a_row,
                "the output store keeps failing: no more tiles are tried"
            );
            self.store_down = Some(failure.message.clone());
        }
        self.failures.push(failure);
    }
}

/// Where the encoded tiles go: one object each, or a spool that becomes a PMTiles archive.
pub enum TileSink {
    Store(OutputStore),
    Spool(TileSpool),
}

/// When the uploads and the build end early: a signal, or (set here) a store that keeps
/// failing. Cloning shares both flags.
#[derive(Clone)]
pub struct Stops {
    pub interrupt: Interrupt,
    /// Set by the writer when the store is down; the build stops starting tiles.
    pub halt: Arc<AtomicBool>,
}

impl Stops {
    pub(super) fn stopping(&self) -> bool {
        self.interrupt.is_set() || self.halt.load(Ordering::Relaxed)
    }
}

/// Drains the channel into `sink`; returns what was stored and, for a spool, the spool.
pub(super) async fn write_tiles(
    sink: TileSink,
    receiver: Receiver<EncodedTile>,
    stops: Stops,
    in_flight: usize,
    encoding: TileEncoding,
    progress: Progress,
) -> (Written, Option<TileSpool>) {
    let mut written = Written {
        progress,
        ..Written::default()
    };
    match sink {
        TileSink::Store(store) => {
            upload_tiles(store, receiver, &stops, in_flight, encoding, &mut written).await;
            (written, None)
        }
        TileSink::Spool(spool) => {
            let spool = spool_tiles(spool, receiver, &mut written).await;
            (written, Some(spool))
        }
    }
}

async fn spool_tiles(
    mut spool: TileSpool,
    mut receiver: Receiver<EncodedTile>,
    written: &mut Written,
) -> TileSpool {
    while let Some(encoded) = receiver.recv().await {
        let t = encoded.tile;
        let len = encoded.bytes.len() as u64;
        match spool.add(t.z, t.x, t.y, &encoded.bytes) {
            Ok(()) => written.stored(t, len),
            Err(message) => {
                written.failed(t, format!("spooling for the PMTiles archive: {message}"))
            }
        }
    }
    spool
}

async fn upload_tiles(
    store: OutputStore,
    mut receiver: Receiver<EncodedTile>,
    stops: &Stops,
    in_flight: usize,
    encoding: TileEncoding,
    written: &mut Written,
) {
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut uploads = JoinSet::new();
    let mut in_flight = HashMap::new();
    while let Some(encoded) = receiver.recv().await {
        if stops.stopping() {
            continue; // dropped: the run does not complete, --resume writes it
        }
        // Waiting for a slot while a slow store holds them all: a signal still stops it.
        let permit = loop {
            let wait = permits.clone().acquire_owned();
            match tokio::time::timeout(Duration::from_millis(100), wait).await {
                Ok(Ok(permit)) => break Some(permit),
                Ok(Err(_)) => break None,
                Err(_) if stops.stopping() => break None,
                Err(_) => {}
            }
        };
        let Some(permit) = permit else {
            continue;
        };
        let store = store.clone();
        let tile = encoded.tile;
        let task = uploads.spawn(async move {
            let len = encoded.bytes.len() as u64;
            let result = store
                .put(
                    &layout::tile_key(encoded.tile, encoding.extension()),
                    Bytes::from(encoded.bytes),
                    encoding.media_type(),
                )
                .await;
            drop(permit);
            (encoded.tile, len, result)
        });
        in_flight.insert(task.id(), tile);
        while let Some(done) = uploads.try_join_next_with_id() {
            account(written, &mut in_flight, done);
        }
        if written.store_down.is_some() {
            stops.halt.store(true, Ordering::Relaxed);
        }
    }
    let finish = async {
        while let Some(done) = uploads.join_next_with_id().await {
            account(written, &mut in_flight, done);
        }
    };
    if stops.interrupt.is_set() {
        if tokio::time::timeout(GRACE, finish).await.is_err() {
            tracing::warn!("uploads still in flight {GRACE:?} after the signal: abandoned");
            uploads.abort_all();
        }
    } else {
        finish.await;
    }
}

type Upload = (TileId, u64, Result<(), crate::store::StoreError>);

/// Counts a finished upload. A panicked one is a failed tile like any other: the run
/// reports it and exits 3, never 0 with the tile missing.
fn account(
    written: &mut Written,
    in_flight: &mut HashMap<tokio::task::Id, TileId>,
    done: Result<(tokio::task::Id, Upload), tokio::task::JoinError>,
) {
    match done {
        Ok((id, (tile, len, result))) => {
            in_flight.remove(&id);
            match result {
                Ok(()) => written.stored(tile, len),
                Err(e) => written.failed(tile, e.to_string()),
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "upload task panicked");
            if let Some(tile) = in_flight.remove(&e.id()) {
                written.failed(tile, format!("the upload failed unexpectedly: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicked_upload_is_a_failed_tile() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let (ok, bad) = (TileId::new(3, 1, 2), TileId::new(3, 2, 2));
        let mut written = Written::default();
        runtime.block_on(async {
            let mut uploads: JoinSet<Upload> = JoinSet::new();
            let mut in_flight = HashMap::new();
            let task = uploads.spawn(async move { (ok, 10, Ok(())) });
            in_flight.insert(task.id(), ok);
            let task = uploads.spawn(async move {
                if bad.z == 3 {
                    panic!("a bug in an upload");
                }
                (bad, 0, Ok(()))
            });
            in_flight.insert(task.id(), bad);
            while let Some(done) = uploads.join_next_with_id().await {
                account(&mut written, &mut in_flight, done);
            }
            assert!(in_flight.is_empty());
        });
        assert_eq!(written.per_zoom.get(&3), Some(&1));
        assert_eq!(written.failures.len(), 1, "{:?}", written.failures);
        assert_eq!(written.failures[0].tile, bad);
        assert!(written.failures[0].message.contains("unexpectedly"));
    }
}
