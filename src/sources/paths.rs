//! Importing files and folders into a library.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::ingest::{self, LoadOptions, LoadOutcome, Progress};
use crate::library::db::{ImportCounts, ImportSpec, Library, LibraryError, LibraryWriter};

/// How an import ended.
#[derive(Debug, Clone, Copy)]
pub struct Imported {
    /// Its number in the library's import history.
    pub import_id: i64,
    pub counts: ImportCounts,
    pub outcome: LoadOutcome,
}

/// Imports `paths` into `library`: files it has read whole before (same path, size
/// and modification time, or same content) are passed over, the rest is read on
/// every core and written in batches. Cancelling keeps what was committed; the
/// next import of the same paths resumes.
pub fn import_paths(
    library: &mut Library,
    origin: &str,
    paths: &[PathBuf],
    options: &LoadOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(&Progress),
) -> Result<Imported, LibraryError> {
    let options = LoadOptions {
        keep_documents: true,
        known: Some(Arc::new(library.known_files()?)),
        ..options.clone()
    };
    // A library outlives the folder a command ran in: its sources and files are
    // absolute, and one file reached by two spellings of its path is one file.
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let spec = ImportSpec::paths(origin, &paths);
    let mut writer = LibraryWriter::begin(library, &spec, cancel)?;
    let import_id = writer.import_id();
    let outcome = ingest::collect_into(&mut writer, &paths, &options, cancel, progress);
    let counts = writer.finish(outcome.cancelled)?;
    Ok(Imported {
        import_id,
        counts,
        outcome,
    })
}
