//! What a library says about itself: its size and span, its sources, its import
//! history; and the changes a user makes to it as a whole (removing a source).

use rusqlite::params;
use serde::Serialize;

use super::codec::count_of;
use super::{Library, LibraryError};

/// `library info`.
#[derive(Debug, Clone, Serialize)]
pub struct LibraryInfo {
    pub path: String,
    pub schema_version: i64,
    pub reports: u64,
    pub policies: u64,
    pub failure_details: u64,
    /// Stored documents and their size before and after deflating.
    pub documents: u64,
    pub document_bytes: u64,
    pub deflated_bytes: u64,
    /// The first and last day reports cover (UTC, `YYYY-MM-DD`).
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    pub sources: u64,
    pub imports: u64,
    /// The file with its write-ahead log.
    pub bytes_on_disk: u64,
}

/// One source with what the library holds of it.
#[derive(Debug, Clone, Serialize)]
pub struct SourceEntry {
    pub id: i64,
    pub kind: String,
    pub location: String,
    pub added_at: i64,
    pub reports: u64,
}

/// One import of the history.
#[derive(Debug, Clone, Serialize)]
pub struct ImportEntry {
    pub id: i64,
    pub started_at: i64,
    /// None: it did not finish (killed, or cancelled: `cancelled`).
    pub finished_at: Option<i64>,
    pub origin: String,
    pub inputs: Vec<String>,
    pub cancelled: bool,
    pub new: u64,
    pub copies: u64,
    pub problems: u64,
    pub skipped: u64,
    pub unchanged: u64,
}

/// One line of the import log: what one input brought.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub at: i64,
    pub source: String,
    pub outcome: String,
    pub reason: Option<String>,
}

impl Library {
    pub fn info(&self) -> Result<LibraryInfo, LibraryError> {
        let err = |e| self.error(e);
        let one = |sql: &str| -> Result<u64, LibraryError> {
            self.conn
                .query_row(sql, [], |row| row.get::<_, Option<i64>>(0))
                .map(|n| count_of(n.unwrap_or(0)))
                .map_err(err)
        };
        let (first, last): (Option<i64>, Option<i64>) = self
            .conn
            .query_row("SELECT min(start), max(start) FROM reports", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .map_err(err)?;
        let day = |t: Option<i64>| {
            t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map(|t| t.date_naive().to_string())
        };
        let wal = self.path.with_extension(format!(
            "{}-wal",
            self.path.extension().and_then(|e| e.to_str()).unwrap_or("")
        ));
        let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
        // One pass over the documents (most of the file) for both sums.
        let (document_bytes, deflated_bytes): (Option<i64>, Option<i64>) = self
            .conn
            .query_row(
                "SELECT sum(size), sum(length(deflated)) FROM documents",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(err)?;
        Ok(LibraryInfo {
            path: self.path.display().to_string(),
            schema_version: self.schema_version()?,
            reports: one("SELECT count(*) FROM reports")?,
            policies: one("SELECT count(*) FROM policies")?,
            failure_details: one("SELECT count(*) FROM failure_details")?,
            documents: one("SELECT count(*) FROM documents")?,
            document_bytes: count_of(document_bytes.unwrap_or(0)),
            deflated_bytes: count_of(deflated_bytes.unwrap_or(0)),
            first_day: day(first),
            last_day: day(last),
            sources: one("SELECT count(*) FROM sources")?,
            imports: one("SELECT count(*) FROM imports")?,
            bytes_on_disk: size(&self.path) + size(&wal),
        })
    }

    pub fn sources(&self) -> Result<Vec<SourceEntry>, LibraryError> {
        let err = |e| self.error(e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT s.id, s.kind, s.location, s.added_at,
                    (SELECT count(*) FROM reports r WHERE r.source_id = s.id)
                 FROM sources s ORDER BY s.id",
            )
            .map_err(err)?;
        let rows = statement
            .query_map([], |row| {
                Ok(SourceEntry {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    location: row.get(2)?,
                    added_at: row.get(3)?,
                    reports: count_of(row.get(4)?),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// The imports, newest first.
    pub fn imports(&self, limit: usize) -> Result<Vec<ImportEntry>, LibraryError> {
        let err = |e| self.error(e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, started_at, finished_at, origin, inputs, cancelled, new, copies,
                    problems, skipped, unchanged
                 FROM imports ORDER BY id DESC LIMIT ?1",
            )
            .map_err(err)?;
        let rows = statement
            .query_map([limit as i64], |row| {
                let inputs: String = row.get(4)?;
                Ok(ImportEntry {
                    id: row.get(0)?,
                    started_at: row.get(1)?,
                    finished_at: row.get(2)?,
                    origin: row.get(3)?,
                    inputs: serde_json::from_str(&inputs).unwrap_or_default(),
                    cancelled: row.get(5)?,
                    new: count_of(row.get(6)?),
                    copies: count_of(row.get(7)?),
                    problems: count_of(row.get(8)?),
                    skipped: count_of(row.get(9)?),
                    unchanged: count_of(row.get(10)?),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// What one import logged, in input order, at most `limit` lines.
    pub fn import_log(&self, import: i64, limit: usize) -> Result<Vec<LogEntry>, LibraryError> {
        let err = |e| self.error(e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT l.at, f.path, l.trail, l.outcome, l.reason,
                    l.outcome = 'copy' AND l.digest != r.digest
                 FROM import_log l JOIN files f ON f.id = l.file_id
                 LEFT JOIN reports r ON r.id = l.report
                 WHERE l.import_id = ?1
                 ORDER BY l.ord_file, l.ord_message, l.ord_item, l.id LIMIT ?2",
            )
            .map_err(err)?;
        let rows = statement
            .query_map(params![import, limit as i64], |row| {
                let path: Vec<u8> = row.get(1)?;
                let trail: String = row.get(2)?;
                let source = crate::library::Source {
                    path: super::codec::path_of_bytes(&path),
                    trail: super::codec::trail_of_text(&trail),
                };
                let conflict: Option<bool> = row.get(5)?;
                let outcome: String = row.get(3)?;
                Ok(LogEntry {
                    at: row.get(0)?,
                    source: source.to_string(),
                    outcome: if conflict == Some(true) {
                        "conflict".into()
                    } else {
                        outcome
                    },
                    reason: row.get(4)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// Removes a source with the reports it brought. Files that held copies of
    /// those reports are marked unread, so that importing them again brings the
    /// copies back as reports. Returns the reports removed.
    pub fn remove_source(&mut self, source: i64) -> Result<u64, LibraryError> {
        let path = self.path.clone();
        let err = |e| LibraryError::from_sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "UPDATE files SET read_by = NULL WHERE id IN (
                SELECT l.file_id FROM import_log l JOIN reports r ON r.id = l.report
                WHERE l.outcome = 'copy' AND r.source_id = ?1)",
            [source],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE files SET read_by = NULL WHERE id IN (
                SELECT DISTINCT file_id FROM reports WHERE source_id = ?1)",
            [source],
        )
        .map_err(err)?;
        let removed = tx
            .execute("DELETE FROM reports WHERE source_id = ?1", [source])
            .map_err(err)?;
        tx.execute(
            "DELETE FROM documents WHERE id NOT IN (SELECT document_id FROM reports WHERE document_id IS NOT NULL)",
            [],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM sources WHERE id = ?1", [source])
            .map_err(err)?;
        super::snapshot::invalidate(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(removed as u64)
    }
}

/// A summary of everything in a library that changes when anything is imported
/// or removed: the app compares it to notice another program's import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LibraryStamp {
    reports: i64,
    last_log: i64,
    sources: i64,
    imports: i64,
    finished: i64,
}

impl Library {
    pub fn stamp(&self) -> Result<LibraryStamp, LibraryError> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM reports), (SELECT coalesce(max(id), 0) FROM import_log),
                    (SELECT count(*) FROM sources), (SELECT coalesce(max(id), 0) FROM imports),
                    (SELECT count(*) FROM imports WHERE finished_at IS NOT NULL)",
                [],
                |row| {
                    Ok(LibraryStamp {
                        reports: row.get(0)?,
                        last_log: row.get(1)?,
                        sources: row.get(2)?,
                        imports: row.get(3)?,
                        finished: row.get(4)?,
                    })
                },
            )
            .map_err(|e| self.error(e))
    }
}
