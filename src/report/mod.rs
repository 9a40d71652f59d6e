//! RFC 8460 SMTP TLS reports: lenient parsing and the normalized model.
//!
//! Real producers deviate from the RFC in many ways (see `README.md`, "Producer
//! quirks"); [`parse_reports`] accepts all of them and normalizes into [`Report`].

mod bounds;
mod datetime;
mod model;
mod normalize;
mod policy_string;
mod raw;
mod serialize;

pub use bounds::{
    EARLIEST_START, MAX_DAYS_AHEAD, MAX_RANGE_DAYS, MAX_SESSION_COUNT, SessionSum, check_date_range,
};
pub use datetime::parse_datetime;
pub use model::*;
pub use normalize::{parse_report_list, parse_reports};
pub use policy_string::{DecodedPolicy, StsMode, StsPolicy, TlsaRecord};

/// Why a JSON document could not be read as a TLS report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The bytes are not JSON (or are cut short).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON, but neither "policies" nor "report-id" is present.
    #[error("JSON is not a TLS report (no \"policies\" or \"report-id\")")]
    NotTlsReport,
    /// A TLS report with a field that cannot be used (wrong type, no dates).
    #[error("unusable TLS report: {0}")]
    InvalidReport(String),
    /// A session count that is not a count (negative, fractional, text), or more
    /// than any sender counts ([`MAX_SESSION_COUNT`]); `field` names where it is.
    #[error("unusable TLS report: {field}: {problem}")]
    InvalidCount { field: String, problem: String },
    /// A date range no real report has ([`check_date_range`]): before TLS
    /// reporting existed, after the time of loading, ending before it starts, or
    /// longer than [`MAX_RANGE_DAYS`].
    #[error("unusable TLS report: {0}")]
    ImplausibleDates(String),
}
