//! The app's report library: the jobs that open it, import into it and change
//! it (each ends by reading it again), what the library view shows of it, and
//! the watcher that notices another program's import.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use crossbeam_channel::{Receiver, bounded};

use super::jobs::LoadDone;
use crate::ingest::{LoadOptions, LoadOutcome, Progress};
use crate::library::db::{ImportEntry, Library, LibraryError, LibraryInfo, LibraryStamp};
use crate::library::db::{LogEntry, SourceEntry, SourceRow};
use crate::sources::paths::import_paths;
use crate::sources::{SourceSettings, SyncOptions, SyncProgress, add_source, sync_source};

/// The kinds of the sources a sync reads (the others are paths imported once).
pub const MAIL_KINDS: [&str; 3] = ["imap", "maildir", "watch"];

/// Imports listed in the library view.
const IMPORTS_SHOWN: usize = 200;
/// How often the watcher looks for another program's commits.
const WATCH_EVERY: Duration = Duration::from_millis(750);

/// What the library view shows, read with the data.
#[derive(Debug, Clone)]
pub struct LibraryFacts {
    pub path: PathBuf,
    pub info: LibraryInfo,
    pub sources: Vec<SourceEntry>,
    /// The mailbox sources with their settings and last sync.
    pub mail_sources: Vec<SourceRow>,
    /// Newest first.
    pub imports: Vec<ImportEntry>,
    /// The lines of one import, when asked for.
    pub log: Option<(i64, Vec<LogEntry>)>,
    pub stamp: LibraryStamp,
}

/// Opens (creating when absent) the library and reads it.
pub fn open(path: &Path) -> LoadDone {
    finish(path, |_| Ok(None))
}

/// Imports `paths` into the library, then reads it.
pub fn import(
    path: &Path,
    paths: &[PathBuf],
    cancel: &AtomicBool,
    progress: &dyn Fn(&Progress),
) -> LoadDone {
    let mut outcome = LoadOutcome::default();
    let mut done = finish(path, |library| {
        let options = LoadOptions::default();
        let imported = import_paths(library, "app", paths, &options, cancel, progress)?;
        outcome = imported.outcome;
        let c = imported.counts;
        let verb = if imported.outcome.cancelled {
            "Import cancelled (import the same again to resume)"
        } else {
            "Imported"
        };
        Ok(Some(format!(
            "{verb}: {} new reports, {} copies ({} conflicting), {} problems, {} skipped, {} files imported before",
            c.new, c.copies, c.conflicts, c.problems, c.skipped, c.unchanged
        )))
    });
    done.outcome = outcome;
    done
}

/// Removes a source and its reports, then reads the library.
pub fn remove_source(path: &Path, source: i64, location: String) -> LoadDone {
    finish(path, |library| {
        let removed = library.remove_source(source)?;
        Ok(Some(format!(
            "Removed {location} and its {removed} reports."
        )))
    })
}

/// A mailbox source as the form in the app gives it. The password typed is
/// kept by the app for the session, never written.
#[derive(Clone, PartialEq, Default)]
pub struct SourceDraft {
    pub url: String,
    pub settings: SourceSettings,
    pub password: String,
}

impl std::fmt::Debug for SourceDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceDraft")
            .field("url", &self.url)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Adds (or changes) a mailbox source, then reads the library.
pub fn add_mail_source(path: &Path, draft: &SourceDraft) -> LoadDone {
    finish(path, |library| {
        match add_source(library, &draft.url, &draft.settings) {
            Ok(row) => Ok(Some(format!("Source {} saved.", row.location))),
            Err(e) => Ok(Some(format!("Cannot add the source: {e}"))),
        }
    })
}

/// Syncs the mailbox sources (`only` one, or all), then reads the library.
/// `passwords`: those typed in the app, by source location.
pub fn sync_mail_sources(
    path: &Path,
    only: Option<i64>,
    passwords: &std::collections::HashMap<String, String>,
    cancel: &AtomicBool,
    progress: &dyn Fn(&Progress),
) -> LoadDone {
    finish(path, |library| {
        let rows = library.source_rows(&MAIL_KINDS)?;
        let mut lines = Vec::new();
        for row in rows.iter().filter(|r| only.is_none_or(|id| r.id == id)) {
            let options = SyncOptions {
                typed_password: passwords.get(&row.location).cloned(),
                ..SyncOptions::default()
            };
            let mut show = |p: &SyncProgress| {
                progress(&Progress {
                    files_total: p.total,
                    files_done: p.fetched,
                    messages: p.fetched,
                    ..Progress::default()
                })
            };
            let line = match sync_source(library, row, &options, cancel, &mut show) {
                Ok(s) => format!(
                    "{}: {} messages, {} new, {} copies, {} problems",
                    row.location, s.messages, s.counts.new, s.counts.copies, s.counts.problems
                ),
                Err(crate::sources::SourceError::Library(e)) => return Err(e),
                Err(e) => format!("{}: failed: {e}", row.location),
            };
            lines.push(line);
        }
        Ok(Some(if lines.is_empty() {
            "No mailbox source to sync.".into()
        } else {
            format!("Synced {}", lines.join("; "))
        }))
    })
}

/// Re-reads every stored report from its document, then reads the library.
pub fn reread(path: &Path, cancel: &AtomicBool, progress: &dyn Fn(&Progress)) -> LoadDone {
    finish(path, |library| {
        let done = library.reread(cancel, |done, total| {
            progress(&Progress {
                reports: done,
                files_total: total,
                files_done: done,
                ..Progress::default()
            })
        })?;
        Ok(Some(format!(
            "Re-read {} reports from their stored documents: {} changed, {} unreadable{}.",
            done.reports,
            done.changed,
            done.unreadable,
            if done.cancelled { " (cancelled)" } else { "" }
        )))
    })
}

/// Reads one import's log lines.
pub fn import_log(path: &Path, import: i64) -> Result<Vec<LogEntry>, String> {
    Library::open(path)
        .and_then(|library| library.import_log(import, 2_000))
        .map_err(|e| e.to_string())
}

/// Opens the library, runs `change` on it, and reads it whole: the data and
/// facts to show, or (on an error) the view stays and the status says why.
fn finish(
    path: &Path,
    change: impl FnOnce(&mut Library) -> Result<Option<String>, LibraryError>,
) -> LoadDone {
    let result = Library::open_or_create(path).and_then(|mut library| {
        let mut status = change(&mut library)?;
        // The facts (counts over whole tables) on a second connection while the
        // data is read: with 1,000,000 reports each takes most of a second.
        let (data, facts) = std::thread::scope(|scope| {
            let reading = std::thread::Builder::new()
                .name("library facts".into())
                .spawn_scoped(scope, || Library::open(path).and_then(|l| facts(&l)));
            let data = library.load();
            let facts = match reading {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(_) => facts(&library),
            };
            (data, facts)
        });
        let data = data?;
        if let Err(e) = library.refresh_snapshot(&data) {
            let note = format!("The library opens slower next time: {e}");
            status = Some(status.map_or(note.clone(), |s| format!("{s} {note}")));
        }
        Ok((data, facts?, status))
    });
    match result {
        Ok((data, facts, status)) => LoadDone {
            data: Some(data),
            outcome: LoadOutcome::default(),
            status,
            library: Some(facts),
        },
        Err(error) => LoadDone {
            data: None,
            outcome: LoadOutcome::default(),
            status: Some(error.to_string()),
            library: None,
        },
    }
}

fn facts(library: &Library) -> Result<LibraryFacts, LibraryError> {
    Ok(LibraryFacts {
        path: library.path().to_path_buf(),
        info: library.info()?,
        sources: library.sources()?,
        mail_sources: library.source_rows(&MAIL_KINDS)?,
        imports: library.imports(IMPORTS_SHOWN)?,
        log: None,
        stamp: library.stamp()?,
    })
}

/// The `tlsrpt-library-watch` thread: on its own connection, it reads the
/// library's stamp (a few counts, indexed) every 750 ms and sends it when it
/// moved (and once at the start). Stops when dropped.
pub struct WatchJob {
    changes: Receiver<LibraryStamp>,
    stop: std::sync::Arc<AtomicBool>,
}

impl WatchJob {
    pub fn start(path: PathBuf, notify: impl Fn() + Send + 'static) -> std::io::Result<WatchJob> {
        let (tx, changes) = bounded(4);
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("tlsrpt-library-watch".into())
            .spawn(move || {
                let mut seen = None;
                let mut library = None;
                while !flag.load(Relaxed) {
                    std::thread::sleep(WATCH_EVERY);
                    if library.is_none() {
                        library = Library::open(&path).ok();
                    }
                    let Some(open) = &library else {
                        continue;
                    };
                    let Ok(stamp) = open.stamp() else {
                        library = None; // Opened again on the next round.
                        continue;
                    };
                    // The first one too: the app compares it with what it read,
                    // which may be older.
                    if seen != Some(stamp) {
                        let _ = tx.try_send(stamp);
                        notify();
                    }
                    seen = Some(stamp);
                }
            })?;
        Ok(WatchJob { changes, stop })
    }

    /// The newest stamp seen since the last call, if the library changed.
    pub fn changed(&self) -> Option<LibraryStamp> {
        self.changes.try_iter().last()
    }
}

impl Drop for WatchJob {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
    }
}
