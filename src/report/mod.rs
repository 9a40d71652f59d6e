//! RFC 8460 SMTP TLS reports: lenient parsing and the normalized model.
//!
//! Real producers deviate from the RFC in many ways (see `README.md`, "Producer
//! quirks"); [`parse_reports`] accepts all of them and normalizes into [`Report`].

mod datetime;
mod model;
mod normalize;
mod policy_string;
mod raw;
mod serialize;

pub use datetime::parse_datetime;
pub use model::*;
pub use normalize::parse_reports;
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
}
