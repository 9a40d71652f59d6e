//! What the panels ask the app to do; applied after the frame's layout.

use std::path::PathBuf;

use super::data::Facet;
use super::view::Tab;
use crate::analysis::{ChartKind, Dimension, Filter};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Load these files and folders, merging with what is loaded.
    Load(Vec<PathBuf>),
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
