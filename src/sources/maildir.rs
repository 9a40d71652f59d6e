//! Maildir and watched-folder sources.
//!
//! A Maildir message keeps its unique name (the part before `:2,`) when a mail
//! program moves it from `new/` to `cur/` or changes its flags: the library
//! keeps the names imported, and a sync reads only the others. A watched
//! folder is imported as a path is: files read whole before (same path, size
//! and time, or same content) are passed over.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use super::SourceError;
use super::sync::{SyncOptions, SyncProgress, Synced, import_spec};
use crate::ingest::{self, LoadOptions, MessageItem};
use crate::library::Source;
use crate::library::db::{Library, LibraryWriter, SourceRow};

/// What the library keeps of a Maildir: the unique names imported.
#[derive(Debug, Default, Serialize, Deserialize)]
struct MaildirState {
    names: BTreeSet<String>,
}

/// A message's unique name: its file name up to the `:2,` info (or `;2,`,
/// where a file system forbids colons).
pub fn unique_name(file_name: &str) -> &str {
    file_name
        .find(":2,")
        .or_else(|| file_name.find(";2,"))
        .map_or(file_name, |at| &file_name[..at])
}

/// The messages of `cur/` and `new/`, by unique name (the first found when a
/// message is both, moving between them).
fn list_messages(maildir: &Path) -> Result<Vec<(String, PathBuf)>, SourceError> {
    let mut found = std::collections::BTreeMap::new();
    for sub in ["cur", "new"] {
        let dir = maildir.join(sub);
        let entries = std::fs::read_dir(&dir).map_err(|e| SourceError::Folder {
            path: dir.display().to_string(),
            reason: format!("{e} (is it a Maildir, with cur/ and new/?)"),
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            found
                .entry(unique_name(name).to_string())
                .or_insert_with(|| entry.path());
        }
    }
    Ok(found.into_iter().collect())
}

/// Reads a message found in the listing; it may have moved to the other
/// folder since (a mail program read it): then it is looked for by name.
fn read_message(maildir: &Path, name: &str, listed: &Path) -> Option<(PathBuf, Vec<u8>)> {
    if let Ok(data) = std::fs::read(listed) {
        return Some((listed.to_path_buf(), data));
    }
    let again = list_messages(maildir).ok()?;
    let (_, path) = again.into_iter().find(|(n, _)| n == name)?;
    let data = std::fs::read(&path).ok()?;
    Some((path, data))
}

pub fn sync_maildir(
    library: &mut Library,
    source: &SourceRow,
    maildir: &Path,
    options: &SyncOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<Synced, SourceError> {
    let stored = library.source_state(source.id, "")?;
    let mut state: MaildirState = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let new: Vec<(String, PathBuf)> = list_messages(maildir)?
        .into_iter()
        .filter(|(name, _)| !state.names.contains(name))
        .collect();
    let mut walk = SyncProgress {
        total: new.len() as u64,
        ..SyncProgress::default()
    };
    progress(&walk);
    let mut synced = Synced::default();
    if new.is_empty() {
        return Ok(synced);
    }
    let spec = import_spec(source);
    let mut writer = LibraryWriter::begin(library, &spec, cancel)?;
    let base = writer.next_message_number()?;
    let load = LoadOptions {
        keep_documents: true,
        ..options.load.clone()
    };
    let mut result = Ok(());
    for chunk in new.chunks(options.batch.max(1)) {
        let mut read = Vec::with_capacity(chunk.len());
        let mut messages = Vec::with_capacity(chunk.len());
        for (name, path) in chunk {
            // A message gone meanwhile (deleted) is not marked: if it comes
            // back, the next sync reads it.
            if let Some((path, data)) = read_message(maildir, name, path) {
                read.push(name.clone());
                messages.push(MessageItem::Message {
                    source: Source::file(Arc::from(path.as_path())),
                    data,
                });
            }
        }
        let mut items = messages.into_iter();
        let first = base + synced.messages;
        ingest::collect_messages_from(&mut writer, &mut items, first, &load, cancel, |_| {});
        if cancel.load(Relaxed) {
            result = Err(SourceError::Cancelled);
            break;
        }
        synced.messages += read.len() as u64;
        state.names.extend(read);
        let text = serde_json::to_string(&state).unwrap_or_default();
        if let Err(e) = writer.checkpoint(source.id, "", &text) {
            result = Err(e.into());
            break;
        }
        walk.fetched = synced.messages;
        walk.committed = synced.messages;
        progress(&walk);
    }
    synced.counts = writer.finish(cancel.load(Relaxed))?;
    result.map(|()| synced)
}

/// Imports the files of a watched folder that were not read before.
pub fn sync_watched(
    library: &mut Library,
    source: &SourceRow,
    folder: &Path,
    options: &SyncOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<Synced, SourceError> {
    if !folder.is_dir() {
        return Err(SourceError::Folder {
            path: folder.display().to_string(),
            reason: "not a folder".into(),
        });
    }
    let load = LoadOptions {
        keep_documents: true,
        known: Some(Arc::new(library.known_files()?)),
        ..options.load.clone()
    };
    let spec = import_spec(source);
    let mut writer = LibraryWriter::begin(library, &spec, cancel)?;
    let paths = [folder.to_path_buf()];
    let outcome = ingest::collect_into(&mut writer, &paths, &load, cancel, |p| {
        progress(&SyncProgress {
            total: p.files_total,
            fetched: p.files_done,
            committed: 0,
        })
    });
    let counts = writer.finish(outcome.cancelled)?;
    if outcome.cancelled {
        return Err(SourceError::Cancelled);
    }
    Ok(Synced {
        messages: outcome.progress.files_done.saturating_sub(counts.unchanged),
        counts,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_unique_name_leaves_out_the_flags() {
        assert_eq!(
            super::unique_name("1700000000.M1P2.host:2,S"),
            "1700000000.M1P2.host"
        );
        assert_eq!(
            super::unique_name("1700000000.M1P2.host"),
            "1700000000.M1P2.host"
        );
        assert_eq!(super::unique_name("a;2,RS"), "a");
    }
}
