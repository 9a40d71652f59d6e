//! The desktop app (feature `gui`): eframe + egui + egui_plot, with loading,
//! aggregation and file dialogs on worker threads.

mod app;
mod command;
mod data;
mod file_dialog;
mod jobs;
mod library;
mod panels;
mod view;

use std::path::PathBuf;

pub use app::OpenReport;
pub use app::{App, StartOptions};
pub use command::Command;
pub use data::{Aggregates, Facet, Inventory, Query, compute};
pub use library::{LibraryFacts, SourceDraft};
pub use panels::{percent, thousands};
pub use view::{Settings, Tab, ViewState};

/// Opens the window and loads `paths`.
pub fn run(start: StartOptions) -> eframe::Result<()> {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("TLS-RPT Analyzer")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "tlsrpt-analyzer",
        options,
        Box::new(move |cc| Ok(Box::new(App::new(cc, start)))),
    )
}

/// Where the sample data is: beside the executable, in the working directory, or
/// in the source tree this was built from.
pub fn find_sample_data() -> Option<PathBuf> {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("sample-data")));
    [
        beside_exe,
        Some(PathBuf::from("sample-data")),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data")),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_dir())
}
