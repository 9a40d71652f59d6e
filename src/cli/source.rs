//! `tlsrpt-analyzer source add|list|remove` and `tlsrpt-analyzer sync`: the
//! mailbox sources of a library, for scripts and cron. Exit status of `sync`:
//! 0 when every source synced, 1 when one failed, 2 on bad usage.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tlsrpt_analyzer::library::db::{Library, SourceRow};
use tlsrpt_analyzer::sources::sync::source_key;
use tlsrpt_analyzer::sources::{SourceSettings, SyncOptions, add_source, sync_source};

use super::library::Format;
use super::load::{exit_unusable, open_library};

#[derive(clap::Subcommand, Debug)]
pub enum SourceCommand {
    /// Add a source (or change its settings): imaps://USER@HOST[:PORT]/FOLDER,
    /// imap://USER@HOST[:PORT]/FOLDER (STARTTLS, required), maildir:PATH or
    /// watch:PATH. The password comes from --password-command, else from the
    /// environment variable TLSRPT_IMAP_PASSWORD at sync time; it is never stored.
    Add(AddArgs),
    /// The sources of a library with their last sync.
    List(ListArgs),
    /// Remove a source with the reports it brought.
    Remove(RemoveArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The library file (created when absent).
    #[arg(long, value_name = "FILE")]
    pub library: PathBuf,
    /// Certificates (PEM) to trust instead of the built-in web roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// A shell command that prints the password (e.g. 'pass show mail/reports').
    #[arg(long, value_name = "CMD", conflicts_with = "token_command")]
    pub password_command: Option<String>,
    /// A shell command that prints an OAuth2 access token (XOAUTH2: Gmail,
    /// Microsoft 365).
    #[arg(long, value_name = "CMD")]
    pub token_command: Option<String>,
    /// Move imported messages to this folder (by default nothing on the server
    /// changes: the folder is opened read-only).
    #[arg(long, value_name = "FOLDER")]
    pub move_to: Option<String>,
    pub url: String,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[arg(long, value_name = "FILE")]
    pub library: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct RemoveArgs {
    #[arg(long, value_name = "FILE")]
    pub library: PathBuf,
    pub url: String,
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// The library file.
    #[arg(long, value_name = "FILE")]
    pub library: PathBuf,
    /// Decoder threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seconds every network step may take.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Messages per IMAP fetch.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The sources to sync, as added (default: every source of the library).
    pub urls: Vec<String>,
}

pub fn run(command: SourceCommand) -> anyhow::Result<()> {
    match command {
        SourceCommand::Add(args) => add(args),
        SourceCommand::List(args) => list(&args),
        SourceCommand::Remove(args) => remove(&args),
    }
}

/// Ends with status 2 and the reason: a usage error.
fn exit_usage(message: impl std::fmt::Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}

fn add(args: AddArgs) -> anyhow::Result<()> {
    let mut library = Library::open_or_create(&args.library).unwrap_or_else(|e| exit_unusable(&e));
    let ca_file = args.ca_file.map(|p| std::path::absolute(&p).unwrap_or(p));
    let settings = SourceSettings {
        ca_file,
        password_command: args.password_command,
        token_command: args.token_command,
        move_to: args.move_to,
    };
    let row = add_source(&mut library, &args.url, &settings).unwrap_or_else(|e| exit_usage(e));
    println!("added {} ({})", row.location, row.kind);
    Ok(())
}

fn list(args: &ListArgs) -> anyhow::Result<()> {
    let library = open_library(&args.library);
    let rows = library
        .source_rows(&[])
        .unwrap_or_else(|e| exit_unusable(&e));
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Text => {
            for row in &rows {
                println!("{}", list_line(row));
            }
        }
    }
    Ok(())
}

fn list_line(row: &SourceRow) -> String {
    let last = match (&row.synced_at, &row.last_result) {
        (Some(at), Some(result)) => {
            let when = chrono::DateTime::from_timestamp(*at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            format!("last sync {when}: {result}")
        }
        _ => "never synced".into(),
    };
    format!(
        "{} ({}): {} reports, {last}",
        row.location, row.kind, row.reports
    )
}

fn remove(args: &RemoveArgs) -> anyhow::Result<()> {
    let mut library = open_library(&args.library);
    let key = source_key(&args.url).unwrap_or_else(|e| exit_usage(e));
    let Some(row) = library
        .source_at(&key)
        .unwrap_or_else(|e| exit_unusable(&e))
    else {
        exit_usage(format!(
            "{key} is not a source of {}",
            args.library.display()
        ));
    };
    let removed = library
        .remove_source(row.id)
        .unwrap_or_else(|e| exit_unusable(&e));
    println!("removed {} and its {removed} reports", row.location);
    super::library::update_snapshot(&library);
    Ok(())
}

/// Syncs the sources named (every source when none is) one after the other.
pub fn sync(args: SyncArgs) -> anyhow::Result<()> {
    let mut library = open_library(&args.library);
    let rows = chosen_sources(&library, &args);
    let options = SyncOptions {
        load: tlsrpt_analyzer::ingest::LoadOptions {
            threads: args.threads,
            ..Default::default()
        },
        batch: args.batch,
        timeout: Duration::from_secs(args.timeout.max(1)),
        typed_password: None,
    };
    let cancel = AtomicBool::new(false);
    let mut failed = false;
    let mut results = Vec::new();
    for row in &rows {
        let result = sync_source(&mut library, row, &options, &cancel, &mut |_| {});
        let line = match &result {
            Ok(s) => format!(
                "{}: {} messages fetched, {} new, {} copies, {} problems",
                row.location, s.messages, s.counts.new, s.counts.copies, s.counts.problems
            ),
            Err(e) => format!("{}: failed: {e}", row.location),
        };
        failed |= result.is_err();
        match args.format {
            Format::Text => println!("{line}"),
            Format::Json => results.push(match result {
                Ok(s) => serde_json::json!({ "source": row.location, "ok": true, "messages": s.messages, "counts": s.counts }),
                Err(e) => serde_json::json!({ "source": row.location, "ok": false, "error": e.to_string() }),
            }),
        }
    }
    if let Format::Json = args.format {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    super::library::update_snapshot(&library);
    if failed {
        std::process::exit(1);
    }
    Ok(())
}

fn chosen_sources(library: &Library, args: &SyncArgs) -> Vec<SourceRow> {
    let rows = library
        .source_rows(&["imap", "maildir", "watch"])
        .unwrap_or_else(|e| exit_unusable(&e));
    if args.urls.is_empty() {
        if rows.is_empty() {
            exit_usage(format!(
                "{} has no sources to sync (add one with `source add`)",
                args.library.display()
            ));
        }
        return rows;
    }
    args.urls
        .iter()
        .map(|url| {
            let key = source_key(url).unwrap_or_else(|e| exit_usage(e));
            rows.iter()
                .find(|r| r.location == key)
                .cloned()
                .unwrap_or_else(|| {
                    exit_usage(format!(
                        "{key} is not a source of {}",
                        args.library.display()
                    ))
                })
        })
        .collect()
}
