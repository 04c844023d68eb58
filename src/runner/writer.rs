//! The async end of the pipeline: encoded tiles arrive over a bounded channel (so the CPU side
//! waits when the store is slow) and are uploaded with a bounded number in flight.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc::Receiver;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Progress, TileFailure};
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
    /// Told of every tile stored.
    progress: Progress,
}

impl Written {
    fn stored(&mut self, tile: TileId, len: u64) {
        *self.per_zoom.entry(tile.z).or_default() += 1;
        self.bytes += len;
        self.progress.tile_stored();
    }

    fn failed(&mut self, tile: TileId, message: String) {
        let failure = TileFailure::new(tile, &message);
        tracing::warn!(%tile, error = %failure.message, "tile not stored");
        self.failures.push(failure);
    }
}

/// Where the encoded tiles go: one object each, or a spool that becomes a PMTiles archive.
pub enum TileSink {
    Store(OutputStore),
    Spool(TileSpool),
}

/// Drains the channel into `sink`; returns what was stored and, for a spool, the spool.
pub(super) async fn write_tiles(
    sink: TileSink,
    receiver: Receiver<EncodedTile>,
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
            upload_tiles(store, receiver, in_flight, encoding, &mut written).await;
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
    in_flight: usize,
    encoding: TileEncoding,
    written: &mut Written,
) {
    let permits = Arc::new(Semaphore::new(in_flight));
    let mut uploads = JoinSet::new();
    while let Some(encoded) = receiver.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let store = store.clone();
        uploads.spawn(async move {
            let len = encoded.bytes.len() as u64;
            let result = store
                .put(
                    &encoded.tile.key(encoding.extension()),
                    Bytes::from(encoded.bytes),
                    encoding.media_type(),
                )
                .await;
            drop(permit);
            (encoded.tile, len, result)
        });
        while let Some(done) = uploads.try_join_next() {
            account(written, done);
        }
    }
    while let Some(done) = uploads.join_next().await {
        account(written, done);
    }
}

type Upload = (TileId, u64, Result<(), crate::store::StoreError>);

fn account(written: &mut Written, done: Result<Upload, tokio::task::JoinError>) {
    match done {
        Ok((tile, len, Ok(()))) => written.stored(tile, len),
        Ok((tile, _, Err(e))) => written.failed(tile, e.to_string()),
        Err(e) => tracing::error!(error = %e, "upload task panicked"),
    }
}
