//! Where reports come from besides a one-off load: the inputs a library imports
//! (files and folders, mailboxes). Sources feed the reading pipeline (`ingest`)
//! and the library; they know nothing of the app or the command line.

pub mod paths;
