//! The report library: every report kept across runs in one SQLite file.
//!
//! Reports are stored normalized (reports, policies, failure details: opening
//! reads rows, no JSON), each with the JSON document it came from, deflated, so a
//! later version can read them all again. An import log says what each input
//! brought. The file is in WAL mode: the app reads while a command-line import
//! writes, and two writers take turns (one waits, then gets "library busy").

mod codec;
mod error;
mod history;
mod known;
mod read;
mod reread;
mod schema;
mod snapshot;
mod sources;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use error::LibraryError;
pub use history::{ImportEntry, LibraryInfo, LibraryStamp, LogEntry, SourceEntry};
pub use known::KnownFiles;
pub use reread::Reread;
pub use sources::SourceRow;
pub use write::{ImportCounts, ImportSpec, LibraryWriter, SourceSpec};

/// How long a writer waits for another to finish its batch before "library busy".
const BUSY_WAIT: Duration = Duration::from_secs(20);

/// An open library file.
#[derive(Debug)]
pub struct Library {
    conn: Connection,
    path: PathBuf,
}

impl Library {
    /// Opens the library at `path`, creating it (and its folder) when absent, and
    /// brings an older schema up to date.
    pub fn open_or_create(path: &Path) -> Result<Library, LibraryError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| LibraryError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        Library::connect(path, OpenFlags::SQLITE_OPEN_CREATE)
    }

    /// Opens an existing library (for a summary, say: a typo must not create one).
    pub fn open(path: &Path) -> Result<Library, LibraryError> {
        if !path.is_file() {
            return Err(LibraryError::Missing {
                path: path.to_path_buf(),
            });
        }
        Library::connect(path, OpenFlags::empty())
    }

    fn connect(path: &Path, extra: OpenFlags) -> Result<Library, LibraryError> {
        let err = |e| LibraryError::from_sqlite(path, e);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | extra;
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(BUSY_WAIT).map_err(err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        let version = schema::version(&conn).map_err(err)?;
        check_kind(&conn, path, version)?;
        if version > schema::VERSION {
            return Err(LibraryError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                supported: schema::VERSION,
            });
        }
        if version == 0 {
            // WAL is a property of the file, set once: readers and a writer at once.
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(err)?;
        }
        // Safe against a killed process in WAL mode; only a power cut may lose
        // the last commits.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        if version < schema::VERSION {
            schema::migrate(&mut conn, version).map_err(err)?;
        }
        Ok(Library {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps the file under `max_bytes` (rounded down to whole pages): a write
    /// past it fails as a full disk would, and the library stays as it was.
    pub fn limit_size(&self, max_bytes: u64) -> Result<(), LibraryError> {
        let page: i64 = self
            .conn
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        let pages = (max_bytes / page.max(1) as u64).max(1);
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(|e| self.error(e))
    }

    /// Writes the write-ahead log into the file and empties it.
    pub fn checkpoint(&self) -> Result<(), LibraryError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(|e| self.error(e))
    }

    /// Creates a library with the schema of an earlier version (for the
    /// migration tests' fixture).
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, version: i64) -> Result<Library, LibraryError> {
        let err = |e| LibraryError::from_sqlite(path, e);
        let mut conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        schema::migrate_to(&mut conn, 0, version).map_err(err)?;
        Ok(Library {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64, LibraryError> {
        schema::version(&self.conn).map_err(|e| self.error(e))
    }

    /// `PRAGMA integrity_check` and `foreign_key_check`: empty when the file is
    /// sound, else what is wrong.
    pub fn integrity_problems(&self) -> Result<Vec<String>, LibraryError> {
        let mut problems = Vec::new();
        let mut check = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.error(e))?;
        let rows = check
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| self.error(e))?;
        for row in rows {
            let line = row.map_err(|e| self.error(e))?;
            if line != "ok" {
                problems.push(line);
            }
        }
        let mut keys = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(|e| self.error(e))?;
        let rows = keys
            .query_map([], |row| {
                Ok(format!(
                    "foreign key of {} row {} broken",
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?
                ))
            })
            .map_err(|e| self.error(e))?;
        for row in rows {
            problems.push(row.map_err(|e| self.error(e))?);
        }
        Ok(problems)
    }

    /// A number that changes whenever another connection commits to the file:
    /// the app polls it to notice an import from the command line.
    pub fn data_version(&self) -> Result<i64, LibraryError> {
        self.conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))
            .map_err(|e| self.error(e))
    }

    /// Changes this process committed, and others' (through [`Library::data_version`]):
    /// a token that differs after any commit to the file.
    pub fn change_token(&self) -> Result<(i64, i64), LibraryError> {
        let total: i64 = self
            .conn
            .query_row("SELECT total_changes()", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        Ok((self.data_version()?, total))
    }

    fn error(&self, error: rusqlite::Error) -> LibraryError {
        LibraryError::from_sqlite(&self.path, error)
    }
}

/// A file that is another program's SQLite database is not taken for a library.
fn check_kind(conn: &Connection, path: &Path, version: i64) -> Result<(), LibraryError> {
    let err = |e| LibraryError::from_sqlite(path, e);
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(err)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
        .map_err(err)?;
    let ours = id == schema::APPLICATION_ID || (id == 0 && version == 0 && tables == 0);
    if ours {
        return Ok(());
    }
    Err(LibraryError::NotALibrary {
        path: path.to_path_buf(),
        detail: "an SQLite database of another program".into(),
    })
}

/// The default library: `tlsrpt-analyzer/library.sqlite` in the platform's data
/// folder (`~/.local/share` on Linux).
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "tlsrpt-analyzer")?;
    Some(dirs.data_dir().join("library.sqlite"))
}
