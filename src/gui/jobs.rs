//! Work that must not block the window: loading inputs, computing aggregates, native
//! file dialogs, writing exports and checking domains, each on its own named thread
//! reporting back over a channel. [`Jobs`] owns them all; the app takes what
//! finished each frame, tests wait for it, through the same code.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError, unbounded};

use super::data::{Aggregates, FacetRanks, Query, compute_ranked};
use super::file_dialog::NO_NATIVE_DIALOG;
use crate::analysis::ChartKind;
use crate::checker::{CheckConfig, CheckReport, Step, check};
use crate::ingest::{self, LoadOptions, LoadOutcome, Progress};
use crate::library::db::{LibraryStamp, LogEntry};
use crate::library::{Loaded, LoadedReport};

use super::library::{LibraryFacts, WatchJob};

/// What a load or a library job hands back.
pub struct LoadDone {
    /// The set to show; `None` when a library job failed (the view stays).
    pub data: Option<Loaded>,
    pub outcome: LoadOutcome,
    /// What the status bar says (else the load's counts).
    pub status: Option<String>,
    /// What the library holds, after a library job.
    pub library: Option<LibraryFacts>,
}

/// What a job's thread sends: progress, then once its result.
enum Message<P, D> {
    Progress(P),
    Done(D),
}

/// Whether taking what finished may wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Only what has finished already (the window, every frame).
    No,
    /// Until each running load, check and export and the requested aggregates are
    /// done (tests and headless runs; a file dialog waits for a person, never this).
    UntilDone,
}

/// Where a job stands after its messages are read.
enum Outcome<D> {
    Done(D),
    /// The thread ended without a result (it cannot, short of a panic).
    Gone,
    Running,
}

impl<D> Outcome<D> {
    /// `Some` once the job is over: its result, or `None` when there is none.
    fn over(self) -> Option<Option<D>> {
        match self {
            Outcome::Done(done) => Some(Some(done)),
            Outcome::Gone => Some(None),
            Outcome::Running => None,
        }
    }
}

/// Reads `receiver` until the result: the messages there already or, with
/// [`Wait::UntilDone`], until the result arrives. Progress goes to `progress`.
fn next_result<P, D>(
    receiver: &Receiver<Message<P, D>>,
    wait: Wait,
    mut progress: impl FnMut(P),
) -> Outcome<D> {
    loop {
        let message = match wait {
            Wait::No => match receiver.try_recv() {
                Ok(message) => message,
                Err(TryRecvError::Empty) => return Outcome::Running,
                Err(TryRecvError::Disconnected) => return Outcome::Gone,
            },
            Wait::UntilDone => match receiver.recv() {
                Ok(message) => message,
                Err(_) => return Outcome::Gone,
            },
        };
        match message {
            Message::Progress(p) => progress(p),
            Message::Done(done) => return Outcome::Done(done),
        }
    }
}

/// A job that ended, with what it produced.
pub enum Finished {
    /// The loaded set with the new inputs merged in, or the library read again
    /// (`None`: the thread ended without a result and the data is lost; it cannot
    /// happen short of a panic).
    Load(Option<Box<LoadDone>>),
    /// The library changed: another program imported into it (its new stamp).
    LibraryChanged(LibraryStamp),
    /// A report read from the library for the report window.
    Report(u32, Result<Option<LoadedReport>, String>),
    /// What testing a mailbox source said.
    SourceTested(i64, Result<String, String>),
    /// The lines an import logged, for the library view.
    ImportLog(i64, Result<Vec<LogEntry>, String>),
    Aggregates(Box<Aggregates>),
    /// The checked domain and its report, or why the check could not run.
    Check(String, Option<Box<Result<CheckReport, String>>>),
    /// The paths chosen (none when cancelled), and whether the dialog closed too
    /// fast to have been shown at all (no native dialog on this desktop).
    Dialog(DialogPurpose, Vec<PathBuf>, bool),
    /// A finished export: what was saved (`Ok`) or why not, as a status line.
    Export(Option<Result<String, String>>),
}

/// Every background job of the app.
pub struct Jobs {
    pub load: Option<LoadJob>,
    /// Polls the open library for another program's imports.
    pub watch: Option<WatchJob>,
    /// A read from the library for a view (a report, an import's log).
    query: Option<Receiver<Finished>>,
    pub check: Option<CheckJob>,
    pub dialog: Option<DialogJob>,
    pub export: Option<ExportJob>,
    aggregates: Option<AggregateWorker>,
    notify: Arc<dyn Fn() + Send + Sync>,
}

impl Jobs {
    /// `notify` is called from a job's thread when it has news (the window asks
    /// for a repaint).
    pub fn new(notify: impl Fn() + Send + Sync + 'static) -> Jobs {
        let notify: Arc<dyn Fn() + Send + Sync> = Arc::new(notify);
        let on_result = notify.clone();
        Jobs {
            load: None,
            watch: None,
            query: None,
            check: None,
            dialog: None,
            export: None,
            aggregates: AggregateWorker::start(move || on_result()).ok(),
            notify,
        }
    }

    fn notifier(&self) -> impl Fn() + Send + Sync + 'static {
        let notify = self.notify.clone();
        move || notify()
    }

    /// Whether a job other than the aggregate worker runs (the window keeps
    /// repainting for its progress).
    pub fn busy(&self) -> bool {
        self.load.is_some()
            || self.query.is_some()
            || self.dialog.is_some()
            || self.check.is_some()
            || self.export.is_some()
    }

    /// What finished since the last call, in a fixed order: load, aggregates,
    /// dialog, check, export.
    pub fn finished(&mut self, wait: Wait) -> Vec<Finished> {
        let mut finished = Vec::new();
        if let Some(load) = &mut self.load
            && let Some(done) = load.next(wait)
        {
            self.load = None;
            finished.push(Finished::Load(done));
        }
        if let Some(result) = self.aggregates.as_mut().and_then(|w| w.next(wait)) {
            finished.push(Finished::Aggregates(Box::new(result)));
        }
        if let Some(dialog) = &self.dialog
            && let Some((paths, unseen)) = dialog.result.try_recv().ok()
        {
            finished.push(Finished::Dialog(dialog.purpose, paths, unseen));
            self.dialog = None;
        }
        if let Some(job) = &mut self.check
            && let Some(outcome) = job.next(wait)
        {
            finished.push(Finished::Check(job.domain.clone(), outcome));
            self.check = None;
        }
        if let Some(job) = &self.export
            && let Some(status) = job.next(wait)
        {
            finished.push(Finished::Export(status));
            self.export = None;
        }
        if let Some(query) = &self.query {
            let answer = match wait {
                Wait::No => query.try_recv().ok(),
                Wait::UntilDone => query.recv().ok(),
            };
            if let Some(answer) = answer {
                finished.push(answer);
                self.query = None;
            } else if wait == Wait::UntilDone {
                self.query = None;
            }
        }
        if let Some(stamp) = self.watch.as_ref().and_then(WatchJob::changed) {
            finished.push(Finished::LibraryChanged(stamp));
        }
        finished
    }

    /// Runs a library job (open, import, remove, re-read) on the `tlsrpt-load`
    /// thread; `task` reports progress and says when to stop.
    pub fn start_task(
        &mut self,
        task: impl FnOnce(&AtomicBool, &dyn Fn(&Progress)) -> LoadDone + Send + 'static,
    ) -> std::io::Result<()> {
        self.load = Some(LoadJob::start_task(task, self.notifier())?);
        Ok(())
    }

    /// Reads from the library on the `tlsrpt-query` thread (a report, an import
    /// log): one at a time, a newer one replaces an unanswered one.
    pub fn start_query(
        &mut self,
        query: impl FnOnce() -> Finished + Send + 'static,
    ) -> std::io::Result<()> {
        let (tx, rx) = unbounded();
        let notify = self.notifier();
        std::thread::Builder::new()
            .name("tlsrpt-query".into())
            .spawn(move || {
                let _ = tx.send(query());
                notify();
            })?;
        self.query = Some(rx);
        Ok(())
    }

    /// Watches the library at `path` for another program's imports (none: stops).
    pub fn watch(&mut self, path: Option<PathBuf>) {
        self.watch = path.and_then(|path| WatchJob::start(path, self.notifier()).ok());
    }

    /// Loads `paths` into `data` on the `tlsrpt-load` thread.
    pub fn start_load(&mut self, data: Arc<Loaded>, paths: Vec<PathBuf>) -> std::io::Result<()> {
        self.load = Some(LoadJob::start(data, paths, self.notifier())?);
        Ok(())
    }

    /// Asks for the aggregates of `query` over `data` (version `version`); an
    /// earlier request not yet computed is dropped.
    pub fn request_aggregates(&mut self, data: Arc<Loaded>, version: u64, query: Query) {
        if let Some(worker) = &mut self.aggregates {
            worker.request(data, version, query);
        }
    }

    pub fn start_check(&mut self, domain: String, config: CheckConfig) -> std::io::Result<()> {
        self.check = Some(CheckJob::start(domain, config, self.notifier())?);
        Ok(())
    }

    pub fn start_dialog(&mut self, purpose: DialogPurpose) -> std::io::Result<()> {
        self.dialog = Some(DialogJob::start(purpose, self.notifier())?);
        Ok(())
    }

    /// Runs `write` on the `tlsrpt-export` thread; it says what it saved, or why
    /// it could not.
    pub fn start_export(
        &mut self,
        write: impl FnOnce() -> Result<String, String> + Send + 'static,
    ) -> std::io::Result<()> {
        self.export = Some(ExportJob::start(write, self.notifier())?);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------

type LoadMessage = Message<Progress, Box<LoadDone>>;

/// A load running on the `tlsrpt-load` thread. It owns the data while it runs and
/// hands it back, merged with the new inputs, when done; meanwhile the window
/// shows what it showed before.
pub struct LoadJob {
    messages: Receiver<LoadMessage>,
    cancel: Arc<AtomicBool>,
    /// The latest progress reported.
    pub progress: Progress,
}

impl LoadJob {
    fn start(
        data: Arc<Loaded>,
        paths: Vec<PathBuf>,
        notify: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<LoadJob> {
        LoadJob::start_task(
            move |cancel, progress| {
                let mut loaded = sole_owner(data);
                let options = LoadOptions::default();
                let outcome = ingest::load_into(&mut loaded, &paths, &options, cancel, progress);
                LoadDone {
                    data: Some(loaded),
                    outcome,
                    status: None,
                    library: None,
                }
            },
            notify,
        )
    }

    fn start_task(
        task: impl FnOnce(&AtomicBool, &dyn Fn(&Progress)) -> LoadDone + Send + 'static,
        notify: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<LoadJob> {
        let (tx, messages) = unbounded();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        std::thread::Builder::new()
            .name("tlsrpt-load".into())
            .spawn(move || {
                let progress = |p: &Progress| {
                    let _ = tx.send(Message::Progress(*p));
                    notify();
                };
                let done = task(&flag, &progress);
                let _ = tx.send(Message::Done(Box::new(done)));
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

    /// The loaded set once the load is over (`Some(None)`: it ended without it).
    fn next(&mut self, wait: Wait) -> Option<Option<Box<LoadDone>>> {
        let progress = &mut self.progress;
        next_result(&self.messages, wait, |p| *progress = p).over()
    }
}

/// The data, owned: the aggregate worker or an export may still be reading it, and
/// they let go within their current task; waiting for them is cheaper than copying
/// every report.
fn sole_owner(mut data: Arc<Loaded>) -> Loaded {
    loop {
        match Arc::try_unwrap(data) {
            Ok(loaded) => return loaded,
            Err(shared) => {
                data = shared;
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Aggregates
// ---------------------------------------------------------------------------------

struct Request {
    data: Arc<Loaded>,
    version: u64,
    query: Query,
}

/// A thread that computes aggregates, always for the latest request only.
struct AggregateWorker {
    requests: Sender<Request>,
    results: Receiver<Aggregates>,
    /// The latest request whose result has not arrived.
    pending: Option<(u64, Query)>,
}

impl AggregateWorker {
    /// Starts the worker; `on_result` is called (from the worker thread) when a
    /// result is ready.
    fn start(on_result: impl Fn() + Send + 'static) -> std::io::Result<AggregateWorker> {
        let (requests, inbox) = unbounded::<Request>();
        let (outbox, results) = unbounded();
        std::thread::Builder::new()
            .name("tlsrpt-aggregate".into())
            .spawn(move || {
                let mut ranks = FacetRanks::default();
                while let Ok(mut request) = inbox.recv() {
                    // Requests a newer one has replaced are never computed.
                    while let Ok(newer) = inbox.try_recv() {
                        request = newer;
                    }
                    let result =
                        compute_ranked(&request.data, request.version, &request.query, &mut ranks);
                    // Let go of the data before handing the result over: a load
                    // waiting for sole ownership can start.
                    drop(request);
                    if outbox.send(result).is_err() {
                        return;
                    }
                    on_result();
                }
            })?;
        Ok(AggregateWorker {
            requests,
            results,
            pending: None,
        })
    }

    fn request(&mut self, data: Arc<Loaded>, version: u64, query: Query) {
        self.pending = Some((version, query.clone()));
        let _ = self.requests.send(Request {
            data,
            version,
            query,
        });
    }

    /// The newest result; with [`Wait::UntilDone`], waits for the one of the
    /// latest request.
    fn next(&mut self, wait: Wait) -> Option<Aggregates> {
        let mut newest = self.results.try_iter().last();
        if wait == Wait::UntilDone {
            while self.pending.is_some() && !self.answers_pending(newest.as_ref()) {
                match self.results.recv() {
                    Ok(result) => newest = Some(result),
                    Err(_) => break,
                }
            }
        }
        if self.answers_pending(newest.as_ref()) {
            self.pending = None;
        }
        newest
    }

    fn answers_pending(&self, result: Option<&Aggregates>) -> bool {
        match (result, &self.pending) {
            (Some(r), Some((version, query))) => r.data_version == *version && r.query == *query,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------

/// Files being written on the `tlsrpt-export` thread (a folder of every table or
/// a chart image can take seconds); it ends with the status line to show.
pub struct ExportJob {
    status: Receiver<Message<(), Result<String, String>>>,
}

impl ExportJob {
    fn start(
        write: impl FnOnce() -> Result<String, String> + Send + 'static,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<ExportJob> {
        let (tx, status) = unbounded();
        std::thread::Builder::new()
            .name("tlsrpt-export".into())
            .spawn(move || {
                let _ = tx.send(Message::Done(write()));
                notify();
            })?;
        Ok(ExportJob { status })
    }

    /// The status line once the export is over (`Some(None)`: it ended without one).
    fn next(&self, wait: Wait) -> Option<Option<Result<String, String>>> {
        next_result(&self.status, wait, |()| {}).over()
    }
}

// ---------------------------------------------------------------------------------
// File dialogs
// ---------------------------------------------------------------------------------

/// What a file dialog was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    OpenFiles,
    OpenFolder,
    /// Files to look at without importing them.
    LookFiles,
    OpenLibrary,
    NewLibrary,
    SaveTable,
    SaveChart(ChartKind),
    ExportFolder,
}

/// A native file dialog on the `tlsrpt-dialog` thread (the dialog call blocks).
pub struct DialogJob {
    pub purpose: DialogPurpose,
    result: Receiver<(Vec<PathBuf>, bool)>,
}

impl DialogJob {
    fn start(
        purpose: DialogPurpose,
        notify: impl Fn() + Send + 'static,
    ) -> std::io::Result<DialogJob> {
        let (tx, result) = unbounded();
        std::thread::Builder::new()
            .name("tlsrpt-dialog".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let paths = show_dialog(purpose);
                let unseen = paths.is_empty() && started.elapsed() < NO_NATIVE_DIALOG;
                let _ = tx.send((paths, unseen));
                notify();
            })?;
        Ok(DialogJob { purpose, result })
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
        DialogPurpose::LookFiles => dialog
            .set_title("Look at reports without importing them")
            .pick_files()
            .unwrap_or_default(),
        DialogPurpose::OpenLibrary => dialog
            .set_title("Open a report library")
            .add_filter("Report library", &["sqlite", "db"])
            .pick_file()
            .into_iter()
            .collect(),
        DialogPurpose::NewLibrary => dialog
            .set_title("New report library")
            .set_file_name("reports.sqlite")
            .save_file()
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

// ---------------------------------------------------------------------------------
// Domain check
// ---------------------------------------------------------------------------------

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
    fn start(
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

    /// The outcome once the check is over (`Some(None)`: it ended without one).
    fn next(&mut self, wait: Wait) -> Option<Option<Box<Result<CheckReport, String>>>> {
        let progress = &mut self.progress;
        next_result(&self.messages, wait, |line| progress.push(line)).over()
    }
}
