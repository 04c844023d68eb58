//! Stopping a run early: a flag the CLI's signal handlers set (SIGINT, SIGTERM) and the runner
//! reads between tiles and between stages. No new tile starts once it is set; tiles already
//! being built are finished and written; `run.json` (the completion marker) is not written, so
//! the next run with `--resume` completes the job.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::Error;

/// Whether, and by which signal, the run was asked to stop. Cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicUsize>);

impl Interrupt {
    pub fn new() -> Self {
        Self::default()
    }

    /// The flag a signal handler sets to the signal's number (e.g. with
    /// `signal_hook::flag::register_usize`); 0 means not interrupted.
    pub fn flag(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.0)
    }

    /// The signal that asked the run to stop, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n as i32),
        }
    }

    pub fn is_set(&self) -> bool {
        self.signal().is_some()
    }

    /// [`Error::Interrupted`] once set: the runner checks between stages and batches.
    pub fn check(&self) -> Result<(), Error> {
        match self.signal() {
            Some(signal) => Err(Error::Interrupted { signal }),
            None => Ok(()),
        }
    }
}
