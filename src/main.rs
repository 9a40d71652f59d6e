//! `tlsrpt-analyzer`: the command-line front end of the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use tlsrpt_analyzer::analysis::Summary;

/// mimalloc keeps memory compact when reports are parsed on worker threads and kept
/// by the collector; glibc malloc fragments its per-thread arenas here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tlsrpt_analyzer::export::summary_table;
use tlsrpt_analyzer::ingest::{self, LoadOptions, Progress, ReportStore};

#[derive(Parser)]
#[command(
    name = "tlsrpt-analyzer",
    version,
    about = "Read and analyze SMTP TLS reports (RFC 8460)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read reports from files, folders, archives, e-mails and mbox files and print totals.
    Summary {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Decoder threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Report files, archives, e-mails, mbox files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Summary {
            format,
            threads,
            paths,
        } => summary(format, threads, &paths),
    }
}

fn summary(format: Format, threads: Option<usize>, paths: &[PathBuf]) -> anyhow::Result<()> {
    let store = load_with_progress(paths, threads);
    let summary = Summary::of(&store);
    let text = match format {
        Format::Table => summary_table(&summary),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&summary).context("serializing summary")?;
            json.push('\n');
            json
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to standard output")?;
    Ok(())
}

/// Loads `paths`, drawing a progress bar on standard error when it is a terminal.
fn load_with_progress(paths: &[PathBuf], threads: Option<usize>) -> ReportStore {
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
