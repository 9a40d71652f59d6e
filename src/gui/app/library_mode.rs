//! The app with a library: opening it, importing into it, looking at files
//! beside it, its changes from elsewhere, and reports read from it.

use std::path::PathBuf;

use super::{App, OpenReport};
use crate::gui::jobs::{Finished, LoadDone};
use crate::gui::library::{self, LibraryFacts};
use crate::gui::view::Tab;
use crate::library::db::{LibraryStamp, LogEntry};
use crate::library::{Loaded, LoadedReport};

impl App {
    /// The library shown, if any (not while files are looked at).
    pub fn shows_library(&self) -> bool {
        self.library.is_some() && !self.looking
    }

    /// The report in the report window.
    pub fn open_report(&self) -> Option<&OpenReport> {
        self.open_report.as_ref()
    }

    /// What the library held when last read.
    pub fn library_facts(&self) -> Option<&LibraryFacts> {
        self.library_facts.as_ref()
    }

    /// Runs a library job; the view stays until it is done.
    pub(super) fn start_library_job(
        &mut self,
        task: impl FnOnce(&std::sync::atomic::AtomicBool, &dyn Fn(&crate::ingest::Progress)) -> LoadDone
        + Send
        + 'static,
    ) {
        if let Err(e) = self.jobs.start_task(task) {
            self.view.status = Some(format!("Cannot start the library job: {e}"));
        }
    }

    pub(super) fn open_library(&mut self, path: PathBuf) {
        if self.is_loading() {
            self.view.status = Some("Open the library once the load is done.".into());
            return;
        }
        self.library = Some(path.clone());
        self.settings.library = Some(path.clone());
        self.looking = false;
        self.partial = None;
        self.jobs.watch(Some(path.clone()));
        self.start_library_job(move |_, _| library::open(&path));
    }

    pub(super) fn start_import(&mut self, paths: Vec<PathBuf>) {
        if self.is_loading() {
            self.queued.extend(paths);
            return;
        }
        let Some(library) = self.library.clone() else {
            return;
        };
        self.settings.remember(&paths);
        self.start_library_job(move |cancel, progress| {
            library::import(&library, &paths, cancel, progress)
        });
    }

    pub(super) fn look_at(&mut self, paths: Vec<PathBuf>) {
        if self.is_loading() {
            self.view.status = Some("Look at files once the load is done.".into());
            return;
        }
        if !self.looking {
            // A new set beside the library, which stays as it is.
            self.looking = true;
            self.replace_data(Loaded::default());
        }
        self.start_load(paths);
    }

    pub(super) fn back_to_library(&mut self) {
        if let Some(path) = self.library.clone() {
            self.open_library(path);
        }
    }

    pub(super) fn remove_source(&mut self, id: i64, location: String) {
        self.view.confirm_remove = None;
        let Some(library) = self.library.clone().filter(|_| !self.is_loading()) else {
            return;
        };
        self.start_library_job(move |_, _| library::remove_source(&library, id, location));
    }

    pub(super) fn reread_library(&mut self) {
        let Some(library) = self.library.clone().filter(|_| !self.is_loading()) else {
            return;
        };
        self.start_library_job(move |cancel, progress| library::reread(&library, cancel, progress));
    }

    pub(super) fn show_import_log(&mut self, import: i64) {
        let Some(library) = self.library.clone() else {
            return;
        };
        let started = self.jobs.start_query(move || {
            Finished::ImportLog(import, library::import_log(&library, import))
        });
        if let Err(e) = started {
            self.view.status = Some(format!("Cannot read the import log: {e}"));
        }
    }

    pub(super) fn import_log_read(&mut self, import: i64, lines: Result<Vec<LogEntry>, String>) {
        match (lines, &mut self.library_facts) {
            (Ok(lines), Some(facts)) => facts.log = Some((import, lines)),
            (Err(e), _) => self.view.status = Some(format!("Cannot read the import log: {e}")),
            _ => {}
        }
    }

    /// Another program changed the library: read it again when the view shows it
    /// and no job of ours runs (ours read it again when they end).
    pub(super) fn library_changed(&mut self, stamp: LibraryStamp) {
        let known = self.library_facts.as_ref().map(|f| f.stamp);
        if !self.shows_library() || self.is_loading() || known == Some(stamp) {
            return;
        }
        let Some(path) = self.library.clone() else {
            return;
        };
        self.start_library_job(move |_, _| {
            let mut done = library::open(&path);
            if done.data.is_some() {
                done.status =
                    Some("The library changed (an import from elsewhere): shown anew.".into());
            }
            done
        });
    }

    /// Asks the library for the report the window opens.
    pub(super) fn request_stored_report(&mut self, index: u32) {
        if self.report_requested == Some(index) {
            return;
        }
        self.report_requested = Some(index);
        let data = self.data.clone();
        let started = self.jobs.start_query(move || {
            Finished::Report(index, data.report_at(index).map_err(|e| e.to_string()))
        });
        if let Err(e) = started {
            self.view.status = Some(format!("Cannot read the report: {e}"));
        }
    }

    pub(super) fn report_read(&mut self, index: u32, report: Result<Option<LoadedReport>, String>) {
        if self.view.open_report != Some(index) {
            return;
        }
        match report {
            Ok(Some(report)) => {
                let json =
                    serde_json::to_string_pretty(&report.report.to_json()).unwrap_or_default();
                self.open_report = Some(OpenReport {
                    index,
                    report,
                    json,
                });
            }
            Ok(None) => self.view.status = Some("The library no longer holds this report.".into()),
            Err(e) => self.view.status = Some(format!("Cannot read the report: {e}")),
        }
    }

    /// The tabs the window offers: the library's only with a library.
    pub fn tabs(&self) -> impl Iterator<Item = Tab> + '_ {
        Tab::ALL
            .into_iter()
            .filter(|t| *t != Tab::Library || self.library.is_some())
    }
}
