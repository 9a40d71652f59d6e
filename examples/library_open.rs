//! How long the app takes from start to its Overview with a library: open the
//! file, read every row into the loaded set, compute the Overview's aggregates (what
//! the window then draws in a few milliseconds, see `benches/gui_frames.rs`).
//! `benches/library.sh` runs it under GNU time for the peak memory.
//!
//!     cargo run --release --example library_open -- LIBRARY

use std::time::Instant;

use tlsrpt_analyzer::gui::{Query, compute};
use tlsrpt_analyzer::library::db::Library;

// The app's allocator, so that the figures are the app's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As the app does (src/main.rs).
    #[cfg(target_os = "linux")]
    // SAFETY: integer arguments only; this process's page policy.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let path = std::env::args_os()
        .nth(1)
        .ok_or("usage: library_open LIBRARY")?;
    let started = Instant::now();
    let library = Library::open(path.as_ref())?;
    let loaded = library.load()?;
    let read = started.elapsed();
    let aggregates = compute(&loaded, 1, &Query::default());
    let overview = started.elapsed();
    println!(
        "{} reports; read {:.2} s; overview ready {:.2} s",
        aggregates.reports,
        read.as_secs_f64(),
        overview.as_secs_f64()
    );
    std::mem::forget(loaded);
    Ok(())
}
