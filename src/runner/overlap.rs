//! The tiles beside the products. The products' pixel pass keeps every core busy; the steps
//! after it (the sieve's readings, the polygons) keep only part of them busy, so the tiles
//! are made then, on a pool of their own. Nothing of the products is uploaded before the tiles
//! are done and hold data: a run whose tiles fail or find no valid pixel writes no product.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Condvar, Mutex};

use super::products::{self, ProductsDone};
use super::pyramid::{Below, Roots};
use super::{Engine, Job, RunOptions, TilesDone};
use crate::error::Error;
use crate::layout;
use crate::raster::Grid;
use crate::store::OutputStore;

/// Whether the products may be uploaded: closed until the tiles are done, then open when
/// they succeeded and hold data (or failed tiles to report), shut otherwise.
pub(super) struct Gate {
    tiles: Mutex<Option<bool>>,
    changed: Condvar,
}

impl Gate {
    /// A gate already open: the tiles are done (or there are none to wait for).
    pub fn open() -> Gate {
        Gate {
            tiles: Mutex::new(Some(true)),
            changed: Condvar::new(),
        }
    }

    fn closed() -> Gate {
        Gate {
            tiles: Mutex::new(None),
            changed: Condvar::new(),
        }
    }

    fn set(&self, open: bool) {
        let mut tiles = self.tiles.lock().unwrap_or_else(|e| e.into_inner());
        tiles.get_or_insert(open);
        self.changed.notify_all();
    }

    /// Waits for the tiles; an error when they failed or hold no data (theirs is the run's).
    pub fn pass(&self) -> Result<(), Error> {
        let mut tiles = self.tiles.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match *tiles {
                Some(true) => return Ok(()),
                Some(false) => {
                    return Err(Error::Runtime {
                        what: "publishing the products",
                        message: "the tiles failed or hold no data".into(),
                    })
                }
                None => tiles = self.changed.wait(tiles).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }
}

/// Shuts the gate if the tiles end without opening it (an error, a panic).
struct Opener<'a>(&'a Gate);

impl Drop for Opener<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// What the products are given to share the cores with the tiles: a word when their pixel
/// pass is over (the tiles start then), and the gate their uploads wait at.
pub(super) struct Beside<'a> {
    pass_over: Option<Sender<()>>,
    gate: &'a Gate,
}

impl<'a> Beside<'a> {
    /// Nothing beside the products: `gate` is open.
    pub fn nothing(gate: &'a Gate) -> Beside<'a> {
        Beside {
            pass_over: None,
            gate,
        }
    }

    /// The pixel pass is over: the tiles may start. Uploads can only be made after this (so
    /// they cannot wait for tiles that wait for them).
    pub fn pass_over(
        mut self,
        runtime: &'a tokio::runtime::Runtime,
        store: &'a OutputStore,
    ) -> Uploads<'a> {
        self.pass_over.take();
        Uploads {
            runtime,
            store,
            gate: self.gate,
        }
    }
}

/// The products' uploads, each made once the tiles are done and hold data.
pub(super) struct Uploads<'a> {
    runtime: &'a tokio::runtime::Runtime,
    store: &'a OutputStore,
    gate: &'a Gate,
}

impl Uploads<'_> {
    /// A finished scratch file, which the store takes: renamed into a local directory,
    /// streamed to anything else (and removed).
    pub fn file(&self, path: &Path, key: &str, media_type: &str) -> Result<(), Error> {
        self.gate.pass()?;
        Ok(self
            .runtime
            .block_on(self.store.move_file(key, path, media_type))?)
    }

    /// A finished COG, as [`Uploads::file`].
    pub fn cog(&self, path: &Path, key: &str) -> Result<(), Error> {
        self.file(path, key, layout::COG_MEDIA_TYPE)
    }

    /// A JSON document, pretty-printed.
    pub fn json(&self, key: &str, doc: &impl serde::Serialize) -> Result<(), Error> {
        self.bytes(key, super::pretty_json(doc), layout::JSON_MEDIA_TYPE)
    }

    pub fn bytes(&self, key: &str, bytes: Vec<u8>, media_type: &str) -> Result<(), Error> {
        self.gate.pass()?;
        Ok(self
            .runtime
            .block_on(self.store.put(key, bytes.into(), media_type))?)
    }
}

/// The tiles and the products of `grid`: the tiles start when the products' pixel pass is
/// over (or the products stopped), on the engine's tile pool, the rest of the products
/// beside them.
pub(super) fn tiles_and_products(
    engine: &Engine,
    job: &Job,
    grid: &Grid,
    store: &OutputStore,
    options: &RunOptions,
) -> (Result<TilesDone, Error>, ProductsDone) {
    let gate = Gate::closed();
    let (pass_over, wait_for_pass) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let tiling = scope.spawn(|| tiles_after(engine, job, store, options, wait_for_pass, &gate));
        let beside = Beside {
            pass_over: Some(pass_over),
            gate: &gate,
        };
        let products = products::written(engine, job, Some(grid.clone()), store, options, beside);
        let tiles = tiling.join().unwrap_or_else(|_| {
            Err(Error::Runtime {
                what: "building the tiles",
                message: "the tiling thread panicked".into(),
            })
        });
        (tiles, products)
    })
}

/// The tiles, once `pass` says so (or is dropped); opens `gate` when they hold data or
/// failed tiles to report.
fn tiles_after(
    engine: &Engine,
    job: &Job,
    store: &OutputStore,
    options: &RunOptions,
    pass: Receiver<()>,
    gate: &Gate,
) -> Result<TilesDone, Error> {
    let opener = Opener(gate);
    // Err: the products dropped their end, their pass over or stopped.
    let _ = pass.recv();
    let done = engine.tiles(job, store, options, Roots::Top, Below::Sources)?;
    let summary = &done.summary;
    opener
        .0
        .set(summary.tiles_written() > 0 || !summary.failures.is_empty());
    Ok(done)
}
