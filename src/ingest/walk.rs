//! Expanding the paths a user gave into the files to read.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use walkdir::WalkDir;

use super::error::{IngestError, Problem};
use super::source::Source;

/// A file to read, with its size for progress.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: Arc<Path>,
    pub size: u64,
    /// Found while walking a folder rather than named by the user.
    pub in_folder: bool,
}

/// Walks folders recursively (following links, in name order) and returns the files;
/// paths that cannot be read or walked become problems, each placed before the file
/// that follows it. The files' sizes are read on `threads` threads.
///
/// A folder tree can be large (a whole home folder dropped by mistake): `found` is
/// told the number of files found so far after each one, and once `cancel` is set
/// the walk stops and the files found are returned without their sizes.
pub fn expand(
    paths: &[PathBuf],
    threads: usize,
    cancel: &AtomicBool,
    found: &mut dyn FnMut(usize),
) -> (Vec<InputFile>, Vec<(usize, Problem)>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut walk = Walk {
        threads,
        cancel,
        found,
    };
    for path in paths {
        if cancel.load(Relaxed) {
            break;
        }
        let problem = |error| Problem {
            source: Source::file(Arc::from(path.as_path())),
            error,
        };
        match std::fs::metadata(path) {
            Err(e) => problems.push((files.len(), problem(IngestError::Io(e.to_string())))),
            Ok(meta) if meta.is_dir() => walk.folder(path, &mut files, &mut problems),
            Ok(meta) => {
                files.push(InputFile {
                    path: Arc::from(path.as_path()),
                    size: meta.len(),
                    in_folder: false,
                });
                (walk.found)(files.len());
            }
        }
    }
    (files, problems)
}

struct Walk<'a> {
    threads: usize,
    cancel: &'a AtomicBool,
    found: &'a mut dyn FnMut(usize),
}

impl Walk<'_> {
    fn folder(
        &mut self,
        root: &Path,
        files: &mut Vec<InputFile>,
        problems: &mut Vec<(usize, Problem)>,
    ) {
        // Siblings share their parent's path, so comparing whole paths orders them by
        // file name (`sort_by_file_name`) without splitting both paths into components
        // at every comparison.
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter();
        let first = files.len();
        for entry in walker {
            if self.cancel.load(Relaxed) {
                return;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = e.path().unwrap_or(root).to_path_buf();
                    problems.push((
                        files.len(),
                        Problem {
                            source: Source::file(Arc::from(path.as_path())),
                            error: IngestError::Walk(walk_error_text(&e)),
                        },
                    ));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            files.push(InputFile {
                path: Arc::from(entry.path()),
                size: 0,
                in_folder: true,
            });
            (self.found)(files.len());
        }
        self.read_sizes(&mut files[first..]);
    }

    /// The sizes, for progress: one `stat` per file (what `DirEntry::metadata` does
    /// when following links), on every core.
    fn read_sizes(&self, found: &mut [InputFile]) {
        let chunk = found.len().div_ceil(self.threads.max(1)).max(1);
        let cancel = self.cancel;
        let sizes: Vec<u64> = std::thread::scope(|scope| {
            let parts: Vec<_> = found
                .chunks(chunk)
                .map(|part| {
                    let spawned = std::thread::Builder::new()
                        .name("tlsrpt-walk".into())
                        .spawn_scoped(scope, || sizes_of(part, cancel));
                    (part, spawned)
                })
                .collect();
            parts
                .into_iter()
                .flat_map(
                    |(part, spawned)| match spawned.map(|thread| thread.join()) {
                        Ok(Ok(sizes)) => sizes,
                        // No thread, or it failed: do it here.
                        _ => sizes_of(part, cancel),
                    },
                )
                .collect()
        });
        for (file, size) in found.iter_mut().zip(sizes) {
            file.size = size;
        }
    }
}

/// The sizes of `files`, 0 for those not read because the load was cancelled.
fn sizes_of(files: &[InputFile], cancel: &AtomicBool) -> Vec<u64> {
    files
        .iter()
        .map(|file| {
            if cancel.load(Relaxed) {
                return 0;
            }
            std::fs::metadata(&file.path).map_or(0, |m| m.len())
        })
        .collect()
}

fn walk_error_text(e: &walkdir::Error) -> String {
    if let Some(ancestor) = e.loop_ancestor() {
        return format!("symbolic link loop back to {}", ancestor.display());
    }
    e.io_error()
        .map(|io| io.to_string())
        .unwrap_or_else(|| e.to_string())
}
