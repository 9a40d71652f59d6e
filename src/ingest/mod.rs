//! Reading TLS reports from every kind of input: report files, gzip and zip archives,
//! e-mail messages, mbox mailboxes and folders of any of these.
//!
//! Inputs are recognized by content ([`sniff`]), decoded within [`Limits`] and put
//! into a [`Loaded`] set (deduplicated by organization-name and report-id), and
//! anything unreadable becomes a [`Problem`] naming its [`Source`]; loading goes on.

#[doc(hidden)]
pub mod bench;
mod container;
mod decode;
mod mbox;
mod mime;
mod pipeline;
mod sniff;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub use pipeline::MessageItem;
pub use sniff::{Kind, sniff};

use crate::library::{Collect, Loaded, Problem, Skipped, Source};
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
    /// The time reports' dates are judged against ([`crate::report::check_date_range`]);
    /// `None`: the time the load starts.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Hand each report's JSON document and content digest to the collector
    /// ([`crate::library::Kept`]): a library stores them.
    pub keep_documents: bool,
    /// Files to pass over without decoding (a library's inputs read before).
    pub known: Option<std::sync::Arc<dyn crate::library::KnownInputs>>,
}

/// Where a load stands; passed to the progress callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// The folders given are still being walked: `files_total` and `bytes_total`
    /// are what was found so far (reading has started on it).
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
    /// Reports a library holds already from the same input.
    pub again: u64,
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

/// Loads `paths` (files and folders) into `loaded`, merging with what it holds:
/// the one way the command line, the app and the tests read inputs.
///
/// `progress` is called on the calling thread at most every 50 ms and once at the
/// end. Setting `cancel` stops reading soon; reports read until then are kept.
pub fn load_into(
    loaded: &mut Loaded,
    paths: &[PathBuf],
    options: &LoadOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(&Progress),
) -> LoadOutcome {
    collect_into(loaded, paths, options, cancel, progress)
}

/// Reads `paths` as [`load_into`] does, handing what it finds to `collector` (a
/// library file, a streaming export) instead of an in-memory set.
pub fn collect_into(
    collector: &mut dyn Collect,
    paths: &[PathBuf],
    options: &LoadOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&Progress),
) -> LoadOutcome {
    let input = pipeline::Input::Paths(paths);
    pipeline::run(collector, input, options, cancel, &mut progress)
}

/// Decodes e-mail messages from a mail source (IMAP, Maildir) on every core as
/// [`collect_into`] decodes files, in the order `messages` yields them. The iterator
/// runs on a thread of its own and is pulled only as fast as messages are decoded.
pub fn collect_messages(
    collector: &mut dyn Collect,
    messages: &mut (dyn Iterator<Item = MessageItem> + Send),
    options: &LoadOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(&Progress),
) -> LoadOutcome {
    collect_messages_from(collector, messages, 1, options, cancel, progress)
}

/// [`collect_messages`] numbering the messages from `first` on: a source that
/// feeds one import in batches starts each batch after the last, so that no
/// two messages of the import share a place in input order.
pub fn collect_messages_from(
    collector: &mut dyn Collect,
    messages: &mut (dyn Iterator<Item = MessageItem> + Send),
    first: u64,
    options: &LoadOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&Progress),
) -> LoadOutcome {
    let input = pipeline::Input::Messages { messages, first };
    pipeline::run(collector, input, options, cancel, &mut progress)
}

/// Loads `paths` into a new set with default options.
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::new();
    load_into(
        &mut loaded,
        paths,
        &LoadOptions::default(),
        &AtomicBool::new(false),
        |_| {},
    );
    loaded
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
/// Dates are judged against the current time.
pub fn decode_bytes(data: &[u8], path: &Path, limits: &Limits) -> Decoded {
    let decoder = decode::Decoder {
        limits,
        now: chrono::Utc::now(),
        keep_documents: false,
    };
    let mut sink = decode::Sink::default();
    let source = Source::file(path.into());
    let expect = decode::Expect::File {
        claims_report: true,
    };
    decoder.decode(data, &source, 0, expect, &mut sink);
    Decoded {
        reports: sink.reports.into_iter().map(|(r, s, _)| (r, s)).collect(),
        problems: sink.problems,
        skipped: sink.skipped,
    }
}
