//! Loading inputs for a subcommand, with a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use indicatif::{ProgressBar, ProgressStyle};
use tlsrpt_analyzer::ingest::{self, LoadOptions, Progress};
use tlsrpt_analyzer::library::Loaded;
use tlsrpt_analyzer::library::db::{Library, LibraryError};

/// The inputs of a subcommand that reads reports.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Decoder threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Read the reports of this library (see `import`) instead of paths.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub library: Option<PathBuf>,
    /// Report files, archives, e-mails, mbox files or folders.
    #[arg(required_unless_present = "library")]
    pub paths: Vec<PathBuf>,
}

impl InputArgs {
    /// The reports of the library or of the paths given. A library that cannot
    /// be opened ends the program with status 2.
    pub fn load(&self) -> Loaded {
        match &self.library {
            Some(path) => open_library(path)
                .load()
                .unwrap_or_else(|e| exit_unusable(&e)),
            None => load_with_progress(&self.paths, self.threads),
        }
    }
}

/// Opens an existing library, or ends the program with status 2.
pub fn open_library(path: &Path) -> Library {
    Library::open(path).unwrap_or_else(|e| exit_unusable(&e))
}

/// Says why a library cannot be used and ends with status 2 (bad usage).
pub fn exit_unusable(error: &LibraryError) -> ! {
    eprintln!("error: {error}");
    std::process::exit(2);
}

/// Loads `paths`, drawing a progress bar on standard error when it is a terminal.
pub fn load_with_progress(paths: &[PathBuf], threads: Option<usize>) -> Loaded {
    let options = LoadOptions {
        threads,
        ..LoadOptions::default()
    };
    let bar = Bar::new();
    let mut loaded = Loaded::new();
    let cancel = AtomicBool::new(false);
    ingest::load_into(&mut loaded, paths, &options, &cancel, |p| bar.show(p));
    bar.finish();
    loaded
}

/// A progress bar on standard error when it is a terminal.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new() -> Bar {
        Bar(std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        }))
    }

    pub fn show(&self, p: &Progress) {
        let Some(bar) = &self.0 else {
            return;
        };
        if p.listing && p.bytes_read == 0 {
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

    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
