//! TLS-RPT Analyzer: read SMTP TLS reports (RFC 8460) from files, archives, e-mails
//! and mailboxes, and analyze them.
//!
//! Layers, each naming only those below it (checked by `tests/architecture.rs`):
//! `report` (the RFC model); `library` (the loaded set); `ingest`, which fills it;
//! `analysis` and `export`, which read it; `checker` on its own; `gui` on top, the
//! only one to use a GUI crate.

// Reports, mailboxes and network peers are untrusted input: the library handles
// every failure instead of panicking on it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod analysis;
pub mod checker;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod ingest;
pub mod library;
pub mod report;
pub mod sources;
