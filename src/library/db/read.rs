//! Opening: a library's rows read straight into the loaded set's rows (no JSON
//! parsed), and a report read whole from its stored document when one is opened.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rusqlite::Row;

use super::codec::{count_of, order_of, path_of_bytes, trail_of_text};
use super::{Library, LibraryError, snapshot};
use crate::library::dataset::{StoredDetail, StoredPolicy, StoredReport};
use crate::library::{Conflict, Document, IngestError, Loaded, LoadedReport, Problem};
use crate::library::{SkipReason, Skipped, Source, StoredEntry};
use crate::report::parse_report_list;

/// The largest stored document inflated when a report is opened.
const MAX_DOCUMENT: u64 = 256 << 20;

/// Reports, policies and details of the imports after ?1 up to ?2, in input
/// order, one row per detail (or per policy without details, or report without
/// policies).
const ROWS: &str = "
SELECT r.id, r.organization_name, r.report_id, r.contact_info, r.start, r.end,
       r.import_id, r.ord_file, r.ord_message, r.ord_item, r.file_id, r.trail,
       p.id, p.policy_type, p.policy_domain, p.mode, p.policy_string, p.mx_patterns,
       p.successful, p.failed, p.detail_failed,
       d.id, d.result_type, d.sending_mta_ip, d.receiving_ip, d.receiving_mx_hostname,
       d.receiving_mx_helo, d.failed_session_count, d.failure_reason_code,
       d.additional_information
FROM reports r
LEFT JOIN policies p ON p.report = r.id
LEFT JOIN failure_details d ON d.policy = p.id
WHERE r.import_id > ?1 AND r.import_id <= ?2
ORDER BY r.import_id, r.ord_file, r.ord_message, r.ord_item, p.position, d.position";

impl Library {
    /// Everything the library holds, as a loaded set whose reports stay on disk.
    pub fn load(&self) -> Result<Loaded, LibraryError> {
        let err = |e| self.error(e);
        // One read transaction: a consistent picture while an import commits.
        self.conn.execute_batch("BEGIN").map_err(err)?;
        let result = self.read_all();
        let _ = self.conn.execute_batch("COMMIT");
        result.map_err(err)
    }

    /// The snapshot and the rows behind it up to the last import it could
    /// cover now (see [`super::snapshot`]), then the rows of later imports.
    fn read_all(&self) -> rusqlite::Result<Loaded> {
        let files = self.file_paths()?;
        let generation = snapshot::generation(&self.conn)?;
        let bound = snapshot::coverable_import(&self.conn)?;
        let (mut loaded, from) = self.restored(generation, bound)?;
        let restored = from.map(|_| loaded.report_count());
        loaded.stored.library = Some(Arc::from(self.path.as_path()));
        self.read_rows(&mut loaded, from.unwrap_or(i64::MIN), bound)?;
        loaded.mark_covered(bound, generation, restored);
        self.read_rows(&mut loaded, bound, i64::MAX)?;
        self.read_log(&mut loaded, &files)?;
        loaded.stored.entries.paths = files;
        Ok(loaded)
    }

    fn file_paths(&self) -> rusqlite::Result<HashMap<i64, Arc<Path>>> {
        let mut statement = self.conn.prepare("SELECT id, path FROM files")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                path_of_bytes(&row.get::<_, Vec<u8>>(1)?),
            ))
        })?;
        rows.collect()
    }

    /// The rows of the imports after `after` up to `up_to`.
    fn read_rows(&self, loaded: &mut Loaded, after: i64, up_to: i64) -> rusqlite::Result<()> {
        let mut statement = self.conn.prepare_cached(ROWS)?;
        let mut rows = statement.query([after, up_to])?;
        let mut assembly = Assembly::default();
        while let Some(row) = rows.next()? {
            assembly.row(loaded, row)?;
        }
        assembly.finish(loaded);
        Ok(())
    }

    /// Problems, skipped inputs, copies and conflicts, in input order.
    fn read_log(
        &self,
        loaded: &mut Loaded,
        files: &HashMap<i64, Arc<Path>>,
    ) -> rusqlite::Result<()> {
        let source = |file: i64, trail: &str| Source {
            path: files
                .get(&file)
                .cloned()
                .unwrap_or_else(|| Arc::from(Path::new(""))),
            trail: trail_of_text(trail),
        };
        let mut statement = self.conn.prepare(
            "SELECT outcome, import_id, ord_file, ord_message, ord_item, file_id, trail, reason
             FROM import_log WHERE outcome IN ('problem', 'skipped')
             ORDER BY import_id, ord_file, ord_message, ord_item, id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let outcome: String = row.get(0)?;
            let order = order_of(row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
            let trail: String = row.get(6)?;
            let source = source(row.get(5)?, &trail);
            let reason: String = row.get::<_, Option<String>>(7)?.unwrap_or_default();
            if outcome == "problem" {
                let error = IngestError::Recorded(reason);
                loaded.store.add_problem(Problem { source, error }, order);
            } else {
                let reason = SkipReason::Recorded(reason);
                loaded.store.add_skipped(Skipped { source, reason }, order);
            }
        }
        let copies: i64 = self.conn.query_row(
            "SELECT count(*) FROM import_log WHERE outcome = 'copy'",
            [],
            |row| row.get(0),
        )?;
        loaded.store.add_duplicates(copies as u64);
        let mut statement = self.conn.prepare(
            "SELECT r.organization_name, r.report_id, r.file_id, r.trail, l.file_id, l.trail
             FROM import_log l JOIN reports r ON r.id = l.report
             WHERE l.outcome = 'copy' AND l.digest != r.digest
             ORDER BY r.organization_name, r.report_id, l.import_id, l.ord_file, l.ord_message, l.ord_item",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let kept_trail: String = row.get(3)?;
            let dropped_trail: String = row.get(5)?;
            loaded.store.push_conflict(Conflict {
                organization_name: row.get::<_, String>(0)?.into(),
                report_id: row.get::<_, String>(1)?.into(),
                kept: source(row.get(2)?, &kept_trail),
                dropped: source(row.get(4)?, &dropped_trail),
            });
        }
        Ok(())
    }

    /// A stored report whole, parsed again from its document.
    pub fn read_report(&self, entry: &StoredEntry) -> Result<Option<LoadedReport>, LibraryError> {
        let err = |e| self.error(e);
        let document: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT d.deflated FROM reports r JOIN documents d ON d.id = r.document_id WHERE r.id = ?1",
                [entry.id],
                |row| row.get(0),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(err)?;
        let Some(deflated) = document else {
            return Ok(None);
        };
        let bytes =
            Document::inflate(&deflated, MAX_DOCUMENT).map_err(|source| LibraryError::Io {
                path: self.path.clone(),
                source,
            })?;
        let index = entry.source.trail.iter().rev().find_map(|step| match step {
            crate::library::Location::Report(n) => Some(n.saturating_sub(1)),
            _ => None,
        });
        let reports = parse_report_list(&bytes).unwrap_or_default();
        let report = reports
            .into_iter()
            .nth(index.unwrap_or(0))
            .and_then(Result::ok);
        Ok(report.map(|report| LoadedReport::new(report, entry.source.clone(), entry.order)))
    }
}

/// Rows of the joined query put together: a report's row is pushed after its
/// policies, a policy's after its details (the order [`crate::library::Dataset`]
/// wants), so the values of the report and policy under way wait in buffers.
#[derive(Default)]
struct Assembly {
    report: Option<i64>,
    policy: Option<i64>,
    organization: String,
    report_id: String,
    contact_info: Option<String>,
    start: i64,
    end: i64,
    policy_values: PolicyBuffer,
}

#[derive(Default)]
struct PolicyBuffer {
    policy_type: String,
    policy_domain: Option<String>,
    mode: Option<String>,
    version: Option<String>,
    mx_patterns: Option<String>,
    successful: u64,
    failed: u64,
    detail_failed: u64,
}

impl Assembly {
    fn row(&mut self, loaded: &mut Loaded, row: &Row<'_>) -> rusqlite::Result<()> {
        let report: i64 = row.get(0)?;
        if self.report != Some(report) {
            self.finish(loaded);
            self.start_report(loaded, row)?;
            self.report = Some(report);
        }
        let policy: Option<i64> = row.get(12)?;
        if policy.is_some() && self.policy != policy {
            self.finish_policy(loaded);
            self.start_policy(row)?;
            self.policy = policy;
        }
        if row.get::<_, Option<i64>>(21)?.is_some() {
            loaded.dataset.push_stored_detail(StoredDetail {
                result_type: row.get_ref(22)?.as_str()?,
                sending_mta_ip: row.get_ref(23)?.as_str_or_null()?,
                receiving_ip: row.get_ref(24)?.as_str_or_null()?,
                receiving_mx_hostname: row.get_ref(25)?.as_str_or_null()?,
                receiving_mx_helo: row.get_ref(26)?.as_str_or_null()?,
                failed_session_count: count_of(row.get(27)?),
                failure_reason_code: row.get_ref(28)?.as_str_or_null()?,
                additional_information: row.get_ref(29)?.as_str_or_null()?,
            });
        }
        Ok(())
    }

    fn start_report(&mut self, loaded: &mut Loaded, row: &Row<'_>) -> rusqlite::Result<()> {
        copy_into(&mut self.organization, row.get_ref(1)?.as_str()?);
        copy_into(&mut self.report_id, row.get_ref(2)?.as_str()?);
        self.contact_info = row.get(3)?;
        self.start = row.get(4)?;
        self.end = row.get(5)?;
        let file: i64 = row.get(10)?;
        let trail = row.get_ref(11)?.as_str()?;
        let order = order_of(row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?);
        let trail = trail_of_text(trail);
        loaded.stored.entries.push(row.get(0)?, file, &trail, order);
        Ok(())
    }

    fn start_policy(&mut self, row: &Row<'_>) -> rusqlite::Result<()> {
        let p = &mut self.policy_values;
        copy_into(&mut p.policy_type, row.get_ref(13)?.as_str()?);
        p.policy_domain = row.get(14)?;
        p.mode = row.get(15)?;
        p.version = row.get(16)?;
        p.mx_patterns = row.get(17)?;
        p.successful = count_of(row.get(18)?);
        p.failed = count_of(row.get(19)?);
        p.detail_failed = count_of(row.get(20)?);
        Ok(())
    }

    fn finish_policy(&mut self, loaded: &mut Loaded) {
        if self.policy.take().is_none() {
            return;
        }
        let p = &self.policy_values;
        loaded.dataset.push_stored_policy(StoredPolicy {
            policy_type: &p.policy_type,
            policy_domain: p.policy_domain.as_deref(),
            mode: p.mode.as_deref(),
            version: p.version.as_deref(),
            mx_patterns: p.mx_patterns.as_deref(),
            successful: p.successful,
            failed: p.failed,
            detail_failed: p.detail_failed,
        });
    }

    /// Pushes the report under way, if any.
    fn finish(&mut self, loaded: &mut Loaded) {
        self.finish_policy(loaded);
        if self.report.take().is_none() {
            return;
        }
        let store_index = loaded.dataset.reports.len() as u32;
        loaded.dataset.push_stored_report(StoredReport {
            store_index,
            organization: &self.organization,
            report_id: &self.report_id,
            contact_info: self.contact_info.as_deref(),
            start: self.start,
            end: self.end,
        });
    }
}

fn copy_into(buffer: &mut String, value: &str) {
    buffer.clear();
    buffer.push_str(value);
}
