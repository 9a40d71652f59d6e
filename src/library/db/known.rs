//! The inputs a library has read whole, so that an import passes over them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::codec::{nanos, path_bytes, path_of_bytes};
use super::{Library, LibraryError};
use crate::library::{Digest, KnownInputs};

/// The files of a library read whole: by path with size and modification time,
/// and by content.
#[derive(Debug, Default)]
pub struct KnownFiles {
    by_path: HashMap<Vec<u8>, (i64, Option<i64>)>,
    by_digest: HashMap<Digest, Arc<Path>>,
}

impl KnownInputs for KnownFiles {
    fn known_file(&self, path: &Path, size: u64, modified: Option<SystemTime>) -> Option<String> {
        let &(known_size, known_modified) = self.by_path.get(&path_bytes(path))?;
        let same = known_size == size as i64
            && known_modified.is_some()
            && known_modified == nanos(modified);
        same.then(|| "imported before (same path, size and modification time)".to_string())
    }

    fn known_content(&self, digest: &Digest) -> Option<String> {
        let path = self.by_digest.get(digest)?;
        Some(format!(
            "imported before as {} (same content)",
            path.display()
        ))
    }
}

impl Library {
    /// The files this library has read whole, for the reading pipeline's `known` option.
    pub fn known_files(&self) -> Result<KnownFiles, LibraryError> {
        let err = |e| self.error(e);
        let mut known = KnownFiles::default();
        let mut files = self
            .conn
            .prepare("SELECT path, size, modified_ns, digest FROM files WHERE read_by IS NOT NULL")
            .map_err(err)?;
        let mut rows = files.query([]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let path: Vec<u8> = row.get(0).map_err(err)?;
            let size: Option<i64> = row.get(1).map_err(err)?;
            let modified: Option<i64> = row.get(2).map_err(err)?;
            let digest: Option<Vec<u8>> = row.get(3).map_err(err)?;
            if let Some(digest) = digest.and_then(|d| Digest::try_from(d.as_slice()).ok()) {
                known.by_digest.insert(digest, path_of_bytes(&path));
            }
            known.by_path.insert(path, (size.unwrap_or(-1), modified));
        }
        Ok(known)
    }
}
