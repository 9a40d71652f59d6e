//! The loaded set: every report read, where it came from, the copies and conflicts
//! among them, the inputs that could not be read or were passed over, and the
//! compact rows the analysis works on.
//!
//! `ingest` turns bytes into reports and fills a [`Loaded`]; `analysis` and
//! `export` read it. It knows nothing of files or formats: anything that yields
//! reports with their [`Source`] (a folder, a mailbox, a database) can fill it.

mod collect;
mod dataset;
pub mod db;
mod problem;
mod snapshot;
mod source;
mod store;
mod stored;
mod strings;

pub use collect::{Collect, Digest, Document, Found, InputRecord, Kept, KnownInputs};
pub use collect::{content_digest, sha256};
pub use dataset::PolicyText;
pub use dataset::{Dataset, DetailRow, PolicyRow, ReportRow, date_of_day, day_number, day_of_date};
pub use problem::{IngestError, Problem, SkipReason, Skipped};
pub use snapshot::{ChunkKind, Covered, SNAPSHOT_FORMAT, SnapshotError};
pub use source::{Location, Order, Source};
pub use store::{Conflict, Inserted, LoadedReport, fingerprint};
pub use stored::{StoredEntries, StoredEntry};

use store::ReportStore;
pub use strings::{Strings, Sym};

use crate::report::Report;

/// The loaded reports and their rows, filled load by load.
///
/// A load is [`Loaded::begin_load`], any number of inserts, problems and skipped
/// inputs in any order, then [`Loaded::finish_load`], which puts them in input
/// order, lists the conflicting copies and makes the rows of the new reports.
/// Later loads merge behind earlier ones, with the same dedupe.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    store: ReportStore,
    dataset: Dataset,
    /// Read from a library: the reports stay on disk (see [`Loaded::library`]).
    stored: Stored,
}

/// The reports of a set read from a library: where each came from and its row
/// in the file, by [`ReportRow::store_index`].
#[derive(Debug, Clone, Default)]
struct Stored {
    library: Option<std::sync::Arc<std::path::Path>>,
    entries: StoredEntries,
    /// The prefix of the rows a snapshot may hold.
    covered: Option<Covered>,
}

impl Loaded {
    pub fn new() -> Loaded {
        Loaded::default()
    }

    /// Unique reports held in memory, in input order (the order of finished
    /// loads). Empty for a set read from a library, whose reports stay on disk:
    /// see [`Loaded::report_count`] and [`Loaded::report_at`].
    pub fn reports(&self) -> &[LoadedReport] {
        self.store.reports()
    }

    /// Unique reports, in memory or in the library.
    pub fn report_count(&self) -> usize {
        self.dataset.reports.len()
    }

    /// The library this set was read from, if any.
    pub fn library(&self) -> Option<&std::path::Path> {
        self.stored.library.as_deref()
    }

    /// The report at `store_index` ([`ReportRow::store_index`]) whole: from
    /// memory, or read from the library (its document parsed again).
    pub fn report_at(&self, store_index: u32) -> Result<Option<LoadedReport>, db::LibraryError> {
        let Some(path) = self.library() else {
            return Ok(self.reports().get(store_index as usize).cloned());
        };
        let Some(entry) = self.stored.entries.get(store_index as usize) else {
            return Ok(None);
        };
        db::Library::open(path)?.read_report(&entry)
    }

    /// Copies dropped because their (organization-name, report-id) was loaded
    /// already, identical or not.
    pub fn duplicates(&self) -> u64 {
        self.store.duplicates()
    }

    /// Dropped copies whose content differs from the kept copy, in input order.
    pub fn conflicts(&self) -> &[Conflict] {
        self.store.conflicts()
    }

    /// Inputs that could not be read, in input order.
    pub fn problems(&self) -> impl ExactSizeIterator<Item = &Problem> {
        self.store.problems()
    }

    /// Inputs passed over because they hold no TLS report, in input order.
    pub fn skipped(&self) -> impl ExactSizeIterator<Item = &Skipped> {
        self.store.skipped()
    }

    /// The rows of every report of finished loads.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// Nothing loaded: no report, problem or skipped input.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty() && self.stored.entries.is_empty()
    }

    /// Starts a load; its number orders its items after those of earlier loads.
    pub fn begin_load(&mut self) -> u32 {
        self.store.begin_load()
    }

    /// Adds a report read during the current load. Of two copies (the same
    /// organization-name and report-id), the first in input order is kept; a report
    /// without report-id is identified by its content.
    pub fn insert(&mut self, report: Report, source: Source, order: Order) -> Inserted {
        let fingerprint = fingerprint(&report);
        self.insert_fingerprinted(report, source, order, fingerprint)
    }

    /// [`Loaded::insert`] with the report's [`fingerprint`] computed already (by the
    /// thread that parsed it).
    pub fn insert_fingerprinted(
        &mut self,
        report: Report,
        source: Source,
        order: Order,
        fingerprint: u64,
    ) -> Inserted {
        let strings = &mut self.dataset.strings;
        self.store
            .insert(strings, report, source, order, fingerprint)
    }

    /// Records an input that could not be read.
    pub fn add_problem(&mut self, problem: Problem, order: Order) {
        self.store.add_problem(problem, order);
    }

    /// Records an input passed over because it holds no TLS report.
    pub fn add_skipped(&mut self, skipped: Skipped, order: Order) {
        self.store.add_skipped(skipped, order);
    }

    /// Ends the current load: input order, conflicts, rows.
    pub fn finish_load(&mut self) {
        self.store.finish_load();
        self.dataset.sync(&self.store);
    }

    /// The report of a row, when it is held in memory.
    pub fn report_of(&self, row: &ReportRow) -> Option<&LoadedReport> {
        self.reports().get(row.store_index as usize)
    }

    /// Where the report of a row was read from, as a reader shows it.
    pub fn source_of(&self, row: &ReportRow) -> String {
        if self.library().is_some() {
            let entry = self.stored.entries.get(row.store_index as usize);
            return entry.map(|e| e.source.to_string()).unwrap_or_default();
        }
        let report = self.report_of(row);
        report.map(|r| r.source.to_string()).unwrap_or_default()
    }

    /// The report's place in input order.
    pub fn order_of(&self, row: &ReportRow) -> Option<Order> {
        if self.library().is_some() {
            return self.stored.entries.order(row.store_index as usize);
        }
        self.report_of(row).map(|r| r.order)
    }

    /// The organization-name as the report spells it. The row holds the sender's
    /// first spelling in any letter case (see [`Dataset`]); a set read from a
    /// library knows only that one.
    pub fn organization_name(&self, row: &ReportRow) -> String {
        match self.report_of(row) {
            Some(loaded) if self.library().is_none() => loaded.report.organization_name.to_string(),
            _ => self.dataset.text(row.organization).to_string(),
        }
    }
}
