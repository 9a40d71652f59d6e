//! What can go wrong with a library file, in words a user can act on.

use std::path::PathBuf;

/// An error opening, reading or writing a library.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// Another program writes to the library and did not finish within the wait.
    #[error("library busy: another import is writing to {path} (try again when it is done)")]
    Busy { path: PathBuf },
    /// The file or its folder cannot be written.
    #[error("library {path} is read-only: {detail}")]
    ReadOnly { path: PathBuf, detail: String },
    /// The disk is full; what was committed before is intact.
    #[error("disk full while writing the library {path}; what was imported before is intact")]
    Full { path: PathBuf },
    /// The file is not an SQLite database or not a report library.
    #[error("{path} is not a report library: {detail}")]
    NotALibrary { path: PathBuf, detail: String },
    /// Made by a later version, whose schema this one cannot read.
    #[error(
        "{path} has library schema version {found}; this version reads up to {supported} (update tlsrpt-analyzer)"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file is damaged.
    #[error("library {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    /// The library must exist for this (a summary of it, say) and does not.
    #[error("no library at {path}")]
    Missing { path: PathBuf },
    /// Any other database error.
    #[error("library {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("library {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LibraryError {
    /// Sorts an SQLite error of the library at `path` into what the user can do
    /// about it.
    pub fn from_sqlite(path: &std::path::Path, error: rusqlite::Error) -> LibraryError {
        use rusqlite::ErrorCode as Code;
        let path = path.to_path_buf();
        let Some(code) = error.sqlite_error_code() else {
            return LibraryError::Sqlite {
                path,
                source: error,
            };
        };
        let detail = error.to_string();
        match code {
            Code::DatabaseBusy | Code::DatabaseLocked => LibraryError::Busy { path },
            Code::ReadOnly | Code::CannotOpen | Code::PermissionDenied => {
                LibraryError::ReadOnly { path, detail }
            }
            Code::DiskFull => LibraryError::Full { path },
            Code::NotADatabase => LibraryError::NotALibrary { path, detail },
            Code::DatabaseCorrupt => LibraryError::Corrupt { path, detail },
            _ => LibraryError::Sqlite {
                path,
                source: error,
            },
        }
    }
}
