//! Reading TLS reports from every kind of input: report files, gzip and zip archives,
//! e-mail messages, mbox mailboxes and folders of any of these.
//!
//! Inputs are recognized by content ([`sniff`]), decoded within [`Limits`],
//! deduplicated by (organization-name, report-id) in a [`ReportStore`], and anything
//! unreadable becomes a [`Problem`] naming its [`Source`]; loading goes on.

#[doc(hidden)]
pub mod bench;
mod container;
mod decode;
mod error;
mod mbox;
mod mime;
mod pipeline;
mod sniff;
mod source;
mod store;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub use error::{IngestError, Problem, SkipReason, Skipped};
pub use sniff::{Kind, sniff};
pub use source::{Location, Order, Source};
pub use store::{Conflict, Inserted, LoadedReport, ReportStore};

use crate::report::Report;

const MIB: u64 = 1024 * 1024;

/// Bounds that keep hostile inputs (decompression bombs, huge archives, deep nesting)
/// from exhausting memory. Exceeding one is a [`Problem`], not a crash.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest decompressed report, zip member or inflated gzip.
    pub max_decompressed: u64,
    /// Largest decompressed total of one zip archive.
    pub max_archive_total: u64,
    /// Most files read from one zip archive.
    pub max_zip_entries: usize,
    /// Deepest nesting of containers (gzip in zip in e-mail in mbox ...).
    pub max_depth: u32,
    /// Largest file read whole (every input but an mbox, which is streamed).
    pub max_file_size: u64,
    /// Largest single message in an mbox.
    pub max_message_size: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_decompressed: 64 * MIB,
            max_archive_total: 1024 * MIB,
            max_zip_entries: 10_000,
            max_depth: 8,
            max_file_size: 512 * MIB,
            max_message_size: 64 * MIB,
        }
    }
}

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: Limits,
    /// Decoder threads; `None` uses every core.
    pub threads: Option<usize>,
}

/// Where a load stands; passed to the progress callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// The folders given are still being listed: `files_total` is the number of
    /// files found so far, and nothing has been read yet.
    pub listing: bool,
    pub bytes_total: u64,
    pub bytes_read: u64,
    pub files_total: u64,
    pub files_done: u64,
    /// Mbox messages read.
    pub messages: u64,
    /// New unique reports.
    pub reports: u64,
    pub duplicates: u64,
    pub problems: u64,
    pub skipped: u64,
}

/// How a load ended.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOutcome {
    /// The load was cancelled; what was read before is kept.
    pub cancelled: bool,
    /// The final counts of this load.
    pub progress: Progress,
}

/// Loads `paths` (files and folders) into `store`, merging with what it holds.
///
/// `progress` is called on the calling thread at most every 50 ms and once at the
/// end. Setting `cancel` stops reading soon; reports read until then are kept.
pub fn load_into(
    store: &mut ReportStore,
    paths: &[PathBuf],
    options: &LoadOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&Progress),
) -> LoadOutcome {
    pipeline::run(store, paths, options, cancel, &mut progress)
}

/// Loads `paths` into a new store with default options.
pub fn load(paths: &[PathBuf]) -> ReportStore {
    let mut store = ReportStore::new();
    load_into(
        &mut store,
        paths,
        &LoadOptions::default(),
        &AtomicBool::new(false),
        |_| {},
    );
    store
}

/// What [`decode_bytes`] found in one input, in the order found.
#[derive(Debug, Default)]
pub struct Decoded {
    pub reports: Vec<(Report, Source)>,
    pub problems: Vec<Problem>,
    pub skipped: Vec<Skipped>,
}

/// Decodes one input held in memory as a file named `path` on the command line would
/// be: recognized by content, through every container (gzip, zip, e-mail, mbox,
/// forwarded message), within `limits`. Nothing is read from disk and reports are
/// not deduplicated.
///
/// Loading goes through [`load_into`], which streams mbox files instead of holding
/// them; this entry point serves the fuzz targets and callers with bytes at hand.
pub fn decode_bytes(data: &[u8], path: &Path, limits: &Limits) -> Decoded {
    let decoder = decode::Decoder { limits };
    let mut sink = decode::Sink::default();
    let source = Source::file(path.into());
    let expect = decode::Expect::File {
        claims_report: true,
    };
    decoder.decode(data, &source, 0, expect, &mut sink);
    Decoded {
        reports: sink.reports,
        problems: sink.problems,
        skipped: sink.skipped,
    }
}
