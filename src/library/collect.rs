//! Where the reading pipeline puts what it finds.
//!
//! `ingest` decodes inputs and hands each report, problem and skipped input to a
//! [`Collect`]: the in-memory [`super::Loaded`] set, a library file on disk or a
//! streaming export. Each decides what a copy is and what it keeps.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::problem::{Problem, Skipped};
use super::source::{Order, Source};
use super::store::Inserted;
use crate::report::Report;

/// A SHA-256 digest: of a report's content, of a document or of a file.
pub type Digest = [u8; 32];

/// One report the pipeline decoded, with where it came from.
#[derive(Debug)]
pub struct Found {
    pub report: Report,
    pub source: Source,
    /// Its place in input order.
    pub order: Order,
    /// [`super::fingerprint`] of the report, computed by the thread that decoded it.
    pub fingerprint: u64,
    /// What a library keeps of it, when the load was asked to
    /// (`LoadOptions::keep_documents`).
    pub kept: Option<Kept>,
}

/// The content digest and the JSON document of a report, made on the decoder
/// thread for a collector that stores them.
#[derive(Debug, Clone)]
pub struct Kept {
    /// [`content_digest`] of the report.
    pub digest: Digest,
    /// The document the report was read from.
    pub document: Document,
}

/// A JSON document as it was read (after every container), deflated: a library
/// keeps it so that a later version can read every report again.
#[derive(Debug, Clone)]
pub struct Document {
    /// SHA-256 of the document's bytes: documents are stored once.
    pub digest: Digest,
    /// Its size before deflating.
    pub size: u64,
    pub deflated: Arc<[u8]>,
}

impl Document {
    pub fn of(bytes: &[u8]) -> Document {
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(bytes.len() / 4 + 64),
            flate2::Compression::fast(),
        );
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(bytes);
        let deflated = encoder.finish().unwrap_or_default();
        Document {
            digest: sha256(bytes),
            size: bytes.len() as u64,
            deflated: deflated.into(),
        }
    }

    /// The document's bytes, inflated (at most `limit` bytes).
    pub fn inflate(deflated: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut bytes = Vec::new();
        flate2::read::DeflateDecoder::new(deflated)
            .take(limit)
            .read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// SHA-256 of a report's content as JSON: equal for equal reports in any process
/// and any version (unlike [`super::fingerprint`], keyed per process), so that a
/// library tells identical copies from conflicting ones across imports.
pub fn content_digest(report: &Report) -> Digest {
    let json = serde_json::to_vec(&report.to_json()).unwrap_or_default();
    sha256(&json)
}

pub fn sha256(bytes: &[u8]) -> Digest {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// One input file the pipeline is about to read, or passed over as known.
#[derive(Debug, Clone)]
pub struct InputRecord {
    pub path: Arc<Path>,
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// Which of the paths given it was found under (an index into them).
    pub root: u32,
    /// Its place in input order (`message` and `item` 0).
    pub order: Order,
    /// SHA-256 of the whole file, when it was read whole (not an mbox).
    pub digest: Option<Digest>,
    /// Passed over without decoding: why it is known already.
    pub known: Option<String>,
}

/// Inputs a collector has read before, so that a load passes over them without
/// decoding them again.
pub trait KnownInputs: Send + Sync + std::fmt::Debug {
    /// Why the file at `path` with this size and modification time is known, if
    /// it is.
    fn known_file(&self, path: &Path, size: u64, modified: Option<SystemTime>) -> Option<String>;
    /// Why a file with this content is known, if it is.
    fn known_content(&self, digest: &Digest) -> Option<String>;
}

/// A destination for one or more loads.
///
/// A load is [`Collect::begin_load`], any number of reports, problems and skipped
/// inputs in any order (decoder threads finish out of order; [`Order`] says where
/// each belongs), then [`Collect::finish_load`]. A collector that fails (a full
/// disk) keeps its error and has its owner cancel the load.
pub trait Collect {
    /// Starts a load and returns its generation, the first part of its [`Order`]s.
    fn begin_load(&mut self) -> u32;
    /// Takes one decoded report; says whether it was new or a copy of one held.
    fn insert(&mut self, found: Found) -> Inserted;
    /// Records an input that could not be read.
    fn add_problem(&mut self, problem: Problem, order: Order);
    /// Records an input passed over because it holds no TLS report.
    fn add_skipped(&mut self, skipped: Skipped, order: Order);
    /// Hears of an input file before anything it holds: read now, or passed over
    /// as known.
    fn input(&mut self, _record: InputRecord) {}
    /// Ends the load.
    fn finish_load(&mut self);
}

impl Collect for super::Loaded {
    fn begin_load(&mut self) -> u32 {
        super::Loaded::begin_load(self)
    }

    fn insert(&mut self, found: Found) -> Inserted {
        let Found {
            report,
            source,
            order,
            fingerprint,
            kept: _,
        } = found;
        self.insert_fingerprinted(report, source, order, fingerprint)
    }

    fn add_problem(&mut self, problem: Problem, order: Order) {
        super::Loaded::add_problem(self, problem, order);
    }

    fn add_skipped(&mut self, skipped: Skipped, order: Order) {
        super::Loaded::add_skipped(self, skipped, order);
    }

    fn finish_load(&mut self) {
        super::Loaded::finish_load(self);
    }
}
