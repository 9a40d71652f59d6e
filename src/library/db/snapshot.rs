//! Where a library keeps the snapshot of its rows ([`crate::library::Covered`]),
//! when an open may use it, and when it is made again.
//!
//! The snapshot covers the imports up to one that had all ended when it was
//! made. Imports only ever add rows of their own (later or unfinished) import,
//! so those rows stay as they are; the operations that remove or rewrite stored
//! rows (removing a source, re-reading) call [`invalidate`], which drops the
//! snapshot and moves the library's generation on, so that a snapshot made from
//! rows read before the change is never stored.

use std::time::Duration;

use rusqlite::{Connection, ErrorCode, MAIN_DB, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{BUSY_WAIT, Library, LibraryError};
use crate::library::{ChunkKind, Loaded, SNAPSHOT_FORMAT, SnapshotError};

/// What the snapshot's chunks hold, in `meta` under this key.
const HEADER: &str = "snapshot";
/// Moves on whenever stored rows are removed or rewritten.
const GENERATION: &str = "generation";

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: i64,
    generation: i64,
    /// The last import covered: rows of imports up to it.
    import: i64,
    reports: u64,
}

/// A chunk that cannot be encoded fails the transaction that stores it.
impl From<SnapshotError> for rusqlite::Error {
    fn from(error: SnapshotError) -> rusqlite::Error {
        rusqlite::Error::ToSqlConversionFailure(Box::new(error))
    }
}

/// Drops the snapshot and moves the generation on, in the caller's transaction.
pub(super) fn invalidate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM snapshot", [])?;
    conn.execute("DELETE FROM meta WHERE key = ?1", [HEADER])?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [GENERATION],
    )?;
    Ok(())
}

pub(super) fn generation(conn: &Connection) -> rusqlite::Result<i64> {
    let value: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [GENERATION], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The last import a snapshot may cover now: the one before the first that
/// has not ended (it may still add rows), or the last.
pub(super) fn coverable_import(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT coalesce((SELECT min(id) - 1 FROM imports WHERE finished_at IS NULL),
                         (SELECT max(id) FROM imports), 0)",
        [],
        |r| r.get(0),
    )
}

fn header(conn: &Connection) -> rusqlite::Result<Option<Header>> {
    let value: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [HEADER], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
}

impl Library {
    /// The set the stored snapshot holds, when it is usable under `generation`
    /// and covers no import past `bound`, with the last import it covers.
    /// Otherwise an empty set: the caller reads every row.
    pub(super) fn restored(
        &self,
        generation: i64,
        bound: i64,
    ) -> rusqlite::Result<(Loaded, Option<i64>)> {
        let Some(header) = self.usable_header(generation, bound)? else {
            return Ok((Loaded::new(), None));
        };
        let stored_bytes: i64 = self.conn.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM snapshot",
            [],
            |r| r.get(0),
        )?;
        let mut statement = self
            .conn
            .prepare("SELECT id, kind FROM snapshot ORDER BY id")?;
        let chunks: Vec<(i64, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        // Each chunk is read into one buffer, reused: not a new allocation of
        // a few MB per chunk.
        let mut loaded = Loaded::new();
        let mut blob: Option<rusqlite::blob::Blob<'_>> = None;
        let mut buffer = Vec::new();
        for (id, kind) in chunks {
            let blob = match &mut blob {
                Some(open) => {
                    open.reopen(id)?;
                    open
                }
                None => blob.insert(
                    self.conn
                        .blob_open(MAIN_DB, "snapshot", "bytes", id, true)?,
                ),
            };
            buffer.resize(blob.len(), 0);
            blob.read_at_exact(&mut buffer, 0)?;
            let restored = match ChunkKind::of_name(&kind) {
                Some(kind) => loaded
                    .restore_chunk(kind, &buffer, stored_bytes as u64)
                    .is_ok(),
                None => false,
            };
            if !restored {
                return Ok((Loaded::new(), None));
            }
        }
        if loaded.check_restored().is_err() || loaded.report_count() as u64 != header.reports {
            return Ok((Loaded::new(), None));
        }
        Ok((loaded, Some(header.import)))
    }

    /// The stored snapshot's header, when its rows are those the tables hold
    /// under `generation` and it covers no import past `bound`.
    fn usable_header(&self, generation: i64, bound: i64) -> rusqlite::Result<Option<Header>> {
        let Some(header) = header(&self.conn)? else {
            return Ok(None);
        };
        let usable = header.format == SNAPSHOT_FORMAT
            && header.generation == generation
            && header.import <= bound
            && self.reports_up_to(header.import)? == header.reports;
        Ok(usable.then_some(header))
    }

    fn reports_up_to(&self, import: i64) -> rusqlite::Result<u64> {
        self.conn.query_row(
            "SELECT count(*) FROM reports WHERE import_id <= ?1",
            [import],
            |r| r.get::<_, i64>(0).map(|n| n as u64),
        )
    }

    /// Stores the snapshot of `loaded` (read from this library) unless the
    /// library holds it already. The snapshot only makes opening quicker, so
    /// another writer at work is not waited for: returns whether it was stored.
    pub fn store_snapshot(&self, loaded: &Loaded) -> Result<bool, LibraryError> {
        let Some(covered) = loaded.covered().filter(|c| !c.stored) else {
            return Ok(false);
        };
        let err = |e| self.error(e);
        self.conn.busy_timeout(Duration::ZERO).map_err(err)?;
        let begun = self.conn.execute_batch("BEGIN IMMEDIATE");
        self.conn.busy_timeout(BUSY_WAIT).map_err(err)?;
        match begun {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => return Ok(false),
            result => result.map_err(err)?,
        }
        let written = self.write_snapshot(loaded, covered.generation, covered.import);
        let ended = match written {
            Ok(true) => self.conn.execute_batch("COMMIT"),
            _ => self.conn.execute_batch("ROLLBACK"),
        };
        let written = written.map_err(err)?;
        ended.map_err(err)?;
        Ok(written)
    }

    fn write_snapshot(
        &self,
        loaded: &Loaded,
        generation: i64,
        import: i64,
    ) -> rusqlite::Result<bool> {
        if self::generation(&self.conn)? != generation {
            // Rows were removed or rewritten since `loaded` was read.
            return Ok(false);
        }
        self.conn.execute("DELETE FROM snapshot", [])?;
        let mut insert = self
            .conn
            .prepare("INSERT INTO snapshot (kind, bytes) VALUES (?1, ?2)")?;
        loaded
            .snapshot_chunks(|kind, bytes| insert.execute(params![kind.name(), bytes]).map(drop))?;
        let header = Header {
            format: SNAPSHOT_FORMAT,
            generation,
            import,
            reports: loaded.covered().map_or(0, |c| c.reports() as u64),
        };
        let header = serde_json::to_string(&header).unwrap_or_default();
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [HEADER, &header],
        )?;
        Ok(true)
    }

    /// Stores the snapshot of `loaded` when enough of it was read from the
    /// tables ([`worth_storing`]): what the app does after reading the library.
    pub fn refresh_snapshot(&self, loaded: &Loaded) -> Result<bool, LibraryError> {
        let Some(covered) = loaded.covered() else {
            return Ok(false);
        };
        let from_tables = covered.reports() - covered.restored;
        if !worth_storing(from_tables as u64, loaded.report_count() as u64) {
            return Ok(false);
        }
        self.store_snapshot(loaded)
    }

    /// Brings the snapshot up to date after an import, when enough rows are
    /// outside it ([`worth_storing`]): reads the library (from the snapshot
    /// there is and the rows behind it) and stores it. Counting first, so that
    /// an import of a few reports into a large library reads nothing more.
    pub fn update_snapshot(&self) -> Result<bool, LibraryError> {
        let err = |e| self.error(e);
        let generation = generation(&self.conn).map_err(err)?;
        let bound = coverable_import(&self.conn).map_err(err)?;
        let in_snapshot = self
            .usable_header(generation, bound)
            .map_err(err)?
            .map_or(0, |h| h.reports);
        let coverable = self.reports_up_to(bound).map_err(err)?;
        let total = self.reports_up_to(i64::MAX).map_err(err)?;
        if !worth_storing(coverable.saturating_sub(in_snapshot), total) {
            return Ok(false);
        }
        let loaded = self.load()?;
        self.store_snapshot(&loaded)
    }
}

/// Whether a snapshot is worth writing when `from_tables` of `total` reports
/// are read from the tables on opening: from a twentieth of them on. Reading a
/// report's rows from the tables takes about 8 µs (1,000,000 reports: 8 s), so
/// a day's import into a large library is read from the tables, in
/// milliseconds, without writing the whole snapshot again.
fn worth_storing(from_tables: u64, total: u64) -> bool {
    from_tables > 0 && from_tables.saturating_mul(20) >= total
}
