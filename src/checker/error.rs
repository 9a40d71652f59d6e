//! Why a check could not run at all. Everything the checker observes about the
//! domain, failures included, is a finding instead.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{domain:?} is not a valid domain: {reason}")]
    InvalidDomain { domain: String, reason: String },
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("the CA certificates hold no usable root: {0}")]
    NoRoots(String),
    #[error("cannot read the trust anchor file {path}: {reason}")]
    TrustAnchorFile { path: PathBuf, reason: String },
    /// The anchor's records do not parse, hold no DNSKEY or DS record, or name
    /// keys that the zone does not publish.
    #[error("the trust anchor holds no usable key: {0}")]
    TrustAnchor(String),
    #[error("cannot set up the DNS resolver: {0}")]
    Resolver(String),
    #[error("cannot set up the TLS client: {0}")]
    Tls(String),
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(String),
    #[error("no DNS server answered any query (last error: {0})")]
    DnsUnreachable(String),
    #[error("the check was cancelled")]
    Cancelled,
}
