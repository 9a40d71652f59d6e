//! Where reports come from besides a one-off load: the inputs a library imports
//! (files and folders, mailboxes). Sources feed the reading pipeline (`ingest`)
//! and the library; they know nothing of the app or the command line.

mod error;
pub mod imap;
pub mod location;
pub mod maildir;
pub mod paths;
pub mod settings;
pub mod sync;

pub use error::SourceError;
pub use location::SourceLocation;
pub use settings::SourceSettings;
pub use sync::{SyncOptions, SyncProgress, Synced, add_source, sync_source, test_source};
