//! Loading inputs for a subcommand, with a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use indicatif::{ProgressBar, ProgressStyle};
use tlsrpt_analyzer::ingest::{self, LoadOptions, Progress, ReportStore};

/// The inputs of a subcommand that reads reports.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Decoder threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Report files, archives, e-mails, mbox files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

impl InputArgs {
    pub fn load(&self) -> ReportStore {
        load_with_progress(&self.paths, self.threads)
    }
}

/// Loads `paths`, drawing a progress bar on standard error when it is a terminal.
pub fn load_with_progress(paths: &[PathBuf], threads: Option<usize>) -> ReportStore {
    let options = LoadOptions {
        threads,
        ..LoadOptions::default()
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut store = ReportStore::new();
    let cancel = AtomicBool::new(false);
    ingest::load_into(&mut store, paths, &options, &cancel, |p: &Progress| {
        if let Some(bar) = &bar {
            if p.listing {
                bar.set_message(format!("listing files: {} found", p.files_total));
                return;
            }
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_read);
            bar.set_message(format!(
                "{} messages, {} reports, {} duplicates, {} problems",
                p.messages, p.reports, p.duplicates, p.problems
            ));
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    store
}
