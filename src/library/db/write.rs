//! Importing: the reading pipeline's collector that writes into a library.
//!
//! Reports are written in batched transactions (a killed process loses at most
//! the batch under way, never consistency). Copies are recognized by the
//! library's unique (organization-name, report key); of two copies the first in
//! input order is kept, as in memory. An import that did not finish is resumed by
//! the next import of the same inputs: its items keep their places, and what it
//! committed is recognized ("already in the library") rather than counted again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::codec::{count, nanos, now_seconds, path_bytes, trail_text};
use super::{Library, LibraryError};
use crate::library::{Collect, Digest, Document, Found, InputRecord, Inserted, Kept};
use crate::library::{Order, PolicyText, Problem, Skipped, Source, content_digest};
use crate::report::{IpText, PolicyResult, Report};

/// A transaction is committed after this many items or this long.
const BATCH_ITEMS: usize = 2_000;
const BATCH_AGE: Duration = Duration::from_millis(500);

/// What an import is: where it comes from and what was given.
#[derive(Debug, Clone)]
pub struct ImportSpec {
    /// Who imports: "command line", "app", a source's sync.
    pub origin: String,
    /// The paths or mailbox addresses given, each a source of the library.
    pub inputs: Vec<SourceSpec>,
}

/// One source given to an import.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// "path", or a mail source's kind.
    pub kind: String,
    /// The absolute path or the address.
    pub location: String,
}

impl ImportSpec {
    /// An import of files and folders.
    pub fn paths(origin: &str, paths: &[PathBuf]) -> ImportSpec {
        let inputs = paths
            .iter()
            .map(|path| SourceSpec {
                kind: "path".into(),
                location: std::path::absolute(path)
                    .unwrap_or_else(|_| path.clone())
                    .display()
                    .to_string(),
            })
            .collect();
        ImportSpec {
            origin: origin.into(),
            inputs,
        }
    }
}

/// What an import brought, in the words of the import log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Reports the library did not have.
    pub new: u64,
    /// Copies of reports it had (identical or conflicting).
    pub copies: u64,
    /// Of those, copies whose content differs from the kept one.
    pub conflicts: u64,
    pub problems: u64,
    pub skipped: u64,
    /// Files passed over without decoding: read before, unchanged.
    pub unchanged: u64,
    /// Reports read again from the very input they were imported from.
    pub already: u64,
}

/// The collector that writes into a library. Made with [`LibraryWriter::begin`],
/// handed to the pipeline, then [`LibraryWriter::finish`]ed.
pub struct LibraryWriter<'a> {
    pub(super) library: &'a mut Library,
    import: i64,
    cancel: &'a AtomicBool,
    error: Option<LibraryError>,
    in_transaction: bool,
    pending: usize,
    since: Instant,
    /// File ids by path.
    files: HashMap<Arc<Path>, i64>,
    /// The source id of each input given.
    roots: Vec<i64>,
    /// The source of reports from each file read.
    file_sources: HashMap<i64, i64>,
    /// Files read in this import, marked as read when it ends.
    read: Vec<(i64, InputRecord)>,
    counts: ImportCounts,
    /// The last document stored, shared by the reports of one JSON list.
    last_document: Option<(Digest, i64)>,
}

/// A report the library holds under the key of an incoming one.
struct Held {
    id: i64,
    order: Order,
    file_id: i64,
    trail: String,
    digest: Vec<u8>,
}

impl<'a> LibraryWriter<'a> {
    /// Starts an import (or resumes the unfinished one of the same inputs).
    /// `cancel` is the load's: the writer sets it when the library fails.
    pub fn begin(
        library: &'a mut Library,
        spec: &ImportSpec,
        cancel: &'a AtomicBool,
    ) -> Result<LibraryWriter<'a>, LibraryError> {
        let (import, roots) = start_import(library, spec).map_err(|e| library.error(e))?;
        Ok(LibraryWriter {
            library,
            import,
            cancel,
            error: None,
            in_transaction: false,
            pending: 0,
            since: Instant::now(),
            files: HashMap::new(),
            roots,
            file_sources: HashMap::new(),
            read: Vec::new(),
            counts: ImportCounts::default(),
            last_document: None,
        })
    }

    /// The import's number (its row in the import log).
    pub fn import_id(&self) -> i64 {
        self.import
    }

    /// Ends the import: commits, marks the files read whole (unless the load was
    /// cancelled) and returns what it brought, or the error that stopped it.
    pub fn finish(mut self, cancelled: bool) -> Result<ImportCounts, LibraryError> {
        if self.error.is_none() {
            let result = self.close(cancelled);
            self.run(|_| result);
        }
        if self.in_transaction {
            let _ = self.library.conn.execute_batch("ROLLBACK");
        }
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(self.counts),
        }
    }

    fn close(&mut self, cancelled: bool) -> rusqlite::Result<()> {
        self.transaction()?;
        if !cancelled {
            let conn = &self.library.conn;
            let mut mark = conn.prepare_cached(
                "UPDATE files SET size = ?2, modified_ns = ?3, digest = ?4, read_by = ?5 WHERE id = ?1",
            )?;
            for (file, record) in &self.read {
                let digest = record.digest.as_ref().map(|d| &d[..]);
                mark.execute(params![
                    file,
                    count(record.size),
                    nanos(record.modified),
                    digest,
                    self.import
                ])?;
            }
        }
        self.counts.conflicts = self.conflicts()?;
        let c = &self.counts;
        self.library.conn.execute(
            "UPDATE imports SET finished_at = CASE WHEN ?2 THEN NULL ELSE ?3 END, cancelled = ?2,
                new = new + ?4, copies = copies + ?5, problems = problems + ?6,
                skipped = skipped + ?7, unchanged = unchanged + ?8
             WHERE id = ?1",
            params![
                self.import,
                cancelled,
                now_seconds(),
                count(c.new),
                count(c.copies),
                count(c.problems),
                count(c.skipped),
                count(c.unchanged)
            ],
        )?;
        self.library.conn.execute_batch("COMMIT")?;
        self.in_transaction = false;
        Ok(())
    }

    /// Runs `step` in the transaction under way (or a new one) and commits.
    pub(super) fn commit_with(
        &mut self,
        step: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<()>,
    ) -> Result<(), LibraryError> {
        self.run(|w| {
            w.transaction()?;
            step(&w.library.conn)?;
            w.library.conn.execute_batch("COMMIT")?;
            w.in_transaction = false;
            w.pending = 0;
            Ok(())
        });
        // The error is the caller's now: it stops the sync.
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Copies logged by this import whose content differs from the kept report.
    fn conflicts(&self) -> rusqlite::Result<u64> {
        self.library.conn.query_row(
            "SELECT count(*) FROM import_log l JOIN reports r ON r.id = l.report
             WHERE l.import_id = ?1 AND l.outcome = 'copy' AND l.digest != r.digest",
            [self.import],
            |row| row.get::<_, i64>(0).map(|n| n as u64),
        )
    }

    /// Runs one step of writing; the first failure is kept, stops the load and
    /// makes every later step a no-op.
    fn run<T>(&mut self, step: impl FnOnce(&mut Self) -> rusqlite::Result<T>) -> Option<T> {
        if self.error.is_some() {
            return None;
        }
        match step(self) {
            Ok(value) => Some(value),
            Err(e) => {
                if self.in_transaction {
                    let _ = self.library.conn.execute_batch("ROLLBACK");
                    self.in_transaction = false;
                }
                self.error = Some(self.library.error(e));
                self.cancel.store(true, Relaxed);
                None
            }
        }
    }

    /// Opens a transaction if none is open. `IMMEDIATE`: the write lock is taken
    /// (or waited for) here, never half-way through a batch.
    fn transaction(&mut self) -> rusqlite::Result<()> {
        if !self.in_transaction {
            self.library.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_transaction = true;
            self.since = Instant::now();
        }
        Ok(())
    }

    /// Counts one item written; commits the batch when it is full or old.
    fn written(&mut self) -> rusqlite::Result<()> {
        self.pending += 1;
        if self.pending >= BATCH_ITEMS || self.since.elapsed() >= BATCH_AGE {
            self.library.conn.execute_batch("COMMIT")?;
            self.in_transaction = false;
            self.pending = 0;
        }
        Ok(())
    }

    fn file_id(&mut self, path: &Arc<Path>) -> rusqlite::Result<i64> {
        if let Some(&id) = self.files.get(path) {
            return Ok(id);
        }
        let bytes = path_bytes(path);
        let conn = &self.library.conn;
        conn.prepare_cached("INSERT INTO files (path) VALUES (?1) ON CONFLICT (path) DO NOTHING")?
            .execute([&bytes])?;
        let id = conn
            .prepare_cached("SELECT id FROM files WHERE path = ?1")?
            .query_row([&bytes], |row| row.get(0))?;
        self.files.insert(path.clone(), id);
        Ok(id)
    }

    fn log(
        &mut self,
        order: Order,
        source: &Source,
        outcome: &str,
        reason: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.transaction()?;
        let file = self.file_id(&source.path)?;
        self.library
            .conn
            .prepare_cached(
                "INSERT INTO import_log (import_id, at, ord_file, ord_message, ord_item, file_id, trail, outcome, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (file_id, trail, outcome) WHERE outcome IN ('problem', 'skipped')
                 DO UPDATE SET import_id = excluded.import_id, at = excluded.at,
                    ord_file = excluded.ord_file, ord_message = excluded.ord_message,
                    ord_item = excluded.ord_item, reason = excluded.reason",
            )?
            .execute(params![
                self.import,
                now_seconds(),
                order.file,
                count(order.message),
                order.item,
                file,
                trail_text(&source.trail),
                outcome,
                reason
            ])?;
        self.written()
    }

    fn insert_found(&mut self, found: Found) -> rusqlite::Result<Inserted> {
        self.transaction()?;
        let Found {
            report,
            source,
            order,
            kept,
            ..
        } = found;
        let kept = kept.unwrap_or_else(|| Kept {
            digest: content_digest(&report),
            document: Document::of(&serde_json::to_vec(&report.to_json()).unwrap_or_default()),
        });
        let file = self.file_id(&source.path)?;
        let trail = trail_text(&source.trail);
        let key = report_key(&report, &kept.digest);
        let incoming = Incoming {
            report: &report,
            order,
            file,
            trail: &trail,
            kept: &kept,
        };
        let inserted = match self.held(&report, &key)? {
            None => {
                self.insert_report(&incoming, &key)?;
                self.counts.new += 1;
                Inserted::New
            }
            Some(held) => self.copy(&incoming, held)?,
        };
        self.written()?;
        Ok(inserted)
    }

    /// A report arrived whose key the library holds.
    fn copy(&mut self, incoming: &Incoming<'_>, held: Held) -> rusqlite::Result<Inserted> {
        let same_input = held.file_id == incoming.file && held.trail == incoming.trail;
        if same_input && held.digest[..] == incoming.kept.digest[..] {
            self.counts.already += 1;
            return Ok(Inserted::Again);
        }
        if incoming.order < held.order {
            // Earlier in input order (a copy in this import that a slower thread
            // handed over later): it is the one kept, the held one a copy.
            self.replace(incoming, &held)?;
            self.counts.copies += 1;
            return Ok(Inserted::Copy);
        }
        let logged = self
            .library
            .conn
            .prepare_cached(
                "INSERT INTO import_log (import_id, at, ord_file, ord_message, ord_item, file_id, trail, outcome, report, digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'copy', ?8, ?9)
                 ON CONFLICT (report, file_id, trail) WHERE outcome = 'copy' DO NOTHING",
            )?
            .execute(params![
                self.import,
                now_seconds(),
                incoming.order.file,
                count(incoming.order.message),
                incoming.order.item,
                incoming.file,
                incoming.trail,
                held.id,
                &incoming.kept.digest[..]
            ])?;
        if logged == 0 {
            // This copy, from this input, was logged by an earlier run.
            self.counts.already += 1;
            return Ok(Inserted::Again);
        }
        self.counts.copies += 1;
        Ok(Inserted::Copy)
    }

    fn held(&self, report: &Report, key: &str) -> rusqlite::Result<Option<Held>> {
        self.library
            .conn
            .prepare_cached(
                "SELECT id, import_id, ord_file, ord_message, ord_item, file_id, trail, digest
                 FROM reports WHERE organization_name = ?1 AND report_key = ?2",
            )?
            .query_row(params![&*report.organization_name, key], |row| {
                Ok(Held {
                    id: row.get(0)?,
                    order: super::codec::order_of(
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ),
                    file_id: row.get(5)?,
                    trail: row.get(6)?,
                    digest: row.get(7)?,
                })
            })
            .optional()
    }

    fn insert_report(&mut self, incoming: &Incoming<'_>, key: &str) -> rusqlite::Result<()> {
        let document = self.document(&incoming.kept.document)?;
        let source = self.file_sources.get(&incoming.file).copied();
        let source = source.or_else(|| self.roots.first().copied());
        let report = incoming.report;
        let order = incoming.order;
        let conn = &self.library.conn;
        conn.prepare_cached(
            "INSERT INTO reports (organization_name, report_key, report_id, contact_info, start, end,
                import_id, ord_file, ord_message, ord_item, file_id, trail, source_id, digest, document_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            &*report.organization_name,
            key,
            &*report.report_id,
            report.contact_info.as_deref(),
            report.date_range.start.timestamp(),
            report.date_range.end.timestamp(),
            self.import,
            order.file,
            count(order.message),
            order.item,
            incoming.file,
            incoming.trail,
            source,
            &incoming.kept.digest[..],
            document
        ])?;
        let id = conn.last_insert_rowid();
        insert_policies(conn, id, report)?;
        self.log_new(id, incoming)
    }

    fn log_new(&self, report: i64, incoming: &Incoming<'_>) -> rusqlite::Result<()> {
        self.library
            .conn
            .prepare_cached(
                "INSERT INTO import_log (import_id, at, ord_file, ord_message, ord_item, file_id, trail, outcome, report)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'new', ?8)",
            )?
            .execute(params![
                self.import,
                now_seconds(),
                incoming.order.file,
                count(incoming.order.message),
                incoming.order.item,
                incoming.file,
                incoming.trail,
                report
            ])?;
        Ok(())
    }

    /// Puts an earlier copy in the place of the held report, whose log entry
    /// becomes a copy's.
    fn replace(&mut self, incoming: &Incoming<'_>, held: &Held) -> rusqlite::Result<()> {
        let document = self.document(&incoming.kept.document)?;
        let report = incoming.report;
        let order = incoming.order;
        let conn = &self.library.conn;
        conn.prepare_cached(
            "UPDATE import_log SET outcome = 'copy', digest = ?2 WHERE report = ?1 AND outcome = 'new'",
        )?
        .execute(params![held.id, &held.digest[..]])?;
        conn.prepare_cached("DELETE FROM policies WHERE report = ?1")?
            .execute([held.id])?;
        conn.prepare_cached(
            "UPDATE reports SET report_id = ?2, contact_info = ?3, start = ?4, end = ?5, import_id = ?6,
                ord_file = ?7, ord_message = ?8, ord_item = ?9, file_id = ?10, trail = ?11,
                digest = ?12, document_id = ?13
             WHERE id = ?1",
        )?
        .execute(params![
            held.id,
            &*report.report_id,
            report.contact_info.as_deref(),
            report.date_range.start.timestamp(),
            report.date_range.end.timestamp(),
            self.import,
            order.file,
            count(order.message),
            order.item,
            incoming.file,
            incoming.trail,
            &incoming.kept.digest[..],
            document
        ])?;
        insert_policies(conn, held.id, report)?;
        self.log_new(held.id, incoming)
    }

    /// The id of a stored document, storing it when new.
    fn document(&mut self, document: &Document) -> rusqlite::Result<i64> {
        if let Some((digest, id)) = self.last_document
            && digest == document.digest
        {
            return Ok(id);
        }
        let conn = &self.library.conn;
        conn.prepare_cached(
            "INSERT INTO documents (digest, size, deflated) VALUES (?1, ?2, ?3)
             ON CONFLICT (digest) DO NOTHING",
        )?
        .execute(params![
            &document.digest[..],
            count(document.size),
            &document.deflated[..]
        ])?;
        let id = conn
            .prepare_cached("SELECT id FROM documents WHERE digest = ?1")?
            .query_row([&document.digest[..]], |row| row.get(0))?;
        self.last_document = Some((document.digest, id));
        Ok(id)
    }

    fn heard_of(&mut self, record: InputRecord) -> rusqlite::Result<()> {
        if record.known.is_some() {
            // Counted on the import, not logged: a daily import of a large
            // folder would log every file each day.
            self.counts.unchanged += 1;
            return Ok(());
        }
        self.transaction()?;
        let file = self.file_id(&record.path)?;
        // Read again: what an earlier read found wrong with it may be gone.
        self.library
            .conn
            .prepare_cached(
                "DELETE FROM import_log WHERE file_id = ?1 AND outcome IN ('problem', 'skipped')",
            )?
            .execute([file])?;
        if let Some(&source) = self.roots.get(record.root as usize) {
            self.file_sources.insert(file, source);
        }
        self.read.push((file, record));
        Ok(())
    }
}

/// An incoming report with what the writer worked out about it.
struct Incoming<'r> {
    report: &'r Report,
    order: Order,
    file: i64,
    trail: &'r str,
    kept: &'r Kept,
}

impl Collect for LibraryWriter<'_> {
    fn begin_load(&mut self) -> u32 {
        self.import as u32
    }

    fn insert(&mut self, found: Found) -> Inserted {
        self.run(|w| w.insert_found(found))
            .unwrap_or(Inserted::Again)
    }

    fn add_problem(&mut self, problem: Problem, order: Order) {
        let reason = problem.error.to_string();
        if self
            .run(|w| w.log(order, &problem.source, "problem", Some(&reason)))
            .is_some()
        {
            self.counts.problems += 1;
        }
    }

    fn add_skipped(&mut self, skipped: Skipped, order: Order) {
        let reason = skipped.reason.to_string();
        if self
            .run(|w| w.log(order, &skipped.source, "skipped", Some(&reason)))
            .is_some()
        {
            self.counts.skipped += 1;
        }
    }

    fn input(&mut self, record: InputRecord) {
        self.run(|w| w.heard_of(record));
    }

    fn finish_load(&mut self) {}
}

/// The library's key of a report: its report-id, or its content digest when it
/// has none (as [`crate::library::Loaded`] keys by content).
fn report_key(report: &Report, digest: &Digest) -> String {
    if report.report_id.is_empty() {
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("\u{0}content-{hex}")
    } else {
        report.report_id.to_string()
    }
}

pub(super) fn insert_policies(
    conn: &rusqlite::Connection,
    report: i64,
    value: &Report,
) -> rusqlite::Result<()> {
    let mut policy_row = conn.prepare_cached(
        "INSERT INTO policies (report, position, policy_type, policy_domain, mode, policy_string,
            mx_patterns, successful, failed, detail_failed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (position, result) in value.policies.iter().enumerate() {
        let policy = &result.policy;
        let text = PolicyText::of(result);
        policy_row.execute(params![
            report,
            position as i64,
            policy.policy_type.as_str(),
            policy.policy_domain.as_deref(),
            text.mode,
            non_empty(&text.version),
            non_empty(&text.mx_patterns),
            count(result.summary.total_successful_session_count),
            count(result.summary.total_failure_session_count),
            count(result.detail_failure_count())
        ])?;
        insert_details(conn, conn.last_insert_rowid(), result)?;
    }
    Ok(())
}

fn insert_details(
    conn: &rusqlite::Connection,
    policy: i64,
    result: &PolicyResult,
) -> rusqlite::Result<()> {
    let mut detail_row = conn.prepare_cached(
        "INSERT INTO failure_details (policy, position, result_type, sending_mta_ip, receiving_ip,
            receiving_mx_hostname, receiving_mx_helo, failed_session_count, failure_reason_code,
            additional_information)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let ip = |ip: &Option<IpText>| ip.as_ref().map(|ip| ip.to_string());
    for (position, detail) in result.failure_details.iter().enumerate() {
        detail_row.execute(params![
            policy,
            position as i64,
            detail.result_type.as_str(),
            ip(&detail.sending_mta_ip),
            ip(&detail.receiving_ip),
            detail.receiving_mx_hostname.as_deref(),
            detail.receiving_mx_helo.as_deref(),
            count(detail.failed_session_count),
            detail.failure_reason_code.as_deref(),
            detail.additional_information.as_deref()
        ])?;
    }
    Ok(())
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// Starts the import row (or finds the unfinished one of the same inputs) and
/// the source of each input.
fn start_import(library: &mut Library, spec: &ImportSpec) -> rusqlite::Result<(i64, Vec<i64>)> {
    let inputs = serde_json::to_string(
        &spec
            .inputs
            .iter()
            .map(|s| format!("{}:{}", s.kind, s.location))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let tx = library
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = now_seconds();
    let mut roots = Vec::with_capacity(spec.inputs.len());
    for input in &spec.inputs {
        tx.execute(
            "INSERT INTO sources (kind, location, added_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (location) DO NOTHING",
            params![input.kind, input.location, now],
        )?;
        roots.push(tx.query_row(
            "SELECT id FROM sources WHERE location = ?1",
            [&input.location],
            |row| row.get(0),
        )?);
    }
    let unfinished: Option<i64> = tx
        .query_row(
            "SELECT id FROM imports WHERE finished_at IS NULL AND inputs = ?1 AND origin = ?2
             ORDER BY id DESC LIMIT 1",
            params![inputs, spec.origin],
            |row| row.get(0),
        )
        .optional()?;
    let import = match unfinished {
        Some(id) => id,
        None => {
            tx.execute(
                "INSERT INTO imports (started_at, origin, inputs) VALUES (?1, ?2, ?3)",
                params![now, spec.origin, inputs],
            )?;
            tx.last_insert_rowid()
        }
    };
    tx.commit()?;
    Ok((import, roots))
}
