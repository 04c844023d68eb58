//! A progress bar on stderr, only when stderr is an interactive terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::runner::Progress;

/// Runs `job`, drawing a progress bar of `progress` on stderr when stderr is an interactive
/// terminal (never in logs redirected to a file or a CI system).
pub(super) fn with_progress_bar<T>(progress: &Progress, job: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return job();
    }
    let done = Arc::new(AtomicBool::new(false));
    let drawer = {
        let (progress, done) = (progress.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            // Hidden until the run has planned its tiles (after reading the inputs).
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(0),
                indicatif::ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} tiles  {per_sec}  {elapsed_precise}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            while !done.load(Ordering::Relaxed) {
                if bar.is_hidden() && progress.planned() > 0 {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                bar.set_length(progress.planned());
                bar.set_position(progress.stored());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            bar.finish_and_clear();
        })
    };
    let result = job();
    done.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    result
}
