//! The network side of a sync: which UIDs are new, fetching them in batches on
//! a thread of its own, and moving imported messages when asked to.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::sync_channel;

use super::Session;
use super::connect::imap_error;
use crate::sources::SourceError;
use crate::sources::location::ImapAddress;

/// Messages of one `UID FETCH`, by UID.
pub struct Batch {
    pub messages: Vec<(u32, Vec<u8>)>,
    /// The highest UID asked for: committed as read even when the server no
    /// longer had it (expunged meanwhile).
    pub last_uid: u32,
}

/// The UIDs above `last_uid` in the selected folder, ascending.
pub fn new_uids(
    session: &mut Session,
    address: &ImapAddress,
    last_uid: u32,
) -> Result<Vec<u32>, SourceError> {
    let found = session
        .uid_search(format!("UID {}:*", u64::from(last_uid) + 1))
        .map_err(|e| imap_error(address, "UID SEARCH", e))?;
    // `N:*` names the highest UID even when it is below N (RFC 3501 §6.4.8).
    let mut uids: Vec<u32> = found.into_iter().filter(|&uid| uid > last_uid).collect();
    uids.sort_unstable();
    Ok(uids)
}

/// Fetches `uids` in batches of `batch`, one batch ahead of the importer.
pub struct Fetcher<'a> {
    pub address: &'a ImapAddress,
    pub uids: &'a [u32],
    pub batch: usize,
    pub cancel: &'a AtomicBool,
}

impl Fetcher<'_> {
    /// Hands each batch to `import` on the calling thread while the next one is
    /// fetched. Returns the session when the connection is still good, and the
    /// first error of either side.
    pub fn run(
        self,
        session: Session,
        import: &mut dyn FnMut(Batch) -> Result<(), SourceError>,
    ) -> (Option<Session>, Result<(), SourceError>) {
        // One batch in the channel, one being fetched: memory stays at two batches.
        let (to_importer, batches) = sync_channel::<Result<Batch, SourceError>>(1);
        std::thread::scope(|scope| {
            let fetcher = &self;
            let fetching = std::thread::Builder::new()
                .name("tlsrpt-imap-fetch".into())
                .spawn_scoped(scope, move || fetcher.fetch_all(session, &to_importer));
            let fetching = match fetching {
                Ok(handle) => handle,
                Err(e) => {
                    let error = SourceError::Folder {
                        path: self.address.to_string(),
                        reason: format!("cannot start the fetching thread: {e}"),
                    };
                    return (None, Err(error));
                }
            };
            let mut result = Ok(());
            for batch in batches.iter() {
                let imported = batch.and_then(&mut *import);
                if let Err(e) = imported {
                    result = Err(e);
                    break;
                }
            }
            // The fetcher stops at its next send.
            drop(batches);
            let session = fetching.join().ok().flatten();
            (session, result)
        })
    }

    fn fetch_all(
        &self,
        mut session: Session,
        to_importer: &std::sync::mpsc::SyncSender<Result<Batch, SourceError>>,
    ) -> Option<Session> {
        for chunk in self.uids.chunks(self.batch) {
            if self.cancel.load(Relaxed) {
                break;
            }
            match fetch_batch(&mut session, self.address, chunk) {
                Ok(batch) => {
                    if to_importer.send(Ok(batch)).is_err() {
                        return Some(session);
                    }
                }
                Err(e) => {
                    let _ = to_importer.send(Err(e));
                    return None;
                }
            }
        }
        Some(session)
    }
}

fn fetch_batch(
    session: &mut Session,
    address: &ImapAddress,
    uids: &[u32],
) -> Result<Batch, SourceError> {
    let fetches = session
        .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
        .map_err(|e| imap_error(address, "UID FETCH", e))?;
    let mut messages: Vec<(u32, Vec<u8>)> = fetches
        .iter()
        .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
        .collect();
    messages.sort_unstable_by_key(|(uid, _)| *uid);
    messages.dedup_by_key(|(uid, _)| *uid);
    Ok(Batch {
        messages,
        last_uid: uids.iter().copied().max().unwrap_or(0),
    })
}

/// A UID set in ranges: `1:500`, `3,7:9`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// Moves every message up to `last_uid` (imported and committed) to `target`:
/// MOVE (RFC 6851) when the server has it, else COPY, \Deleted and EXPUNGE.
/// Messages a broken sync left behind move with the next one.
pub fn move_imported(
    session: &mut Session,
    address: &ImapAddress,
    last_uid: u32,
    target: &str,
) -> Result<(), SourceError> {
    if last_uid == 0 {
        return Ok(());
    }
    let found = session
        .uid_search(format!("UID 1:{last_uid}"))
        .map_err(|e| imap_error(address, "UID SEARCH", e))?;
    let uids: Vec<u32> = found.into_iter().filter(|&uid| uid <= last_uid).collect();
    if uids.is_empty() {
        return Ok(());
    }
    let set = uid_set(&uids);
    let capabilities = session
        .capabilities()
        .map_err(|e| imap_error(address, "CAPABILITY", e))?;
    let err = |command: &'static str| move |e| imap_error(address, command, e);
    if capabilities.has_str("MOVE") {
        return session.uid_mv(&set, target).map_err(err("UID MOVE"));
    }
    session.uid_copy(&set, target).map_err(err("UID COPY"))?;
    session
        .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
        .map_err(err("UID STORE"))?;
    if capabilities.has_str("UIDPLUS") {
        session.uid_expunge(&set).map_err(err("UID EXPUNGE"))?;
    } else {
        session.expunge().map_err(err("EXPUNGE"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn uid_sets_are_ranges() {
        assert_eq!(super::uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(super::uid_set(&[9]), "9");
    }
}
