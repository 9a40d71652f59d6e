//! `tlsrpt-analyzer`: the command-line front end of the library.

mod cli;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// mimalloc keeps memory compact when reports are parsed on worker threads and kept
/// by the collector; glibc malloc fragments its per-thread arenas here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        #[arg(long, value_enum, default_value_t = cli::summary::Format::Table)]
        format: cli::summary::Format,
        /// Decoder threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Report files, archives, e-mails, mbox files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Summary {
            format,
            threads,
            paths,
        } => cli::summary::run(format, threads, &paths),
    }
}
