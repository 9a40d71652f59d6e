//! The application: data, view state, background jobs, and the commands the
//! panels return, applied after each frame's layout.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use super::command::Command;
use super::data::{AggregateWorker, Aggregates, Data, Facet, Query};
use super::jobs::{CheckJob, DialogJob, DialogPurpose, ExportJob, LoadJob};
use super::panels;
use super::view::{Settings, Tab, ViewState};
use crate::analysis::Filter;
use crate::checker::{CheckConfig, CheckReport};
use crate::export::{TableFormat, export_all, write_chart, write_group};

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
}

pub struct App {
    data: Arc<Data>,
    /// Bumped whenever `data` changes, so cached aggregates know they are stale.
    data_version: u64,
    pub view: ViewState,
    pub settings: Settings,
    load: Option<LoadJob>,
    /// Inputs dropped while a load runs, loaded after it.
    queued: Vec<PathBuf>,
    dialog: Option<DialogJob>,
    export: Option<ExportJob>,
    worker: Option<AggregateWorker>,
    aggregates: Option<Aggregates>,
    requested: Option<(u64, Query)>,
    sample_data: Option<PathBuf>,
    check_config: CheckConfig,
    check: Option<CheckJob>,
    /// The last finished check: the domain and its report or why it could not run.
    check_result: Option<(String, Result<CheckReport, String>)>,
    /// The open report's JSON as the report window shows it, made once per report
    /// and data version rather than every frame.
    report_json: Option<(u64, u32, String)>,
    ctx: egui::Context,
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
            data: Arc::new(Data::default()),
            data_version: 0,
            view: ViewState::default(),
            settings,
            load: None,
            queued: Vec::new(),
            dialog: None,
            export: None,
            worker: AggregateWorker::start(move || repaint.request_repaint()).ok(),
            aggregates: None,
            requested: None,
            sample_data: start.sample_data,
            check_config: start.check_config.unwrap_or_default(),
            check: None,
            check_result: None,
            report_json: None,
            ctx,
        };
        if !start.paths.is_empty() {
            app.apply(Command::Load(start.paths));
        }
        app
    }

    pub fn data(&self) -> &Data {
        &self.data
    }

    /// Replaces the loaded data (for embedding and benchmarks; the window loads
    /// files through [`Command::Load`]).
    pub fn set_data(&mut self, data: Data) {
        self.data = Arc::new(data);
        self.data_version += 1;
    }

    pub fn aggregates(&self) -> Option<&Aggregates> {
        self.aggregates.as_ref()
    }

    pub fn is_loading(&self) -> bool {
        self.load.is_some()
    }

    pub fn load_progress(&self) -> Option<crate::ingest::Progress> {
        self.load.as_ref().map(|l| l.progress)
    }

    /// Blocks until every load and the aggregates for the current view are done
    /// (for tests and headless measurements; the window never calls it).
    pub fn wait_until_idle(&mut self) {
        while let Some(load) = &mut self.load {
            match load.wait() {
                Some((data, outcome)) => self.finish_load(data, outcome),
                None => self.load = None,
            }
        }
        if let Some(job) = &mut self.check {
            let outcome = job.wait();
            let domain = job.domain.clone();
            self.check = None;
            self.check_result = outcome.map(|r| (domain, r));
        }
        if let Some(job) = self.export.take() {
            self.view.status = job.wait();
        }
        self.request_aggregates();
        while !self.data.store.is_empty() && self.aggregates_stale() {
            match self.worker.as_ref().and_then(|w| w.wait()) {
                Some(result) => self.accept(result),
                None => break,
            }
        }
    }

    fn aggregates_stale(&self) -> bool {
        let current = (self.data_version, self.query());
        self.aggregates
            .as_ref()
            .is_none_or(|a| (a.data_version, a.query.clone()) != current)
    }

    fn query(&self) -> Query {
        Query {
            filter: self.view.filter.clone(),
            grouping: self.view.grouping.clone(),
            selected_group: self.view.selected_group.clone(),
        }
    }

    /// Asks the worker for the aggregates of the current view, once per change.
    fn request_aggregates(&mut self) {
        if self.load.is_some() {
            return; // The data is out on the load thread; keep showing the last view.
        }
        if self.data.store.is_empty() {
            self.aggregates = None;
            return; // Nothing to aggregate: the empty state shows.
        }
        let wanted = (self.data_version, self.query());
        if self.requested.as_ref() == Some(&wanted) {
            return;
        }
        if let Some(worker) = &self.worker {
            worker.request(self.data.clone(), wanted.0, wanted.1.clone());
        }
        self.requested = Some(wanted);
    }

    fn accept(&mut self, result: Aggregates) {
        if result.data_version == self.data_version {
            self.aggregates = Some(result);
        }
    }

    fn poll_jobs(&mut self) {
        if let Some(load) = &mut self.load
            && let Some((data, outcome)) = load.poll()
        {
            self.finish_load(data, outcome);
        }
        if let Some(dialog) = &self.dialog
            && let Some(paths) = dialog.poll()
        {
            let purpose = dialog.purpose;
            self.dialog = None;
            self.dialog_done(purpose, paths);
        }
        if let Some(result) = self.worker.as_ref().and_then(|w| w.poll()) {
            self.accept(result);
        }
        if let Some(job) = &mut self.check
            && let Some(outcome) = job.poll()
        {
            self.check_result = Some((job.domain.clone(), outcome));
            self.check = None;
        }
        if let Some(status) = self.export.as_ref().and_then(|job| job.poll()) {
            self.view.status = Some(status);
            self.export = None;
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
        if domain.is_empty() || self.check.is_some() {
            return;
        }
        let mut config = self.check_config.clone();
        config.no_smtp |= self.view.check_no_smtp;
        let ctx = self.ctx.clone();
        match CheckJob::start(domain, config, move || ctx.request_repaint()) {
            Ok(job) => self.check = Some(job),
            Err(e) => self.view.status = Some(format!("Cannot start the check: {e}")),
        }
    }

    fn finish_load(&mut self, data: Data, outcome: crate::ingest::LoadOutcome) {
        self.load = None;
        self.data = Arc::new(data);
        self.data_version += 1;
        let p = outcome.progress;
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
        if !self.queued.is_empty() {
            let next = std::mem::take(&mut self.queued);
            self.start_load(next);
        }
    }

    fn start_load(&mut self, paths: Vec<PathBuf>) {
        if self.load.is_some() {
            self.queued.extend(paths);
            return;
        }
        self.settings.remember(&paths);
        // The load thread owns the data while it runs.
        let data = std::mem::take(&mut self.data);
        let ctx = self.ctx.clone();
        match LoadJob::start(data, paths, move || ctx.request_repaint()) {
            Ok(job) => self.load = Some(job),
            Err(e) => self.view.status = Some(format!("Cannot start loading: {e}")),
        }
    }

    fn open_dialog(&mut self, purpose: DialogPurpose) {
        if self.dialog.is_some() {
            return;
        }
        let ctx = self.ctx.clone();
        match DialogJob::start(purpose, move || ctx.request_repaint()) {
            Ok(job) => self.dialog = Some(job),
            Err(e) => self.view.status = Some(format!("Cannot open a file dialog: {e}")),
        }
    }

    fn dialog_done(&mut self, purpose: DialogPurpose, paths: Vec<PathBuf>) {
        let Some(first) = paths.first().cloned() else {
            self.view.status = Some("No file chosen (without a desktop file dialog, drop files onto the window or pass them on the command line).".into());
            return;
        };
        match purpose {
            DialogPurpose::OpenFiles | DialogPurpose::OpenFolder => {
                self.apply(Command::Load(paths))
            }
            DialogPurpose::SaveTable => self.save_table(&first),
            DialogPurpose::SaveChart(kind) => self.save_chart(kind, &first),
            DialogPurpose::ExportFolder => self.export_folder(&first),
        }
    }

    /// Writes the current table (the selected grouping, with the filters) as CSV.
    pub fn save_table(&mut self, path: &std::path::Path) {
        let Some(aggregates) = &self.aggregates else {
            return;
        };
        let result = std::fs::File::create(path)
            .map_err(|e| e.to_string())
            .and_then(|file| {
                write_group(
                    &aggregates.table,
                    TableFormat::Csv,
                    std::io::BufWriter::new(file),
                )
                .map_err(|e| e.to_string())
            });
        self.view.status = Some(match result {
            Ok(()) => format!("Table saved to {}", path.display()),
            Err(e) => format!("Cannot save {}: {e}", path.display()),
        });
    }

    fn save_chart(&mut self, kind: crate::analysis::ChartKind, path: &std::path::Path) {
        let Some(chart) = self.aggregates.as_ref().and_then(|a| a.chart(kind)) else {
            return;
        };
        let (chart, path) = (chart.clone(), path.to_path_buf());
        self.start_export(move || match write_chart(&chart, &path) {
            Ok(()) => format!("Chart saved to {}", path.display()),
            Err(e) => format!("Cannot save {}: {e}", path.display()),
        });
    }

    fn export_folder(&mut self, dir: &std::path::Path) {
        let data = self.data.clone();
        let filter = self.view.filter.clone();
        let extra = vec![self.view.grouping.clone()];
        let dir = dir.to_path_buf();
        self.start_export(move || {
            let written = export_all(
                &dir,
                &data.store,
                &data.dataset,
                &filter,
                &extra,
                &[TableFormat::Csv],
            );
            match written {
                Ok(files) => format!("Exported {} tables to {}", files.len(), dir.display()),
                Err(e) => format!("Export failed: {e}"),
            }
        });
    }

    /// Writes files on the export thread; its status line replaces the current one.
    fn start_export(&mut self, write: impl FnOnce() -> String + Send + 'static) {
        if self.export.is_some() {
            self.view.status = Some("An export is still being written.".into());
            return;
        }
        let ctx = self.ctx.clone();
        match ExportJob::start(write, move || ctx.request_repaint()) {
            Ok(job) => {
                self.export = Some(job);
                self.view.status = Some("Writing the export…".into());
            }
            Err(e) => self.view.status = Some(format!("Cannot start the export: {e}")),
        }
    }

    /// Keeps the JSON of the open report, if any, up to date with the data.
    fn update_report_json(&mut self) {
        let Some(index) = self.view.open_report else {
            self.report_json = None;
            return;
        };
        let key = (self.data_version, index);
        if self.report_json.as_ref().map(|(v, i, _)| (*v, *i)) == Some(key) {
            return;
        }
        self.report_json = self.data.store.reports().get(index as usize).map(|loaded| {
            let json = serde_json::to_string_pretty(&loaded.report.to_json()).unwrap_or_default();
            (self.data_version, index, json)
        });
    }

    /// Applies one command.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Load(paths) => self.start_load(paths),
            Command::OpenFilesDialog => self.open_dialog(DialogPurpose::OpenFiles),
            Command::OpenFolderDialog => self.open_dialog(DialogPurpose::OpenFolder),
            Command::OpenSampleData => match self.sample_data.clone() {
                Some(dir) => self.start_load(vec![dir]),
                None => self.view.status = Some("The sample data folder was not found.".into()),
            },
            Command::CancelLoad => {
                if let Some(load) = &self.load {
                    load.cancel();
                }
                self.queued.clear();
            }
            Command::Clear => {
                if self.load.is_none() {
                    self.data = Arc::new(Data::default());
                    self.data_version += 1;
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
                if let Some(job) = &self.check {
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
        let ctx = ui.ctx().clone();
        let mut commands = self.keyboard(&ctx);
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            self.view.focus_search = true;
        }
        let dropped = App::dropped_files(&ctx);
        if !dropped.is_empty() {
            commands.push(Command::Load(dropped));
        }
        self.update_report_json();
        let state = panels::PanelData {
            data: &self.data,
            aggregates: self.aggregates.as_ref(),
            load: self.load.as_ref().map(|l| (l.progress, l.is_cancelling())),
            settings: &self.settings,
            has_sample_data: self.sample_data.is_some(),
            check_progress: self
                .check
                .as_ref()
                .map(|c| (c.domain.as_str(), c.progress.as_slice())),
            check_result: self.check_result.as_ref(),
            report_json: self.report_json.as_ref().map(|(_, _, json)| json.as_str()),
        };
        commands.extend(panels::layout(ui, &state, &mut self.view));
        for command in commands {
            self.apply(command);
        }
        self.request_aggregates();
        if self.load.is_some()
            || self.dialog.is_some()
            || self.check.is_some()
            || self.export.is_some()
        {
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
}
