//! The warehouse export of a read in progress: a [`Collect`]or that writes each
//! new report's rows as it arrives and keeps only what dedupe needs.
//!
//! Per report it keeps a 128-bit keyed hash of its (organization-name, report-id)
//! and the place in input order of its first copy: about
//! 60 bytes with the map's slack, so 1,000,000 reports take some 60 MB (85 MB
//! while the map grows) whatever their size.
//!
//! Decoder threads finish out of order. When a copy arrives after the one written
//! but comes first in input order, its rows are written too (a conflicting copy
//! or an identical one from another input): of the rows of one key, the engine
//! keeps the first in (shard, input_order) (README, "Sharded runs"), which is the
//! copy `summary` keeps, with the same source.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

use super::facts::FactReport;
use super::warehouse::WarehouseWriter;
use super::write::ExportError;
use crate::library::{Collect, Found, Inserted, Order, Problem, Skipped};

/// What a streaming export saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamCounts {
    /// Unique reports written.
    pub reports: u64,
    /// Copies of reports seen before, not written.
    pub duplicates: u64,
    /// Conflicting copies written besides the copy written first, because they
    /// come first in input order.
    pub rewritten: u64,
    pub problems: u64,
    pub skipped: u64,
}

/// The first copy of a key seen so far.
#[derive(Debug, Clone, Copy)]
struct First {
    order: Order,
}

pub struct StreamExport<'a> {
    writer: Option<WarehouseWriter>,
    shard: u32,
    /// Two independently keyed SipHashes of the key: 128 bits, so that keys of
    /// different reports do not collide, and keyed, so that a sender cannot make
    /// them.
    hashers: [std::hash::RandomState; 2],
    /// The index in `firsts` of each key, in [`INDEX_SHARDS`] maps by the key's
    /// top bits. The keys are keyed hashes already: a fixed hasher spreads them as
    /// well. Apart from `firsts`, so that the entries are small, and sharded, as
    /// growing a map holds two tables at once: at 1,000,000 keys one table of
    /// 48 MB grew beside its old one of 24 MB at the end of an export, the peak
    /// of its memory; a shard's growth is a sixteenth of that.
    index: Vec<HashMap<[u64; 2], u32, foldhash::fast::FixedState>>,
    firsts: Vec<First>,
    counts: StreamCounts,
    /// Problems, as text, up to [`KEPT_PROBLEMS`]: enough to say what went wrong.
    problems: Vec<String>,
    generation: u32,
    error: Option<ExportError>,
    /// The load's: set when writing fails, so that reading stops.
    cancel: &'a AtomicBool,
}

/// Maps of the dedupe index.
const INDEX_SHARDS: usize = 16;

/// Problems kept as text; more are only counted.
const KEPT_PROBLEMS: usize = 20;

impl<'a> StreamExport<'a> {
    /// Writes the reports of shard `shard` (0 when the input is not split) with
    /// `writer`.
    pub fn new(writer: WarehouseWriter, shard: u32, cancel: &'a AtomicBool) -> StreamExport<'a> {
        StreamExport {
            writer: Some(writer),
            shard,
            hashers: [std::hash::RandomState::new(), std::hash::RandomState::new()],
            index: (0..INDEX_SHARDS).map(|_| HashMap::default()).collect(),
            firsts: Vec::new(),
            counts: StreamCounts::default(),
            problems: Vec::new(),
            generation: 0,
            error: None,
            cancel,
        }
    }

    pub fn counts(&self) -> StreamCounts {
        self.counts
    }

    /// The first problems, as text.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Closes every file; returns the files written, or the first error.
    pub fn finish(mut self) -> Result<Vec<std::path::PathBuf>, ExportError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        match self.writer.take() {
            Some(writer) => writer.finish(),
            None => Ok(Vec::new()),
        }
    }

    /// The dedupe key: (organization-name, report-id), or the content for a
    /// report without report-id (as the loaded set does).
    fn key(&self, found: &Found) -> [u64; 2] {
        self.hashers.each_ref().map(|state| {
            let mut hasher = state.build_hasher();
            let report = &found.report;
            hasher.write(report.organization_name.as_bytes());
            hasher.write_u8(0xff);
            if report.report_id.is_empty() {
                hasher.write_u8(0);
                hasher.write_u64(found.fingerprint);
            } else {
                hasher.write_u8(1);
                hasher.write(report.report_id.as_bytes());
            }
            hasher.finish()
        })
    }

    fn write(&mut self, found: &Found) {
        if self.error.is_some() {
            return;
        }
        let facts = FactReport::of_report(&found.report, &found.source, self.shard, found.order);
        let Some(writer) = &mut self.writer else {
            return;
        };
        if let Err(error) = writer.write(&facts) {
            self.error = Some(error);
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}

impl Collect for StreamExport<'_> {
    fn begin_load(&mut self) -> u32 {
        let generation = self.generation;
        self.generation += 1;
        generation
    }

    fn insert(&mut self, found: Found) -> Inserted {
        let key = self.key(&found);
        let incoming = First { order: found.order };
        let shard = (key[0] >> 60) as usize % INDEX_SHARDS;
        let Some(&slot) = self.index[shard].get(&key) else {
            // More than 2^32 reports would need more than the 200 GB of keys.
            let slot = u32::try_from(self.firsts.len()).unwrap_or(u32::MAX);
            self.index[shard].insert(key, slot);
            self.firsts.push(incoming);
            self.counts.reports += 1;
            self.write(&found);
            return Inserted::New;
        };
        let Some(first) = self.firsts.get_mut(slot as usize) else {
            return Inserted::Copy;
        };
        self.counts.duplicates += 1;
        if incoming.order < first.order {
            // Identical or not, the rows of the copy `summary` keeps are written:
            // its source and place in input order are those the engine keeps.
            *first = incoming;
            self.counts.rewritten += 1;
            self.write(&found);
        }
        Inserted::Copy
    }

    fn add_problem(&mut self, problem: Problem, _order: Order) {
        self.counts.problems += 1;
        if self.problems.len() < KEPT_PROBLEMS {
            self.problems
                .push(format!("{}: {}", problem.source, problem.error));
        }
    }

    fn add_skipped(&mut self, _skipped: Skipped, _order: Order) {
        self.counts.skipped += 1;
    }

    fn finish_load(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::WarehouseFormat;
    use crate::library::{Location, Source, fingerprint};
    use crate::report::{Report, parse_report_list};

    fn report(successful: u64) -> Report {
        let json = format!(
            r#"{{"organization-name":"Org","date-range":{{"start-datetime":"2026-08-01T00:00:00Z",
            "end-datetime":"2026-08-01T23:59:59Z"}},"contact-info":"c","report-id":"r1",
            "policies":[{{"policy":{{"policy-type":"no-policy-found","policy-domain":"example.com"}},
            "summary":{{"total-successful-session-count":{successful},"total-failure-session-count":0}}}}]}}"#
        );
        let mut reports = parse_report_list(json.as_bytes()).unwrap();
        reports.remove(0).unwrap()
    }

    fn found(successful: u64, message: u64) -> Found {
        let report = report(successful);
        let source = Source::file(std::path::Path::new("in.mbox").into());
        Found {
            fingerprint: fingerprint(&report),
            report,
            source: source.with(Location::Message(message)),
            order: Order {
                message,
                ..Order::default()
            },
            kept: None,
        }
    }

    #[test]
    fn a_copy_first_in_input_order_but_decoded_later_is_written_too() {
        let dir = tempfile::tempdir().unwrap();
        let writer = WarehouseWriter::create(dir.path(), &[WarehouseFormat::Ndjson]).unwrap();
        let cancel = AtomicBool::new(false);
        let mut export = StreamExport::new(writer, 0, &cancel);
        export.begin_load();
        // Decoded in this order; message numbers give the input order.
        let arrivals = [(10, 5), (20, 2), (20, 1), (30, 9), (10, 0)];
        let inserted: Vec<Inserted> = arrivals
            .iter()
            .map(|&(successful, message)| export.insert(found(successful, message)))
            .collect();
        assert_eq!(inserted[0], Inserted::New);
        assert!(inserted[1..].iter().all(|i| *i == Inserted::Copy));
        let counts = export.counts();
        assert_eq!((counts.reports, counts.duplicates), (1, 4));
        // Each copy earlier than every one before it: message 2 (differs from 5),
        // message 1 (identical to 2, earlier still) and message 0 (first of all);
        // message 9 comes later and is only counted.
        assert_eq!(counts.rewritten, 3);
        export.finish_load();
        export.finish().unwrap();
        let rows = std::fs::read_to_string(dir.path().join("reports.ndjson")).unwrap();
        let rows: Vec<serde_json::Value> = rows
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let written: Vec<(u64, &str)> = rows
            .iter()
            .map(|r| {
                let source = r["source"].as_str().unwrap();
                (r["successful_sessions"].as_u64().unwrap(), source)
            })
            .collect();
        assert_eq!(
            written,
            [
                (10, "in.mbox › message 5"),
                (20, "in.mbox › message 2"),
                (20, "in.mbox › message 1"),
                (10, "in.mbox › message 0")
            ]
        );
        // The engine's rule (first in input order) picks message 0: what
        // `summary` keeps.
        let first = rows
            .iter()
            .min_by_key(|r| r["input_order"].as_str().unwrap().to_string());
        assert_eq!(first.unwrap()["source"], "in.mbox › message 0");
    }
}
