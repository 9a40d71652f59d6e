//! Work that must not block the window: loading inputs and native file dialogs,
//! each on its own named thread, reporting back over a channel.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use crossbeam_channel::{Receiver, unbounded};

use super::data::Data;
use crate::analysis::ChartKind;
use crate::ingest::{self, LoadOptions, LoadOutcome, Progress};

enum LoadMessage {
    Progress(Progress),
    Done(Box<Data>, LoadOutcome),
}

/// A load running on the `tlsrpt-load` thread. It owns the data while it runs and
/// hands it back, merged with the new inputs, when done.
pub struct LoadJob {
    messages: Receiver<LoadMessage>,
    cancel: Arc<AtomicBool>,
    /// The latest progress reported.
    pub progress: Progress,
}

impl LoadJob {
    pub fn start(
        mut data: Data,
        paths: Vec<PathBuf>,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<LoadJob> {
        let (tx, messages) = unbounded();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        std::thread::Builder::new()
            .name("tlsrpt-load".into())
            .spawn(move || {
                let outcome = ingest::load_into(
                    &mut data.store,
                    &paths,
                    &LoadOptions::default(),
                    &flag,
                    |p: &Progress| {
                        let _ = tx.send(LoadMessage::Progress(*p));
                        notify();
                    },
                );
                data.dataset.sync(&data.store);
                let _ = tx.send(LoadMessage::Done(Box::new(data), outcome));
                notify();
            })?;
        Ok(LoadJob {
            messages,
            cancel,
            progress: Progress::default(),
        })
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Relaxed);
    }

    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Relaxed)
    }

    /// Takes the reported progress; returns the data once the load is done.
    pub fn poll(&mut self) -> Option<(Data, LoadOutcome)> {
        while let Ok(message) = self.messages.try_recv() {
            match message {
                LoadMessage::Progress(p) => self.progress = p,
                LoadMessage::Done(data, outcome) => return Some((*data, outcome)),
            }
        }
        None
    }

    /// Blocks until the load is done (for tests and headless runs).
    pub fn wait(&mut self) -> Option<(Data, LoadOutcome)> {
        while let Ok(message) = self.messages.recv() {
            match message {
                LoadMessage::Progress(p) => self.progress = p,
                LoadMessage::Done(data, outcome) => return Some((*data, outcome)),
            }
        }
        None
    }
}

/// What a file dialog was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    OpenFiles,
    OpenFolder,
    SaveTable,
    SaveChart(ChartKind),
    ExportFolder,
}

/// A native file dialog on the `tlsrpt-dialog` thread (the dialog call blocks).
pub struct DialogJob {
    pub purpose: DialogPurpose,
    result: Receiver<Vec<PathBuf>>,
}

impl DialogJob {
    pub fn start(
        purpose: DialogPurpose,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<DialogJob> {
        let (tx, result) = unbounded();
        std::thread::Builder::new()
            .name("tlsrpt-dialog".into())
            .spawn(move || {
                let _ = tx.send(show_dialog(purpose));
                notify();
            })?;
        Ok(DialogJob { purpose, result })
    }

    /// The chosen paths (empty when cancelled) once the dialog closed.
    pub fn poll(&self) -> Option<Vec<PathBuf>> {
        self.result.try_recv().ok()
    }
}

fn show_dialog(purpose: DialogPurpose) -> Vec<PathBuf> {
    let dialog = rfd::FileDialog::new();
    match purpose {
        DialogPurpose::OpenFiles => dialog
            .set_title("Open TLS reports, archives, e-mails or mailboxes")
            .pick_files()
            .unwrap_or_default(),
        DialogPurpose::OpenFolder => dialog
            .set_title("Open a folder of reports")
            .pick_folder()
            .into_iter()
            .collect(),
        DialogPurpose::SaveTable => dialog
            .set_title("Save table as CSV")
            .add_filter("CSV", &["csv"])
            .set_file_name("table.csv")
            .save_file()
            .into_iter()
            .collect(),
        DialogPurpose::SaveChart(kind) => dialog
            .set_title("Save chart")
            .add_filter("PNG image", &["png"])
            .add_filter("SVG image", &["svg"])
            .set_file_name(format!("{}.png", kind.file_stem()))
            .save_file()
            .into_iter()
            .collect(),
        DialogPurpose::ExportFolder => dialog
            .set_title("Export every table into a folder")
            .pick_folder()
            .into_iter()
            .collect(),
    }
}
