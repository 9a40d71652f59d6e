//! `tlsrpt-analyzer import` and `tlsrpt-analyzer library`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use tlsrpt_analyzer::ingest::LoadOptions;
use tlsrpt_analyzer::library::db::{ImportCounts, Library, LibraryInfo};
use tlsrpt_analyzer::sources::paths::import_paths;

use super::load::{Bar, exit_unusable, open_library};

#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The library file (created when absent).
    #[arg(long, value_name = "FILE")]
    pub library: PathBuf,
    /// Decoder threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Report files, archives, e-mails, mbox files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Imports the paths; exit status 0, or 2 when the library cannot be used.
pub fn import(args: ImportArgs) -> anyhow::Result<()> {
    let mut library = Library::open_or_create(&args.library).unwrap_or_else(|e| exit_unusable(&e));
    let options = LoadOptions {
        threads: args.threads,
        ..LoadOptions::default()
    };
    let bar = Bar::new();
    let cancel = AtomicBool::new(false);
    let imported = import_paths(
        &mut library,
        "command line",
        &args.paths,
        &options,
        &cancel,
        |p| bar.show(p),
    );
    bar.finish();
    let imported = imported.unwrap_or_else(|e| exit_unusable(&e));
    update_snapshot(&library);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&imported.counts)?),
        Format::Text => println!("{}", counts_text(&imported.counts, &args.library)),
    }
    Ok(())
}

/// Stores the snapshot the next open reads (the import stands without it).
pub fn update_snapshot(library: &Library) {
    if let Err(e) = library.update_snapshot() {
        eprintln!("warning: the library will open slower next time: {e}");
    }
}

fn counts_text(c: &ImportCounts, library: &std::path::Path) -> String {
    let mut text = format!(
        "{}: {} new, {} copies ({} conflicting), {} problems, {} skipped, {} files unchanged",
        library.display(),
        c.new,
        c.copies,
        c.conflicts,
        c.problems,
        c.skipped,
        c.unchanged
    );
    if c.already > 0 {
        text.push_str(&format!(
            ", {} reports held already from the same input",
            c.already
        ));
    }
    if c.new == 0 && c.copies == 0 && c.problems == 0 {
        text.push_str("\nnothing new: every input was imported before");
    }
    text
}

#[derive(clap::Subcommand, Debug)]
pub enum LibraryCommand {
    /// What a library holds: reports, date span, sources, size on disk, schema
    /// version.
    Info(InfoArgs),
}

#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    #[arg(long, value_name = "FILE")]
    pub library: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(command: LibraryCommand) -> anyhow::Result<()> {
    match command {
        LibraryCommand::Info(args) => info(&args),
    }
}

fn info(args: &InfoArgs) -> anyhow::Result<()> {
    let library = open_library(&args.library);
    let info = library.info().unwrap_or_else(|e| exit_unusable(&e));
    let sources = library.sources().unwrap_or_else(|e| exit_unusable(&e));
    match args.format {
        Format::Json => {
            let value = serde_json::json!({ "library": info, "sources": sources });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            println!("{}", info_text(&info));
            for source in &sources {
                println!(
                    "  {} ({}): {} reports",
                    source.location, source.kind, source.reports
                );
            }
        }
    }
    Ok(())
}

fn info_text(info: &LibraryInfo) -> String {
    let span = match (&info.first_day, &info.last_day) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "no reports".into(),
    };
    format!(
        "library {}\n  schema version {}\n  {} reports ({} policies, {} failure details), {}\n  \
         {} documents ({} bytes, {} deflated)\n  {} imports, {} bytes on disk\n  {} sources:",
        info.path,
        info.schema_version,
        info.reports,
        info.policies,
        info.failure_details,
        span,
        info.documents,
        info.document_bytes,
        info.deflated_bytes,
        info.imports,
        info.bytes_on_disk,
        info.sources
    )
}
