//! The IMAP source: one folder of a mailbox, read incrementally by UID.
//!
//! A sync opens the folder read-only (EXAMINE, `BODY.PEEK[]`: no flag
//! changes), lists the UIDs above the highest one imported (all of them when
//! UIDVALIDITY changed: the library's dedupe then recognizes what it holds),
//! and fetches them in batches on a thread of its own while the previous batch
//! is decoded on every core. Each batch is committed together with the new
//! highest UID, so a broken connection costs a refetch, never a message.

mod connect;
mod fetch;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

pub use connect::Session;

use super::SourceError;
use super::location::ImapAddress;
use super::settings::{SourceSettings, credentials};
use super::sync::{SyncOptions, SyncProgress, Synced, import_spec};
use crate::ingest::{self, MessageItem};
use crate::library::db::{Library, LibraryWriter, SourceRow};
use crate::library::{Location, Source};
use connect::Connect;
use fetch::Batch;

/// What the library keeps of an IMAP folder between syncs (RFC 3501 §2.3.1.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderState {
    pub uid_validity: u32,
    /// The highest UID imported and committed.
    pub last_uid: u32,
}

/// One sync of one IMAP source.
pub struct SyncJob<'a> {
    pub source: &'a SourceRow,
    pub address: &'a ImapAddress,
    pub settings: &'a SourceSettings,
    pub options: &'a SyncOptions,
}

impl SyncJob<'_> {
    fn connect(&self) -> Connect<'_> {
        Connect {
            address: self.address,
            ca_file: self.settings.ca_file.as_deref(),
            timeout: self.options.timeout,
        }
    }

    /// Logs in and out again: the app's "Test" of a source.
    pub fn test(&self) -> Result<u32, SourceError> {
        let mut session = self.open()?;
        let mailbox = session
            .examine(&self.address.folder)
            .map_err(|e| self.connect().error("EXAMINE", e))?;
        let _ = session.logout();
        Ok(mailbox.exists)
    }

    fn open(&self) -> Result<Session, SourceError> {
        let typed = self.options.typed_password.as_deref();
        let credentials = credentials(&self.source.location, self.settings, typed)?;
        self.connect().session(&credentials)
    }

    pub fn run(
        &self,
        library: &mut Library,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<Synced, SourceError> {
        let mut session = self.open()?;
        let folder = &self.address.folder;
        // Moving needs the folder writable; reading alone never changes it.
        let (command, opened) = match self.settings.move_to {
            Some(_) => ("SELECT", session.select(folder)),
            None => ("EXAMINE", session.examine(folder)),
        };
        let mailbox = opened.map_err(|e| self.connect().error(command, e))?;
        let mut state = self.stored_state(library, mailbox.uid_validity.unwrap_or(0))?;
        let uids = fetch::new_uids(&mut session, self.address, state.last_uid)?;
        let mut report = Synced::default();
        progress(&SyncProgress {
            total: uids.len() as u64,
            ..SyncProgress::default()
        });
        let session = if uids.is_empty() {
            Some(session)
        } else {
            let fetch = fetch::Fetcher {
                address: self.address,
                uids: &uids,
                batch: self.options.batch.max(1),
                cancel,
            };
            let (session, fetched) =
                self.import(library, fetch, session, &mut state, &mut report, progress)?;
            fetched?;
            session
        };
        if let Some(mut session) = session {
            if let Some(target) = &self.settings.move_to {
                fetch::move_imported(&mut session, self.address, state.last_uid, target)?;
            }
            let _ = session.logout();
        }
        if cancel.load(Relaxed) {
            return Err(SourceError::Cancelled);
        }
        Ok(report)
    }

    /// Where the last sync left the folder; nothing when its UIDVALIDITY changed.
    fn stored_state(
        &self,
        library: &Library,
        uid_validity: u32,
    ) -> Result<FolderState, SourceError> {
        let stored = library.source_state(self.source.id, &self.address.folder)?;
        let state: FolderState = stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        if state.uid_validity == uid_validity {
            return Ok(state);
        }
        // The old UIDs mean nothing now: read everything again.
        Ok(FolderState {
            uid_validity,
            last_uid: 0,
        })
    }

    /// Fetches and imports the new messages, batch by batch, in one import.
    /// The outer error is the library's; the inner one the fetching's (what was
    /// committed before it stays).
    fn import(
        &self,
        library: &mut Library,
        fetch: fetch::Fetcher<'_>,
        session: Session,
        state: &mut FolderState,
        report: &mut Synced,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<(Option<Session>, Result<(), SourceError>), SourceError> {
        let cancel = fetch.cancel;
        let total = fetch.uids.len() as u64;
        let spec = import_spec(self.source);
        let mut writer = LibraryWriter::begin(library, &spec, cancel)?;
        let first = writer.next_message_number()?;
        let mut import = BatchImport {
            job: self,
            writer: &mut writer,
            state,
            report,
            cancel,
            first,
        };
        let outcome = fetch.run(session, &mut |batch| {
            let result = import.batch(batch);
            progress(&SyncProgress {
                total,
                fetched: import.report.messages,
                committed: import.report.messages,
            });
            result
        });
        report.counts = writer.finish(cancel.load(Relaxed))?;
        Ok(outcome)
    }
}

/// Decodes each fetched batch into the library and commits it with the state.
struct BatchImport<'j, 'w, 'l> {
    job: &'j SyncJob<'j>,
    writer: &'w mut LibraryWriter<'l>,
    state: &'w mut FolderState,
    report: &'w mut Synced,
    cancel: &'w AtomicBool,
    /// The number of the sync's first message in the import.
    first: u64,
}

impl BatchImport<'_, '_, '_> {
    fn batch(&mut self, batch: Batch) -> Result<(), SourceError> {
        let folder = message_folder(self.job.address, self.state.uid_validity);
        let count = batch.messages.len() as u64;
        let mut messages = batch
            .messages
            .into_iter()
            .map(|(uid, data)| MessageItem::Message {
                source: Source {
                    path: folder.clone(),
                    trail: vec![Location::Message(u64::from(uid))],
                },
                data,
            });
        ingest::collect_messages_from(
            self.writer,
            &mut messages,
            self.first + self.report.messages,
            &self.job.options.load_for_sync(),
            self.cancel,
            |_| {},
        );
        if self.cancel.load(Relaxed) {
            return Err(SourceError::Cancelled);
        }
        self.state.last_uid = self.state.last_uid.max(batch.last_uid);
        let state = serde_json::to_string(&*self.state).unwrap_or_default();
        self.writer
            .checkpoint(self.job.source.id, &self.job.address.folder, &state)?;
        self.report.messages += count;
        Ok(())
    }
}

/// The "file" a message of the folder is filed under: the folder at this
/// UIDVALIDITY (RFC 5092's form), each message a step by its UID.
fn message_folder(address: &ImapAddress, uid_validity: u32) -> Arc<Path> {
    Arc::from(Path::new(&format!("{address};UIDVALIDITY={uid_validity}")))
}

impl SyncOptions {
    /// The load options of a sync: documents kept, as every library import.
    fn load_for_sync(&self) -> ingest::LoadOptions {
        ingest::LoadOptions {
            keep_documents: true,
            ..self.load.clone()
        }
    }
}
