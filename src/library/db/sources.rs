//! The sources a user added to a library (mailboxes, Maildirs, watched folders)
//! with their settings, and where each stands: what a sync fetched last.
//!
//! Settings are JSON the source module writes; the library keeps them as text
//! and never sees a password (the sources keep commands and variable names).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::codec::{count_of, now_seconds};
use super::{Library, LibraryError, LibraryWriter};

/// A source added to the library, as the sync reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRow {
    pub id: i64,
    pub kind: String,
    pub location: String,
    /// The source's settings as JSON, when it has any.
    pub settings: Option<String>,
    pub added_at: i64,
    /// When a sync of it last ended (seconds since 1970), and what it said.
    pub synced_at: Option<i64>,
    pub last_result: Option<String>,
    /// Reports the library holds from it.
    pub reports: u64,
}

impl Library {
    /// Adds a source, or updates the settings of the one at `location`; returns
    /// its id.
    pub fn add_source(
        &mut self,
        kind: &str,
        location: &str,
        settings: Option<&str>,
    ) -> Result<i64, LibraryError> {
        let err = |e| self.error(e);
        self.conn
            .execute(
                "INSERT INTO sources (kind, location, settings, added_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (location) DO UPDATE SET kind = excluded.kind, settings = excluded.settings",
                params![kind, location, settings, now_seconds()],
            )
            .map_err(err)?;
        self.conn
            .query_row(
                "SELECT id FROM sources WHERE location = ?1",
                [location],
                |row| row.get(0),
            )
            .map_err(err)
    }

    /// The sources of the given kinds (every source when `kinds` is empty),
    /// oldest first.
    pub fn source_rows(&self, kinds: &[&str]) -> Result<Vec<SourceRow>, LibraryError> {
        let err = |e| self.error(e);
        let mut statement = self
            .conn
            .prepare(
                "SELECT s.id, s.kind, s.location, s.settings, s.added_at,
                    (SELECT max(synced_at) FROM source_state t WHERE t.source_id = s.id),
                    (SELECT last_result FROM source_state t WHERE t.source_id = s.id
                        ORDER BY synced_at DESC LIMIT 1),
                    (SELECT count(*) FROM reports r WHERE r.source_id = s.id)
                 FROM sources s ORDER BY s.id",
            )
            .map_err(err)?;
        let rows = statement
            .query_map([], |row| {
                Ok(SourceRow {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    location: row.get(2)?,
                    settings: row.get(3)?,
                    added_at: row.get(4)?,
                    synced_at: row.get(5)?,
                    last_result: row.get(6)?,
                    reports: count_of(row.get(7)?),
                })
            })
            .map_err(err)?;
        let all: Vec<SourceRow> = rows.collect::<Result<_, _>>().map_err(err)?;
        Ok(all
            .into_iter()
            .filter(|s| kinds.is_empty() || kinds.contains(&s.kind.as_str()))
            .collect())
    }

    /// The source at `location`, if the library has one.
    pub fn source_at(&self, location: &str) -> Result<Option<SourceRow>, LibraryError> {
        Ok(self
            .source_rows(&[])?
            .into_iter()
            .find(|s| s.location == location))
    }

    /// What a source recorded of `folder` (`""` for a source with one folder).
    pub fn source_state(&self, source: i64, folder: &str) -> Result<Option<String>, LibraryError> {
        self.conn
            .query_row(
                "SELECT state FROM source_state WHERE source_id = ?1 AND folder = ?2",
                params![source, folder],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Notes how a sync of `folder` ended: now, with `result` ("ok: ..." or the
    /// error), keeping the folder's state.
    pub fn note_sync(&self, source: i64, folder: &str, result: &str) -> Result<(), LibraryError> {
        self.conn
            .execute(
                "INSERT INTO source_state (source_id, folder, state, synced_at, last_result)
                 VALUES (?1, ?2, '{}', ?3, ?4)
                 ON CONFLICT (source_id, folder) DO UPDATE SET synced_at = excluded.synced_at,
                    last_result = excluded.last_result",
                params![source, folder, now_seconds(), result],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }
}

impl LibraryWriter<'_> {
    /// Commits what was written so far together with the source's new `state`
    /// for `folder`: the state never runs ahead of the reports it stands for,
    /// so a sync that stops after this loses nothing and the next one resumes
    /// here.
    pub fn checkpoint(
        &mut self,
        source: i64,
        folder: &str,
        state: &str,
    ) -> Result<(), LibraryError> {
        self.commit_with(|conn| {
            conn.execute(
                "INSERT INTO source_state (source_id, folder, state) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source_id, folder) DO UPDATE SET state = excluded.state",
                params![source, folder, state],
            )
            .map(|_| ())
        })
    }

    /// The message number after every one this import logged: an import that
    /// resumes (the last sync was killed or cancelled) numbers on from there,
    /// so that no two messages share a place in input order.
    pub fn next_message_number(&self) -> Result<u64, LibraryError> {
        let last: i64 = self
            .library
            .conn
            .query_row(
                "SELECT coalesce(max(ord_message), 0) FROM import_log WHERE import_id = ?1",
                [self.import_id()],
                |row| row.get(0),
            )
            .map_err(|e| self.library.error(e))?;
        Ok(count_of(last) + 1)
    }
}
