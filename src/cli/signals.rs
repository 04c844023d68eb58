//! SIGINT and SIGTERM: the first stops the run cleanly, a second exits at once.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::error::exit_code;
use crate::runner::Interrupt;

/// SIGINT and SIGTERM set `interrupt` (the run stops starting tiles, writes those in flight,
/// leaves run.json unwritten and exits 130/143); a second one exits at once, same code.
pub(super) fn stop_on_signals(interrupt: &Interrupt) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let again = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        let code = i32::from(exit_code::interrupted(signal));
        // Handlers run in the order registered: the shutdown only fires once `again` is set.
        signal_hook::flag::register_conditional_shutdown(signal, code, Arc::clone(&again))?;
        signal_hook::flag::register(signal, Arc::clone(&again))?;
        signal_hook::flag::register_usize(signal, interrupt.flag(), signal as usize)?;
    }
    Ok(())
}
