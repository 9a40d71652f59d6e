//! Work that must not block the window: loading inputs, native file dialogs,
//! writing exports and checking domains, each on its own named thread, reporting
//! back over a channel.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use crossbeam_channel::{Receiver, unbounded};

use super::data::Data;
use crate::analysis::ChartKind;
use crate::checker::{CheckConfig, CheckReport, Step, check};
use crate::ingest::{self, LoadOptions, LoadOutcome, Progress};

/// What a job's thread sends: progress, then once its result.
enum Message<P, D> {
    Progress(P),
    Done(D),
}

/// Hands each progress message to `progress` until the result arrives.
fn until_done<P, D>(
    messages: impl Iterator<Item = Message<P, D>>,
    mut progress: impl FnMut(P),
) -> Option<D> {
    for message in messages {
        match message {
            Message::Progress(p) => progress(p),
            Message::Done(done) => return Some(done),
        }
    }
    None
}

type LoadMessage = Message<Progress, Box<(Data, LoadOutcome)>>;

/// A load running on the `tlsrpt-load` thread. It owns the data while it runs and
/// hands it back, merged with the new inputs, when done.
pub struct LoadJob {
    messages: Receiver<LoadMessage>,
    cancel: Arc<AtomicBool>,
    /// The latest progress reported.
    pub progress: Progress,
}

impl LoadJob {
    /// Loads `paths` into `data`, taken over from the window: a copy is made (on the
    /// load thread) only when another thread still holds it.
    pub fn start(
        data: Arc<Data>,
        paths: Vec<PathBuf>,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<LoadJob> {
        let (tx, messages) = unbounded();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        std::thread::Builder::new()
            .name("tlsrpt-load".into())
            .spawn(move || {
                let mut data = Arc::try_unwrap(data).unwrap_or_else(|arc| (*arc).clone());
                let outcome = ingest::load_into(
                    &mut data.store,
                    &paths,
                    &LoadOptions::default(),
                    &flag,
                    |p: &Progress| {
                        let _ = tx.send(Message::Progress(*p));
                        notify();
                    },
                );
                data.dataset.sync(&data.store);
                let _ = tx.send(Message::Done(Box::new((data, outcome))));
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
        until_done(self.messages.try_iter(), |p| self.progress = p).map(|done| *done)
    }

    /// Blocks until the load is done (for tests and headless runs).
    pub fn wait(&mut self) -> Option<(Data, LoadOutcome)> {
        until_done(self.messages.iter(), |p| self.progress = p).map(|done| *done)
    }
}

/// Files being written on the `tlsrpt-export` thread (a folder of every table or
/// a chart image can take seconds); it ends with the status line to show.
pub struct ExportJob {
    status: Receiver<String>,
}

impl ExportJob {
    pub fn start(
        write: impl FnOnce() -> String + Send + 'static,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<ExportJob> {
        let (tx, status) = unbounded();
        std::thread::Builder::new()
            .name("tlsrpt-export".into())
            .spawn(move || {
                let _ = tx.send(write());
                notify();
            })?;
        Ok(ExportJob { status })
    }

    /// The status line once the files are written.
    pub fn poll(&self) -> Option<String> {
        self.status.try_recv().ok()
    }

    /// Blocks until the files are written (for tests and headless runs).
    pub fn wait(&self) -> Option<String> {
        self.status.recv().ok()
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

type CheckMessage = Message<String, Box<Result<CheckReport, String>>>;

/// A domain check on the `tlsrpt-check` thread.
pub struct CheckJob {
    pub domain: String,
    messages: Receiver<CheckMessage>,
    cancel: Arc<AtomicBool>,
    /// The steps and hosts reached so far.
    pub progress: Vec<String>,
}

impl CheckJob {
    pub fn start(
        domain: String,
        config: CheckConfig,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<CheckJob> {
        let (tx, messages) = unbounded();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let name = domain.clone();
        std::thread::Builder::new()
            .name("tlsrpt-check".into())
            .spawn(move || {
                let mut progress = |step: Step, what: &str| {
                    let line = if what.is_empty() {
                        step.title().to_string()
                    } else {
                        format!("{}: {what}", step.title())
                    };
                    let _ = tx.send(Message::Progress(line));
                    notify();
                };
                let result = check(&name, &config, &mut progress, &flag).map_err(|e| e.to_string());
                let _ = tx.send(Message::Done(Box::new(result)));
                notify();
            })?;
        Ok(CheckJob {
            domain,
            messages,
            cancel,
            progress: Vec::new(),
        })
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Relaxed);
    }

    /// Takes the reported progress; returns the outcome once the check is done.
    pub fn poll(&mut self) -> Option<Result<CheckReport, String>> {
        until_done(self.messages.try_iter(), |line| self.progress.push(line)).map(|done| *done)
    }

    /// Blocks until the check is done (for tests).
    pub fn wait(&mut self) -> Option<Result<CheckReport, String>> {
        until_done(self.messages.iter(), |line| self.progress.push(line)).map(|done| *done)
    }
}
