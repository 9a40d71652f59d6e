//! TLS-RPT Analyzer: read SMTP TLS reports (RFC 8460) from files, archives, e-mails
//! and mailboxes, and analyze them.
//!
//! The core (`report`, `ingest`, `analysis`) does not depend on any GUI crate.

// Reports, mailboxes and network peers are untrusted input: the library handles
// every failure instead of panicking on it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod analysis;
pub mod checker;
pub mod corpus;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod ingest;
pub mod report;
