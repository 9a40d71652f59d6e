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
use crate::library::db::{LogEntry, SourceEntry};
use crate::sources::paths::import_paths;

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
        let status = change(&mut library)?;
        let data = library.load()?;
        Ok((data, facts(&library)?, status))
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
