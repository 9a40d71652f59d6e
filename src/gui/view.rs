//! View state, kept apart from the data: what the user looks at and how.

use std::path::PathBuf;

use eframe::egui;

use crate::analysis::{ChartOptions, Dimension, Filter};

use super::command::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tab {
    Overview,
    Incidents,
    Charts,
    Table,
    Problems,
    Checker,
    /// The library: its sources and import history.
    Library,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Overview,
        Tab::Incidents,
        Tab::Charts,
        Tab::Table,
        Tab::Problems,
        Tab::Checker,
        Tab::Library,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Incidents => "Incidents",
            Tab::Charts => "Charts",
            Tab::Table => "Table",
            Tab::Problems => "Problems",
            Tab::Checker => "Domain check",
            Tab::Library => "Library",
        }
    }
}

/// How the table is sorted: a column index and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

#[derive(Debug, Clone)]
pub struct ViewState {
    pub tab: Tab,
    pub filter: Filter,
    /// The date fields as typed (applied when they parse).
    pub from_text: String,
    pub to_text: String,
    pub grouping: Vec<Dimension>,
    pub sort: Option<Sort>,
    /// How the failure details of the selected row are sorted.
    pub details_sort: Option<Sort>,
    pub selected_group: Option<Vec<u64>>,
    /// The report shown in the report window, by store index.
    pub open_report: Option<u32>,
    /// Search within the facet lists of the filter panel.
    pub facet_search: String,
    pub focus_search: bool,
    /// What the charts are drawn by (the failures chart's stacking).
    pub chart_options: ChartOptions,
    /// A click on a chart, applied once the time for a double-click has passed:
    /// a double-click resets the plot and filters nothing.
    pub pending_click: Option<(f64, Command)>,
    /// Plots to fit to their data on the next frame ("Reset zoom").
    pub reset_plots: Vec<egui::Id>,
    /// A message for the status bar (export done, dialog unavailable, ...).
    pub status: Option<String>,
    /// The last file an export saved: the status bar offers to open its folder.
    pub saved_to: Option<PathBuf>,
    /// The table's row order for a sort of one aggregate, kept across frames.
    pub sort_cache: Option<SortCache>,
    /// The domain typed in the checker.
    pub check_domain: String,
    /// Skip the STARTTLS probes (port 25 is often blocked on desktops).
    pub check_no_smtp: bool,
    /// A source whose removal waits for a second click.
    pub confirm_remove: Option<i64>,
    /// The mailbox source form as typed.
    pub source_form: super::library::SourceDraft,
    /// What the last test of each source said, by source id.
    pub source_tests: Vec<(i64, Result<String, String>)>,
}

/// Sorted row indices of the table of (data version, query) under `sort`.
#[derive(Debug, Clone)]
pub struct SortCache {
    pub sort: Sort,
    pub data_version: u64,
    pub query: super::data::Query,
    pub order: std::sync::Arc<[usize]>,
}

impl Default for ViewState {
    fn default() -> ViewState {
        ViewState {
            tab: Tab::Overview,
            filter: Filter::default(),
            from_text: String::new(),
            to_text: String::new(),
            grouping: vec![Dimension::Organization],
            sort: None,
            details_sort: None,
            selected_group: None,
            open_report: None,
            facet_search: String::new(),
            focus_search: false,
            chart_options: ChartOptions::default(),
            pending_click: None,
            reset_plots: Vec::new(),
            status: None,
            saved_to: None,
            sort_cache: None,
            check_domain: String::new(),
            check_no_smtp: false,
            confirm_remove: None,
            source_form: super::library::SourceDraft::default(),
            source_tests: Vec::new(),
        }
    }
}

/// Settings kept across runs (eframe persistence; the window size is kept by eframe).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub dark: bool,
    /// Recently opened paths, newest first.
    pub recent: Vec<PathBuf>,
    /// The library opened last (the default library when none).
    #[serde(default)]
    pub library: Option<PathBuf>,
    /// Mailbox sources are synced every this many minutes while the app is
    /// open (0: only on "Sync now").
    #[serde(default)]
    pub auto_sync_minutes: u32,
}

impl Settings {
    pub const MAX_RECENT: usize = 10;

    pub fn remember(&mut self, paths: &[PathBuf]) {
        for path in paths.iter().rev() {
            self.recent.retain(|p| p != path);
            self.recent.insert(0, path.clone());
        }
        self.recent.truncate(Settings::MAX_RECENT);
    }
}
