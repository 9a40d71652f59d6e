//! Reading every stored report again from its document, with the parser of this
//! version: a later version that reads a producer better brings old reports up
//! to date without their inputs.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use rusqlite::params;
use serde::Serialize;

use super::codec::trail_of_text;
use super::write::insert_policies;
use super::{Library, LibraryError};
use crate::library::{Document, Location, content_digest};
use crate::report::{Report, parse_report_list};

/// Reports rewritten per transaction.
const BATCH: usize = 2_000;
const MAX_DOCUMENT: u64 = 256 << 20;

/// What re-reading did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Reread {
    /// Reports read again and rewritten.
    pub reports: u64,
    /// Of those, reports whose content came out different.
    pub changed: u64,
    /// Reports whose document this version cannot read (kept as they were).
    pub unreadable: u64,
    /// The work stopped at a cancel; what was rewritten stays.
    pub cancelled: bool,
}

impl Library {
    /// Rewrites every stored report from its document. `progress` hears the reports
    /// done and the total.
    pub fn reread(
        &mut self,
        cancel: &AtomicBool,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Reread, LibraryError> {
        let path = self.path.clone();
        let err = |e| LibraryError::from_sqlite(&path, e);
        let total: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM reports WHERE document_id IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        let ids: Vec<(i64, i64, String)> = {
            let mut statement = self
                .conn
                .prepare("SELECT id, document_id, trail FROM reports WHERE document_id IS NOT NULL ORDER BY document_id, id")
                .map_err(err)?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .map_err(err)?;
            rows.collect::<Result<_, _>>().map_err(err)?
        };
        let mut done = Reread::default();
        let mut parsed: Option<(i64, Vec<Option<Report>>)> = None;
        for batch in ids.chunks(BATCH) {
            if cancel.load(Relaxed) {
                done.cancelled = true;
                break;
            }
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(err)?;
            for (id, document, trail) in batch {
                if parsed.as_ref().is_none_or(|(d, _)| d != document) {
                    parsed = Some((*document, parse_document(&tx, *document).map_err(err)?));
                }
                let reports = parsed
                    .as_ref()
                    .map(|(_, r)| r.as_slice())
                    .unwrap_or_default();
                let index = item_index(trail);
                match reports.get(index).and_then(Option::as_ref) {
                    Some(report) => {
                        done.changed += u64::from(rewrite(&tx, *id, report).map_err(err)?);
                        done.reports += 1;
                    }
                    None => done.unreadable += 1,
                }
            }
            super::snapshot::invalidate(&tx).map_err(err)?;
            tx.commit().map_err(err)?;
            progress(done.reports + done.unreadable, total as u64);
        }
        Ok(done)
    }
}

/// Which report of its document a stored report is (`report N` of a list).
fn item_index(trail: &str) -> usize {
    trail_of_text(trail)
        .iter()
        .rev()
        .find_map(|step| match step {
            Location::Report(n) => Some(n.saturating_sub(1)),
            _ => None,
        })
        .unwrap_or(0)
}

fn parse_document(
    conn: &rusqlite::Connection,
    document: i64,
) -> rusqlite::Result<Vec<Option<Report>>> {
    let deflated: Vec<u8> = conn.query_row(
        "SELECT deflated FROM documents WHERE id = ?1",
        [document],
        |row| row.get(0),
    )?;
    let Ok(bytes) = Document::inflate(&deflated, MAX_DOCUMENT) else {
        return Ok(Vec::new());
    };
    let reports = parse_report_list(&bytes).unwrap_or_default();
    Ok(reports.into_iter().map(Result::ok).collect())
}

/// Writes a report's rows again; true when its content changed.
fn rewrite(conn: &rusqlite::Connection, id: i64, report: &Report) -> rusqlite::Result<bool> {
    let digest = content_digest(report);
    let old: Vec<u8> = conn.query_row("SELECT digest FROM reports WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    conn.execute("DELETE FROM policies WHERE report = ?1", [id])?;
    conn.execute(
        "UPDATE reports SET report_id = ?2, contact_info = ?3, start = ?4, end = ?5, digest = ?6 WHERE id = ?1",
        params![
            id,
            &*report.report_id,
            report.contact_info.as_deref(),
            report.date_range.start.timestamp(),
            report.date_range.end.timestamp(),
            &digest[..]
        ],
    )?;
    insert_policies(conn, id, report)?;
    Ok(old[..] != digest[..])
}
