//! The app's mailbox sources: adding one (its typed password kept in memory
//! only), testing it, syncing one or all on the load thread, and syncing every
//! N minutes while the window is open.

use std::time::{Duration, Instant};

use super::App;
use crate::gui::jobs::Finished;
use crate::gui::library::{self, SourceDraft};
use crate::sources::sync::source_key;
use crate::sources::{SyncOptions, test_source};

impl App {
    pub(super) fn add_mail_source(&mut self, draft: SourceDraft) {
        let Some(path) = self.library.clone().filter(|_| !self.is_loading()) else {
            self.view.status = Some("Add the source once the running job is done.".into());
            return;
        };
        if !draft.password.is_empty()
            && let Ok(key) = source_key(&draft.url)
        {
            self.passwords.insert(key, draft.password.clone());
        }
        // The form empties for the next source; "Edit" fills it again.
        self.view.source_form = SourceDraft::default();
        self.start_library_job(move |_, _| library::add_mail_source(&path, &draft));
    }

    pub(super) fn sync_mail_sources(&mut self, only: Option<i64>) {
        let Some(path) = self.library.clone().filter(|_| !self.is_loading()) else {
            self.view.status = Some("Sync once the running job is done.".into());
            return;
        };
        self.last_auto_sync = Some(Instant::now());
        let passwords = self.passwords.clone();
        self.start_library_job(move |cancel, progress| {
            library::sync_mail_sources(&path, only, &passwords, cancel, progress)
        });
    }

    pub(super) fn test_mail_source(&mut self, id: i64) {
        let row = self
            .library_facts
            .as_ref()
            .and_then(|f| f.mail_sources.iter().find(|s| s.id == id).cloned());
        let Some(row) = row else {
            return;
        };
        let options = SyncOptions {
            typed_password: self.passwords.get(&row.location).cloned(),
            timeout: Duration::from_secs(20),
            ..SyncOptions::default()
        };
        let started = self.jobs.start_query(move || {
            Finished::SourceTested(id, test_source(&row, &options).map_err(|e| e.to_string()))
        });
        if let Err(e) = started {
            self.view.status = Some(format!("Cannot test the source: {e}"));
        }
    }

    /// Syncs every mailbox source when the time has come, and has the window
    /// wake up for the next time.
    pub(super) fn auto_sync(&mut self) {
        let minutes = self.settings.auto_sync_minutes;
        let has_sources = self
            .library_facts
            .as_ref()
            .is_some_and(|f| !f.mail_sources.is_empty());
        if minutes == 0 || !has_sources || !self.shows_library() {
            return;
        }
        let every = Duration::from_secs(u64::from(minutes) * 60);
        let since = *self.last_auto_sync.get_or_insert_with(Instant::now);
        let due = since + every;
        let now = Instant::now();
        if now >= due && !self.is_loading() {
            self.sync_mail_sources(None);
            self.ctx.request_repaint_after(every);
        } else {
            self.ctx.request_repaint_after(
                due.saturating_duration_since(now)
                    .max(Duration::from_secs(1)),
            );
        }
    }
}
