//! The subcommands of the `tlsrpt-analyzer` binary. Each module parses nothing
//! itself: `main.rs` holds the clap definitions and calls `run`.

pub mod check;
pub mod export;
pub mod filter;
pub mod library;
pub mod load;
pub mod source;
pub mod summary;
pub mod warehouse;
