//! Expanding the paths a user gave into the files to read.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use walkdir::WalkDir;

use crate::library::Source;
use crate::library::{IngestError, Problem};

/// A file to read, with its size for progress.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: Arc<Path>,
    pub size: u64,
    /// Found while walking a folder rather than named by the user.
    pub in_folder: bool,
    pub modified: Option<std::time::SystemTime>,
    /// Which of the paths given it was found under.
    pub root: u32,
}

/// What the walk finds, in input order.
pub enum WalkItem {
    File(InputFile),
    /// A path that cannot be read or walked; it comes before the file after it.
    Problem(Problem),
}

/// Walks the paths a user gave, folders recursively (following links, in name
/// order), and hands each file (with its size, for progress) and each path that
/// cannot be read to `found` as soon as it is found: readers start on the first
/// file while a large tree is still being walked. Stops once `cancel` is set.
pub fn walk(paths: &[PathBuf], cancel: &AtomicBool, found: &mut dyn FnMut(WalkItem)) {
    for (root, path) in (0u32..).zip(paths) {
        if cancel.load(Relaxed) {
            return;
        }
        let problem = |error| {
            WalkItem::Problem(Problem {
                source: Source::file(Arc::from(path.as_path())),
                error,
            })
        };
        match std::fs::metadata(path) {
            Err(e) => found(problem(IngestError::Io(e.to_string()))),
            Ok(meta) if meta.is_dir() => folder(path, root, cancel, found),
            Ok(meta) => found(WalkItem::File(InputFile {
                path: Arc::from(path.as_path()),
                size: meta.len(),
                in_folder: false,
                modified: meta.modified().ok(),
                root,
            })),
        }
    }
}

fn folder(root: &Path, index: u32, cancel: &AtomicBool, found: &mut dyn FnMut(WalkItem)) {
    // Siblings share their parent's path, so comparing whole paths orders them by
    // file name (`sort_by_file_name`) without splitting both paths into components
    // at every comparison.
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter();
    for entry in walker {
        if cancel.load(Relaxed) {
            return;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                found(WalkItem::Problem(Problem {
                    source: Source::file(Arc::from(path.as_path())),
                    error: IngestError::Walk(walk_error_text(&e)),
                }));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        // One `stat` per file (what `metadata` does when following links), for
        // progress; a file that vanished since is read, and fails, like any other.
        let meta = entry.metadata().ok();
        found(WalkItem::File(InputFile {
            path: Arc::from(entry.path()),
            size: meta.as_ref().map_or(0, |m| m.len()),
            in_folder: true,
            modified: meta.and_then(|m| m.modified().ok()),
            root: index,
        }));
    }
}

fn walk_error_text(e: &walkdir::Error) -> String {
    if let Some(ancestor) = e.loop_ancestor() {
        return format!("symbolic link loop back to {}", ancestor.display());
    }
    e.io_error()
        .map(|io| io.to_string())
        .unwrap_or_else(|| e.to_string())
}
