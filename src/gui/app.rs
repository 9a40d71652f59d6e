//! The application: data, view state, background jobs, and the commands the
//! panels return, applied after each frame's layout.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use super::command::Command;
use super::data::{Aggregates, Facet, Inventory, Query};
use super::file_dialog::{self, InAppDialog};
use super::jobs::{DialogPurpose, Finished, Jobs, LoadDone, Wait};
use super::library::LibraryFacts;
use super::panels;
use super::view::{Settings, Tab, ViewState};
use crate::analysis::{AppliedPolicy, Filter, applied_policies};
use crate::checker::{CheckConfig, CheckReport};
use crate::export::{
    CsvCells, ExportSpec, TableFormat, counted, export_all, write_chart, write_group,
};
use crate::ingest::Progress;
use crate::library::{Loaded, LoadedReport};

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Inputs to load at once.
    pub paths: Vec<PathBuf>,
    /// Where "Open sample data" loads from.
    pub sample_data: Option<PathBuf>,
    /// How the domain checker reaches the network (default: the system's DNS,
    /// WebPKI roots, ports 443 and 25).
    pub check_config: Option<CheckConfig>,
    /// Use the file dialog drawn in the window from the start (else only once the
    /// desktop's cannot open).
    pub in_window_dialogs: bool,
    /// Keep reports in this library (`None`: no library, inputs are only looked
    /// at)...
    pub library: Option<PathBuf>,
    /// ...or in the one opened last, when there is one (the app started without
    /// `--library`).
    pub prefer_last_library: bool,
}

pub struct App {
    /// The loaded set the views show. While a load runs, the load owns it and this
    /// is an empty stand-in: the views draw from `inventory` and `aggregates`,
    /// which stay as they were until the new data replaces them.
    data: Arc<Loaded>,
    /// Bumped whenever `data` changes, so cached aggregates know they are stale.
    data_version: u64,
    inventory: Inventory,
    pub view: ViewState,
    pub settings: Settings,
    jobs: Jobs,
    /// Inputs dropped while a load runs, loaded after it.
    queued: Vec<PathBuf>,
    aggregates: Option<Aggregates>,
    requested: Option<(u64, Query)>,
    sample_data: Option<PathBuf>,
    check_config: CheckConfig,
    /// The last finished check: the domain and its report or why it could not run.
    check_result: Option<(String, Result<CheckReport, String>)>,
    /// What the loaded reports say senders applied for the last checked domain.
    applied: Vec<AppliedPolicy>,
    /// A file the running export writes.
    exporting_to: Option<PathBuf>,
    /// Whether to try the desktop's file dialog: false once one could not open.
    native_dialogs: bool,
    /// The file dialog drawn in the window, when there is no native one.
    in_app_dialog: Option<InAppDialog>,
    /// Set when a load was cancelled: what is shown is part of the inputs. Kept
    /// until the data is cleared.
    partial: Option<String>,
    /// The report in the report window, copied with its JSON when opened, so that
    /// it stays while a load runs and its JSON is not made every frame.
    open_report: Option<OpenReport>,
    /// The report asked of the library for the report window.
    report_requested: Option<u32>,
    /// The library the app keeps reports in, if any.
    library: Option<PathBuf>,
    /// What the library held when last read.
    library_facts: Option<LibraryFacts>,
    /// Showing files looked at without importing them, not the library.
    looking: bool,
    /// Passwords typed for mailbox sources, by source address: in memory
    /// only, for this session.
    passwords: std::collections::HashMap<String, String>,
    /// When mailbox sources were last synced on their own.
    last_auto_sync: Option<std::time::Instant>,
    ctx: egui::Context,
}

mod library_mode;
mod sources_mode;

/// The report shown in the report window.
pub struct OpenReport {
    pub index: u32,
    pub report: LoadedReport,
    pub json: String,
}

const SETTINGS_KEY: &str = "tlsrpt-analyzer-settings";

impl App {
    pub fn new(cc: &eframe::CreationContext<'_>, start: StartOptions) -> App {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        App::with_context(cc.egui_ctx.clone(), settings, start)
    }

    /// An app on a given context (tests use this through the eframe harness too).
    pub fn with_context(ctx: egui::Context, settings: Settings, start: StartOptions) -> App {
        ctx.set_theme(theme(settings.dark));
        let repaint = ctx.clone();
        let mut app = App {
            data: Arc::new(Loaded::default()),
            data_version: 0,
            inventory: Inventory::default(),
            view: ViewState::default(),
            settings,
            jobs: Jobs::new(move || repaint.request_repaint()),
            queued: Vec::new(),
            aggregates: None,
            requested: None,
            sample_data: start.sample_data,
            check_config: start.check_config.unwrap_or_default(),
            check_result: None,
            applied: Vec::new(),
            exporting_to: None,
            native_dialogs: !start.in_window_dialogs,
            in_app_dialog: None,
            partial: None,
            open_report: None,
            report_requested: None,
            library: None,
            library_facts: None,
            looking: false,
            passwords: std::collections::HashMap::new(),
            last_auto_sync: None,
            ctx,
        };
        let library = match start.library {
            Some(given) if start.prefer_last_library => {
                app.settings.library.clone().or(Some(given))
            }
            given => given,
        };
        app.start(start.paths, library);
        app
    }

    fn start(&mut self, paths: Vec<PathBuf>, library: Option<PathBuf>) {
        match library {
            Some(library) if paths.is_empty() => self.apply(Command::OpenLibrary(library)),
            Some(library) => {
                // Paths on the command line are looked at; the library waits.
                self.library = Some(library.clone());
                self.jobs.watch(Some(library));
                self.apply(Command::LookAt(paths));
            }
            None if !paths.is_empty() => self.apply(Command::Load(paths)),
            None => {}
        }
    }

    /// The loaded set (empty while a load runs: the load owns it then).
    pub fn data(&self) -> &Loaded {
        &self.data
    }

    /// Replaces the loaded data (for embedding and benchmarks; the window loads
    /// files through [`Command::Load`]).
    pub fn set_data(&mut self, data: Loaded) {
        self.replace_data(data);
    }

    fn replace_data(&mut self, data: Loaded) {
        self.inventory = Inventory::of(&data);
        self.data = Arc::new(data);
        self.data_version += 1;
    }

    pub fn aggregates(&self) -> Option<&Aggregates> {
        self.aggregates.as_ref()
    }

    pub fn is_loading(&self) -> bool {
        self.jobs.load.is_some()
    }

    pub fn load_progress(&self) -> Option<Progress> {
        self.jobs.load.as_ref().map(|l| l.progress)
    }

    /// Blocks until every load, check and export and the aggregates for the current
    /// view are done (for tests and headless measurements; the window never calls
    /// it). The same code as each frame's, waiting instead of polling.
    pub fn wait_until_idle(&mut self) {
        loop {
            self.request_aggregates();
            let finished = self.jobs.finished(Wait::UntilDone);
            if finished.is_empty() {
                return;
            }
            for job in finished {
                self.job_finished(job);
            }
        }
    }

    fn query(&self) -> Query {
        Query {
            filter: self.view.filter.clone(),
            grouping: self.view.grouping.clone(),
            charts: self.view.chart_options.clone(),
            selected_group: self.view.selected_group.clone(),
        }
    }

    /// Asks for the aggregates of the current view, once per change.
    fn request_aggregates(&mut self) {
        if self.is_loading() {
            return; // The load owns the data; the last view stays until it is done.
        }
        if self.data.is_empty() {
            self.aggregates = None;
            return; // Nothing to aggregate: the empty state shows.
        }
        let wanted = (self.data_version, self.query());
        if self.requested.as_ref() == Some(&wanted) {
            return;
        }
        self.jobs
            .request_aggregates(self.data.clone(), wanted.0, wanted.1.clone());
        self.requested = Some(wanted);
    }

    fn poll_jobs(&mut self) {
        for job in self.jobs.finished(Wait::No) {
            self.job_finished(job);
        }
    }

    fn job_finished(&mut self, job: Finished) {
        match job {
            Finished::Load(Some(done)) => self.finish_load(*done),
            Finished::Load(None) => {
                self.view.status = Some("The load ended without a result.".into());
                self.replace_data(Loaded::default());
            }
            Finished::Aggregates(result) => {
                if result.data_version == self.data_version {
                    self.aggregates = Some(*result);
                }
            }
            Finished::Dialog(purpose, _, true) => {
                // No desktop dialog (no XDG portal): the one in the window, from now on.
                self.native_dialogs = false;
                self.view.status =
                    Some("No desktop file dialog here: using the one in the window.".into());
                self.open_in_app_dialog(purpose);
            }
            Finished::Dialog(purpose, paths, false) => self.dialog_done(purpose, paths),
            Finished::Check(domain, outcome) => {
                self.applied = applied_policies(self.data.dataset(), &domain);
                self.check_result = outcome.map(|r| (domain, *r));
            }
            Finished::LibraryChanged(stamp) => self.library_changed(stamp),
            Finished::Report(index, report) => self.report_read(index, report),
            Finished::ImportLog(import, lines) => self.import_log_read(import, lines),
            Finished::SourceTested(id, said) => {
                self.view.source_tests.retain(|(i, _)| *i != id);
                self.view.source_tests.push((id, said));
            }
            Finished::Export(outcome) => {
                let saved_to = self.exporting_to.take();
                self.view.status = Some(match outcome {
                    Some(Ok(status)) => {
                        self.view.saved_to = saved_to;
                        status
                    }
                    Some(Err(status)) => status,
                    None => "The export ended without a result.".into(),
                });
            }
        }
    }

    /// The last finished check.
    pub fn check_result(&self) -> Option<&(String, Result<CheckReport, String>)> {
        self.check_result.as_ref()
    }

    fn start_check(&mut self, domain: String) {
        let domain = domain.trim().to_string();
        self.view.tab = super::view::Tab::Checker;
        self.view.check_domain = domain.clone();
        if domain.is_empty() || self.jobs.check.is_some() {
            return;
        }
        let mut config = self.check_config.clone();
        config.no_smtp |= self.view.check_no_smtp;
        if let Err(e) = self.jobs.start_check(domain, config) {
            self.view.status = Some(format!("Cannot start the check: {e}"));
        }
    }

    fn finish_load(&mut self, done: LoadDone) {
        let LoadDone {
            data,
            outcome,
            status,
            library,
        } = done;
        let from_library = library.is_some();
        if let Some(facts) = library {
            self.library_facts = Some(facts);
        }
        let Some(data) = data else {
            // A library job failed: the view stays.
            self.view.status = status;
            self.next_queued();
            return;
        };
        self.replace_data(data);
        self.open_report = None;
        self.report_requested = None;
        let p = outcome.progress;
        if let Some(status) = status {
            self.partial = None;
            self.view.status = Some(status);
            self.next_queued();
            return;
        }
        if from_library {
            self.partial = None;
            self.view.status = self.library_facts.as_ref().map(|facts| {
                let info = &facts.info;
                format!(
                    "Library: {} from {}, {}",
                    counted(info.reports, "report", "reports"),
                    counted(info.sources, "source", "sources"),
                    counted(info.imports, "import", "imports")
                )
            });
            self.next_queued();
            return;
        }
        if outcome.cancelled {
            self.partial = Some(format!(
                "Partial data: a load was cancelled after {} of {} files ({} of {} MB); what was read is shown. Load those inputs again to read the rest (copies count once).",
                p.files_done,
                p.files_total,
                p.bytes_read / 1_000_000,
                p.bytes_total.div_ceil(1_000_000)
            ));
        }
        self.view.status = Some(format!(
            "{}: {} new reports, {} duplicates, {} problems, {} skipped",
            if outcome.cancelled {
                "Load cancelled"
            } else {
                "Loaded"
            },
            p.reports,
            p.duplicates,
            p.problems,
            p.skipped
        ));
        self.next_queued();
    }

    /// Loads (or imports) what was dropped while a job ran.
    fn next_queued(&mut self) {
        if !self.queued.is_empty() {
            let next = std::mem::take(&mut self.queued);
            self.apply(Command::Load(next));
        }
    }

    fn start_load(&mut self, paths: Vec<PathBuf>) {
        if self.is_loading() {
            self.queued.extend(paths);
            return;
        }
        self.settings.remember(&paths);
        // The load thread owns the data while it runs; the views keep the last
        // aggregates and inventory.
        let data = std::mem::take(&mut self.data);
        if let Err(e) = self.jobs.start_load(data.clone(), paths) {
            self.data = data;
            self.view.status = Some(format!("Cannot start loading: {e}"));
        }
    }

    fn open_dialog(&mut self, purpose: DialogPurpose) {
        if self.jobs.dialog.is_some() || self.in_app_dialog.is_some() {
            return;
        }
        if !self.native_dialogs {
            self.open_in_app_dialog(purpose);
            return;
        }
        if let Err(e) = self.jobs.start_dialog(purpose) {
            self.view.status = Some(format!("Cannot open a file dialog: {e}"));
        }
    }

    fn open_in_app_dialog(&mut self, purpose: DialogPurpose) {
        let folder = self
            .view
            .saved_to
            .as_ref()
            .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        self.in_app_dialog = Some(InAppDialog::open(purpose, folder));
    }

    /// Draws the file dialog in the window, if open; what it chose is applied.
    fn in_app_dialog_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.in_app_dialog else {
            return;
        };
        match dialog.show(ctx) {
            file_dialog::Outcome::Open => {}
            file_dialog::Outcome::Cancelled => self.in_app_dialog = None,
            file_dialog::Outcome::Chosen(purpose, paths) => {
                self.in_app_dialog = None;
                self.dialog_done(purpose, paths);
            }
        }
    }

    fn dialog_done(&mut self, purpose: DialogPurpose, paths: Vec<PathBuf>) {
        let Some(first) = paths.first().cloned() else {
            self.view.status = Some("No file chosen.".into());
            return;
        };
        match purpose {
            DialogPurpose::OpenFiles | DialogPurpose::OpenFolder => {
                self.apply(Command::Load(paths))
            }
            DialogPurpose::LookFiles => self.apply(Command::LookAt(paths)),
            DialogPurpose::OpenLibrary | DialogPurpose::NewLibrary => {
                self.apply(Command::OpenLibrary(first))
            }
            DialogPurpose::SaveTable => self.save_table(&first),
            DialogPurpose::SaveChart(kind) => self.save_chart(kind, &first),
            DialogPurpose::ExportFolder => self.export_folder(&first),
        }
    }

    /// Writes the current table (the selected grouping, with the filters) as CSV,
    /// on the export thread.
    pub fn save_table(&mut self, path: &std::path::Path) {
        let Some(aggregates) = &self.aggregates else {
            return;
        };
        let (table, path) = (aggregates.table.clone(), path.to_path_buf());
        self.start_export(path.clone(), move || {
            let written = std::fs::File::create(&path)
                .map_err(|e| e.to_string())
                .and_then(|file| {
                    let out = std::io::BufWriter::new(file);
                    write_group(&table, TableFormat::Csv, CsvCells::Neutralized, out)
                        .map_err(|e| e.to_string())
                });
            written
                .map(|()| format!("Saved to {}", path.display()))
                .map_err(|e| format!("Cannot save {}: {e}", path.display()))
        });
    }

    fn save_chart(&mut self, kind: crate::analysis::ChartKind, path: &std::path::Path) {
        let Some(chart) = self.aggregates.as_ref().and_then(|a| a.chart(kind)) else {
            return;
        };
        let (chart, path) = (chart.clone(), path.to_path_buf());
        self.start_export(path.clone(), move || match write_chart(&chart, &path) {
            Ok(()) => Ok(format!("Saved to {}", path.display())),
            Err(e) => Err(format!("Cannot save {}: {e}", path.display())),
        });
    }

    fn export_folder(&mut self, dir: &std::path::Path) {
        if self.is_loading() {
            self.view.status = Some("Export after the load: the data is being loaded.".into());
            return;
        }
        let data = self.data.clone();
        let filter = self.view.filter.clone();
        let extra = vec![self.view.grouping.clone()];
        let dir = dir.to_path_buf();
        self.start_export(dir.join("reports.csv"), move || {
            let spec = ExportSpec {
                filter: &filter,
                extra: &extra,
                formats: &[TableFormat::Csv],
                cells: CsvCells::Neutralized,
            };
            match export_all(&dir, &data, &spec) {
                Ok(files) => Ok(format!("Saved {} tables to {}", files.len(), dir.display())),
                Err(e) => Err(format!("Export failed: {e}")),
            }
        });
    }

    /// Writes files on the export thread; `saved_to` is a file it writes, whose
    /// folder the status bar then offers to open.
    fn start_export(
        &mut self,
        saved_to: PathBuf,
        write: impl FnOnce() -> Result<String, String> + Send + 'static,
    ) {
        if self.jobs.export.is_some() {
            self.view.status = Some("An export is still being written.".into());
            return;
        }
        match self.jobs.start_export(write) {
            Ok(()) => {
                self.exporting_to = Some(saved_to);
                self.view.status = Some("Writing the export…".into());
            }
            Err(e) => self.view.status = Some(format!("Cannot start the export: {e}")),
        }
    }

    /// Copies the report the window shows when another is opened; while a load
    /// runs, the window keeps the one it has.
    fn update_open_report(&mut self) {
        let Some(index) = self.view.open_report else {
            self.open_report = None;
            return;
        };
        if self.is_loading() || self.open_report.as_ref().is_some_and(|r| r.index == index) {
            return;
        }
        if self.data.library().is_some() {
            self.request_stored_report(index);
            return;
        }
        self.open_report = self.data.reports().get(index as usize).map(|loaded| {
            let json = serde_json::to_string_pretty(&loaded.report.to_json()).unwrap_or_default();
            OpenReport {
                index,
                report: loaded.clone(),
                json,
            }
        });
    }

    /// Applies one command.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Load(paths) if self.library.is_some() && !self.looking => {
                self.start_import(paths)
            }
            Command::Load(paths) => self.start_load(paths),
            Command::LookAt(paths) => self.look_at(paths),
            Command::LookFilesDialog => self.open_dialog(DialogPurpose::LookFiles),
            Command::OpenLibrary(path) => self.open_library(path),
            Command::OpenLibraryDialog => self.open_dialog(DialogPurpose::OpenLibrary),
            Command::NewLibraryDialog => self.open_dialog(DialogPurpose::NewLibrary),
            Command::BackToLibrary => self.back_to_library(),
            Command::RemoveSource(id, location) => self.remove_source(id, location),
            Command::RereadLibrary => self.reread_library(),
            Command::AddSource(draft) => self.add_mail_source(draft),
            Command::SyncSources(only) => self.sync_mail_sources(only),
            Command::TestSource(id) => self.test_mail_source(id),
            Command::SetAutoSync(minutes) => {
                self.settings.auto_sync_minutes = minutes;
                self.last_auto_sync = Some(std::time::Instant::now());
            }
            Command::ShowImportLog(id) => self.show_import_log(id),
            Command::OpenFilesDialog => self.open_dialog(DialogPurpose::OpenFiles),
            Command::OpenFolderDialog => self.open_dialog(DialogPurpose::OpenFolder),
            Command::OpenSampleData => match self.sample_data.clone() {
                // Looked at, never imported: the library keeps the user's own reports.
                Some(dir) if self.library.is_some() => self.look_at(vec![dir]),
                Some(dir) => self.start_load(vec![dir]),
                None => self.view.status = Some("The sample data folder was not found.".into()),
            },
            Command::CancelLoad => {
                if let Some(load) = &self.jobs.load {
                    load.cancel();
                }
                self.queued.clear();
            }
            Command::Clear => {
                if !self.is_loading() && !self.shows_library() {
                    self.replace_data(Loaded::default());
                    self.partial = None;
                    self.aggregates = None;
                    self.view.selected_group = None;
                    self.view.open_report = None;
                    self.view.status = Some("Cleared.".into());
                }
            }
            Command::SetFilter(filter) => self.set_filter(filter),
            Command::ToggleFacet(facet, value) => {
                let mut filter = self.view.filter.clone();
                let values = facet.values(&mut filter);
                match values.iter().position(|v| *v == value) {
                    Some(i) => {
                        values.remove(i);
                    }
                    None => values.push(value),
                }
                self.set_filter(filter);
            }
            Command::FilterTo(dimension, value) => {
                let mut filter = self.view.filter.clone();
                if let Some(facet) = Facet::ALL.into_iter().find(|f| f.dimension() == dimension) {
                    *facet.values(&mut filter) = vec![value];
                    self.set_filter(filter);
                }
            }
            Command::ResetFilter => {
                self.view.from_text.clear();
                self.view.to_text.clear();
                self.set_filter(Filter::default());
            }
            Command::SetTab(tab) => self.view.tab = tab,
            Command::SetChartOptions(options) => self.view.chart_options = options,
            Command::SetGrouping(grouping) => {
                self.view.grouping = grouping;
                self.view.selected_group = None;
                self.view.sort = None;
            }
            Command::SelectGroup(keys) => self.view.selected_group = keys,
            Command::OpenReport(index) => self.view.open_report = Some(index),
            Command::CloseReport => self.view.open_report = None,
            Command::ExportTable => self.open_dialog(DialogPurpose::SaveTable),
            Command::ExportAll => self.open_dialog(DialogPurpose::ExportFolder),
            Command::ExportChart(kind) => self.open_dialog(DialogPurpose::SaveChart(kind)),
            Command::CheckDomain(domain) => self.start_check(domain),
            Command::CancelCheck => {
                if let Some(job) = &self.jobs.check {
                    job.cancel();
                }
            }
            Command::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                self.ctx.set_theme(theme(self.settings.dark));
            }
        }
    }

    fn set_filter(&mut self, filter: Filter) {
        if filter != self.view.filter {
            self.view.filter = filter;
            self.view.selected_group = None;
        }
    }

    fn keyboard(&self, ctx: &egui::Context) -> Vec<Command> {
        let mut commands = Vec::new();
        ctx.input_mut(|i| {
            if i.consume_key(egui::Modifiers::COMMAND, egui::Key::O) {
                commands.push(Command::OpenFilesDialog);
            }
            if i.consume_key(egui::Modifiers::COMMAND, egui::Key::E) {
                commands.push(Command::ExportTable);
            }
        });
        commands
    }

    fn dropped_files(ctx: &egui::Context) -> Vec<PathBuf> {
        ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        })
    }

    /// Lays out one frame and applies the commands it produced.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.poll_jobs();
        self.auto_sync();
        let ctx = ui.ctx().clone();
        let mut commands = self.keyboard(&ctx);
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            self.view.focus_search = true;
        }
        let dropped = App::dropped_files(&ctx);
        if !dropped.is_empty() {
            commands.push(Command::Load(dropped));
        }
        self.update_open_report();
        self.in_app_dialog_ui(&ctx);
        let state = panels::PanelData {
            inventory: &self.inventory,
            aggregates: self.aggregates.as_ref(),
            load: self
                .jobs
                .load
                .as_ref()
                .map(|l| (l.progress, l.is_cancelling())),
            settings: &self.settings,
            has_sample_data: self.sample_data.is_some(),
            check_progress: self
                .jobs
                .check
                .as_ref()
                .map(|c| (c.domain.as_str(), c.progress.as_slice())),
            check_result: self.check_result.as_ref(),
            open_report: self.open_report.as_ref(),
            partial: self.partial.as_deref(),
            applied: &self.applied,
            library: self.library_facts.as_ref(),
            library_path: self.library.as_deref(),
            looking: self.looking,
        };
        commands.extend(panels::layout(ui, &state, &mut self.view));
        for command in commands {
            self.apply(command);
        }
        self.request_aggregates();
        if self.jobs.busy() {
            // Progress arrives from the threads with a repaint request; this only
            // keeps the progress bar's animation alive.
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }
}

fn theme(dark: bool) -> egui::Theme {
    if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}

impl App {
    /// The tab shown.
    pub fn tab(&self) -> Tab {
        self.view.tab
    }

    /// The settings kept across runs.
    pub fn settings(&self) -> &super::view::Settings {
        &self.settings
    }
}
