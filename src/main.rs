//! `tlsrpt-analyzer`: the command-line front end of the library.

mod cli;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// mimalloc keeps memory compact when reports are parsed on worker threads and kept
/// by the collector; glibc malloc fragments its per-thread arenas here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process. The app and the commands
/// allocate and free a few hundred MB in blocks of a few MB; with huge pages each
/// first touch zeroes 2 MB at once, and on a virtual machine that is where the
/// time went: opening a library of 1,000,000 reports spent 2.3–3.3 s in the
/// kernel with them and 0.6–0.7 s without (BENCHMARKS.md).
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and
    // changes nothing but this process's page policy.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[derive(Parser)]
#[command(
    name = "tlsrpt-analyzer",
    version,
    about = "Read and analyze SMTP TLS reports (RFC 8460)",
    long_about = "Read and analyze SMTP TLS reports (RFC 8460).\n\nWithout a subcommand, opens the \
                  desktop app and loads the given files and folders.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The library the desktop app keeps reports in (default: the one opened
    /// last, else `library.sqlite` in the platform's data folder).
    #[arg(long, value_name = "FILE")]
    library: Option<PathBuf>,
    /// Files and folders to look at in the desktop app (without importing them).
    paths: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Read reports from files, folders, archives, e-mails and mbox files and print
    /// totals, or a table grouped by one or two dimensions.
    Summary(cli::summary::SummaryArgs),
    /// Write every table (reports, failure details, series, health, a summary by
    /// every dimension) as CSV and/or JSON files into a folder, or the fact tables
    /// for a warehouse as Parquet and/or NDJSON.
    Export(cli::export::ExportArgs),
    /// Import files, folders, archives, e-mails and mbox files into a library (a
    /// local SQLite file that keeps every report across runs).
    Import(cli::library::ImportArgs),
    /// The mailbox sources of a library (IMAP folders, Maildirs, watched folders).
    Source {
        #[command(subcommand)]
        command: cli::source::SourceCommand,
    },
    /// Fetch what is new from the sources of a library: one line per source;
    /// exit status 0 when every source synced, 1 when one failed.
    Sync(cli::source::SyncArgs),
    /// Facts about a library.
    Library {
        #[command(subcommand)]
        command: cli::library::LibraryCommand,
    },
    /// Check a domain's MTA-STS and TLS-RPT setup the way a sending MTA sees it,
    /// and propose the records to publish.
    Check {
        #[command(flatten)]
        args: cli::check::CheckArgs,
    },
}

fn main() -> anyhow::Result<()> {
    without_huge_pages();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return open_window(cli.paths, cli.library);
    };
    match command {
        Command::Summary(args) => cli::summary::run(args),
        Command::Export(args) => cli::export::run(args),
        Command::Import(args) => cli::library::import(args),
        Command::Library { command } => cli::library::run(command),
        Command::Source { command } => cli::source::run(command),
        Command::Sync(args) => cli::source::sync(args),
        Command::Check { args } => cli::check::run(&args),
    }
}

#[cfg(feature = "gui")]
fn open_window(paths: Vec<PathBuf>, library: Option<PathBuf>) -> anyhow::Result<()> {
    use anyhow::Context;
    let prefer_last_library = library.is_none();
    let library = library.or_else(tlsrpt_analyzer::library::db::default_path);
    let start = tlsrpt_analyzer::gui::StartOptions {
        paths,
        library,
        prefer_last_library,
        sample_data: tlsrpt_analyzer::gui::find_sample_data(),
        ..tlsrpt_analyzer::gui::StartOptions::default()
    };
    tlsrpt_analyzer::gui::run(start)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("opening the window (is a display available? the subcommands work without one)")
}

#[cfg(not(feature = "gui"))]
fn open_window(_paths: Vec<PathBuf>, _library: Option<PathBuf>) -> anyhow::Result<()> {
    eprintln!(
        "tlsrpt-analyzer was built without the desktop app (feature `gui`); use a subcommand, see --help"
    );
    std::process::exit(2);
}
