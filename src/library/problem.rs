//! Problems (inputs that could not be read) and skipped inputs (not reports).

use std::fmt;

use super::source::Source;
use crate::report::ReportError;

/// Why an input could not be read. Each one is shown to the user with its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("cannot walk folder: {0}")]
    Walk(String),
    #[error("empty input")]
    Empty,
    #[error("unrecognized content (not JSON, gzip, zip, e-mail or mbox)")]
    Unrecognized,
    #[error("corrupt or truncated gzip data: {0}")]
    Gzip(String),
    #[error("corrupt zip archive: {0}")]
    Zip(String),
    #[error("decompressed size exceeds the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("file of {size} bytes exceeds the limit of {limit} bytes")]
    FileTooLarge { size: u64, limit: u64 },
    /// An input whose size was not known before reading (a device, a pipe, a file
    /// that grew while it was read) went on past the limit.
    #[error("more than the limit of {limit} bytes (its size was not known before reading)")]
    ReadPastLimit { limit: u64 },
    #[error("zip archive has {count} entries; only the first {limit} were read")]
    TooManyEntries { count: usize, limit: usize },
    #[error("containers nested deeper than {limit} levels")]
    TooDeep { limit: u32 },
    #[error("not a readable e-mail message")]
    BadEmail,
    #[error("mbox read error after message {after}: {message}")]
    Mbox { after: u64, message: String },
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A problem as a library recorded it when the input was imported.
    #[error("{0}")]
    Recorded(String),
}

/// An input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: Source,
    pub error: IngestError,
}

/// Why an input was recognized and passed over: it holds no TLS report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A DMARC aggregate report (RFC 7489 XML), which this tool does not analyze.
    DmarcAggregate,
    /// Another XML document.
    OtherXml,
    /// An e-mail with no TLS report attached.
    NoReportInMessage,
    /// A file in a folder whose content is not any input kind, and whose name does
    /// not claim to be one.
    NotAReportFile,
    /// An empty file in a folder whose name does not claim a report (`.keep`,
    /// an empty `notes.txt`).
    EmptyFile,
    /// A reason as a library recorded it when the input was imported.
    Recorded(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::DmarcAggregate => "DMARC aggregate report, not a TLS report",
            SkipReason::OtherXml => "XML document, not a TLS report",
            SkipReason::NoReportInMessage => "e-mail without a TLS report",
            SkipReason::NotAReportFile => "not a report file (unrecognized content)",
            SkipReason::EmptyFile => "empty file, not a report",
            SkipReason::Recorded(reason) => reason,
        })
    }
}

/// An input passed over on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub source: Source,
    pub reason: SkipReason,
}
