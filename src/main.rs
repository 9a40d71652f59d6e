//! `tlsrpt-analyzer`: the command-line front end of the library.

mod cli;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tlsrpt_analyzer::analysis::Dimension;

/// mimalloc keeps memory compact when reports are parsed on worker threads and kept
/// by the collector; glibc malloc fragments its per-thread arenas here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Files and folders to load into the desktop app.
    paths: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Read reports from files, folders, archives, e-mails and mbox files and print totals.
    Summary {
        /// Output format.
        #[arg(long, value_enum, default_value_t = cli::summary::Format::Table)]
        format: cli::summary::Format,
        /// Group by one or two dimensions (e.g. organization,result-type).
        #[arg(long, value_delimiter = ',', value_parser = cli::filter::parse_dimension)]
        by: Vec<Dimension>,
        #[command(flatten)]
        filter: cli::filter::FilterArgs,
        /// Decoder threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Report files, archives, e-mails, mbox files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write every table (reports, failure details, series, health, a summary by
    /// every dimension) as CSV and/or JSON files into a folder.
    Export {
        /// Folder to write into (created if needed).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = cli::export::ExportFormat::Csv)]
        format: cli::export::ExportFormat,
        /// Also write a table grouped by these one or two dimensions (e.g.
        /// day,organization).
        #[arg(long, value_delimiter = ',', value_parser = cli::filter::parse_dimension)]
        by: Vec<Dimension>,
        #[command(flatten)]
        filter: cli::filter::FilterArgs,
        /// Decoder threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Report files, archives, e-mails, mbox files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Check a domain's MTA-STS and TLS-RPT setup the way a sending MTA sees it,
    /// and propose the records to publish.
    Check {
        #[command(flatten)]
        args: cli::check::CheckArgs,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return open_window(cli.paths);
    };
    match command {
        Command::Summary {
            format,
            by,
            filter,
            threads,
            paths,
        } => cli::summary::run(cli::summary::SummaryArgs {
            format,
            by,
            filter,
            threads,
            paths,
        }),
        Command::Export {
            out,
            format,
            by,
            filter,
            threads,
            paths,
        } => cli::export::run(cli::export::ExportArgs {
            out,
            format,
            by: if by.is_empty() { Vec::new() } else { vec![by] },
            filter,
            threads,
            paths,
        }),
        Command::Check { args } => cli::check::run(&args),
    }
}

#[cfg(feature = "gui")]
fn open_window(paths: Vec<PathBuf>) -> anyhow::Result<()> {
    use anyhow::Context;
    let start = tlsrpt_analyzer::gui::StartOptions {
        paths,
        sample_data: tlsrpt_analyzer::gui::find_sample_data(),
        check_config: None,
    };
    tlsrpt_analyzer::gui::run(start)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("opening the window (is a display available? the subcommands work without one)")
}

#[cfg(not(feature = "gui"))]
fn open_window(_paths: Vec<PathBuf>) -> anyhow::Result<()> {
    eprintln!(
        "tlsrpt-analyzer was built without the desktop app (feature `gui`); use a subcommand, see --help"
    );
    std::process::exit(2);
}
