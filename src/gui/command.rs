//! What the panels ask the app to do; applied after the frame's layout.

use std::path::PathBuf;

use super::data::Facet;
use super::library::SourceDraft;
use super::view::Tab;
use crate::analysis::{ChartKind, ChartOptions, Dimension, Filter};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Load these files and folders: into the library when one is open, else
    /// merged with what is loaded.
    Load(Vec<PathBuf>),
    /// Look at these files and folders without importing them (the library
    /// stays as it is).
    LookAt(Vec<PathBuf>),
    LookFilesDialog,
    /// Open (or create) this library and show it.
    OpenLibrary(PathBuf),
    OpenLibraryDialog,
    NewLibraryDialog,
    /// Show the library again after looking at files.
    BackToLibrary,
    /// Remove a source (by id, with its name for the status line) and its reports.
    RemoveSource(i64, String),
    /// Add a mailbox source, or change the one at the same address.
    AddSource(SourceDraft),
    /// Sync one mailbox source (by id), or all of them.
    SyncSources(Option<i64>),
    /// Log in to a source (or look at its folder) without importing.
    TestSource(i64),
    /// Sync every mailbox source every this many minutes while the app is open
    /// (0: never).
    SetAutoSync(u32),
    /// Read every stored report again from its document.
    RereadLibrary,
    /// Show the lines one import logged.
    ShowImportLog(i64),
    OpenFilesDialog,
    OpenFolderDialog,
    OpenSampleData,
    CancelLoad,
    Clear,
    SetFilter(Filter),
    /// Add or remove one value of a filter field.
    ToggleFacet(Facet, String),
    /// Keep only this value of a filter field (a click in a chart).
    FilterTo(Dimension, String),
    ResetFilter,
    SetTab(Tab),
    SetGrouping(Vec<Dimension>),
    /// Draw the charts by these options (the failures chart's stacking).
    SetChartOptions(ChartOptions),
    SelectGroup(Option<Vec<u64>>),
    OpenReport(u32),
    CloseReport,
    ExportTable,
    ExportAll,
    ExportChart(ChartKind),
    ToggleTheme,
    /// Check a domain's MTA-STS and TLS-RPT setup (and show the checker).
    CheckDomain(String),
    CancelCheck,
}
