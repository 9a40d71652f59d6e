//! Syncing a library's sources: each source reads what it has not delivered
//! yet, through the reading pipeline, into the library.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::Serialize;

use super::location::SourceLocation;
use super::settings::SourceSettings;
use super::{SourceError, imap, maildir};
use crate::ingest::LoadOptions;
use crate::library::db::{ImportCounts, ImportSpec, Library, SourceRow, SourceSpec};

/// Who imports: the origin of a sync's imports in the library's history.
pub const ORIGIN: &str = "sync";

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub load: LoadOptions,
    /// Messages fetched per IMAP `UID FETCH`, and committed with the source's state.
    pub batch: usize,
    /// Every network step (connect, TLS, each read and write) waits at most this long.
    pub timeout: Duration,
    /// A password typed in the app, kept in memory only.
    pub typed_password: Option<String>,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            load: LoadOptions::default(),
            batch: 500,
            timeout: Duration::from_secs(60),
            typed_password: None,
        }
    }
}

/// Where a sync stands; passed to the progress callback after each batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Messages (or files) the sync is to fetch in all, when known.
    pub total: u64,
    /// Fetched so far, and committed to the library with the source's state.
    pub fetched: u64,
    pub committed: u64,
}

/// What a sync of one source brought.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Synced {
    /// Messages (or files) fetched and read.
    pub messages: u64,
    pub counts: ImportCounts,
}

/// Syncs one source of the library. An error leaves what was committed before
/// it in the library, with the source's state where the next sync resumes.
pub fn sync_source(
    library: &mut Library,
    source: &SourceRow,
    options: &SyncOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<Synced, SourceError> {
    let location = SourceLocation::parse(&source.location)?;
    let settings = SourceSettings::from_json(&source.location, source.settings.as_deref())?;
    let result = match &location {
        SourceLocation::Imap(address) => {
            let job = imap::SyncJob {
                source,
                address,
                settings: &settings,
                options,
            };
            job.run(library, cancel, progress)
        }
        SourceLocation::Maildir(path) => {
            maildir::sync_maildir(library, source, path, options, cancel, progress)
        }
        SourceLocation::Watch(path) => {
            maildir::sync_watched(library, source, path, options, cancel, progress)
        }
    };
    let note = match &result {
        Ok(synced) => format!(
            "ok: {} messages, {} new, {} copies, {} problems",
            synced.messages, synced.counts.new, synced.counts.copies, synced.counts.problems
        ),
        Err(e) => format!("error: {e}"),
    };
    library.note_sync(source.id, location.state_folder(), &note)?;
    result
}

/// Tries a source without importing anything: logs in and opens the IMAP
/// folder, or looks at the Maildir or folder. Says what it found.
pub fn test_source(source: &SourceRow, options: &SyncOptions) -> Result<String, SourceError> {
    let location = SourceLocation::parse(&source.location)?;
    let settings = SourceSettings::from_json(&source.location, source.settings.as_deref())?;
    match &location {
        SourceLocation::Imap(address) => {
            let job = imap::SyncJob {
                source,
                address,
                settings: &settings,
                options,
            };
            let messages = job.test()?;
            Ok(format!(
                "logged in; {} holds {messages} messages",
                address.folder
            ))
        }
        SourceLocation::Maildir(path) | SourceLocation::Watch(path) => {
            let entries = std::fs::read_dir(path).map_err(|e| SourceError::Folder {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            Ok(format!("readable; {} entries", entries.count()))
        }
    }
}

/// The import spec of a sync of `source`: its reports are filed under it.
pub(super) fn import_spec(source: &SourceRow) -> ImportSpec {
    ImportSpec {
        origin: ORIGIN.into(),
        inputs: vec![SourceSpec {
            kind: source.kind.clone(),
            location: source.location.clone(),
        }],
    }
}

/// Adds the source at `address` to the library (or updates its settings);
/// returns its row.
pub fn add_source(
    library: &mut Library,
    address: &str,
    settings: &SourceSettings,
) -> Result<SourceRow, SourceError> {
    let location = SourceLocation::parse(address)?.absolute();
    let key = location.to_string();
    library.add_source(location.kind(), &key, settings.to_json().as_deref())?;
    library
        .source_at(&key)?
        .ok_or_else(|| SourceError::BadAddress {
            address: address.into(),
            reason: "not found after adding it".into(),
        })
}

/// The library's key of a source address as a user typed it (default port,
/// absolute path), to find the source again.
pub fn source_key(address: &str) -> Result<String, SourceError> {
    Ok(SourceLocation::parse(address)?.absolute().to_string())
}
