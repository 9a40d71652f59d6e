//! `tlsrpt-analyzer export`.

use std::path::PathBuf;

use anyhow::Context;
use tlsrpt_analyzer::analysis::{Dataset, Dimension};
use tlsrpt_analyzer::export::{TableFormat, export_all};

use super::filter::FilterArgs;
use super::load::load_with_progress;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Both,
}

pub struct ExportArgs {
    pub out: PathBuf,
    pub format: ExportFormat,
    pub by: Vec<Vec<Dimension>>,
    pub filter: FilterArgs,
    pub threads: Option<usize>,
    pub paths: Vec<PathBuf>,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = load_with_progress(&args.paths, args.threads);
    let dataset = Dataset::from_store(&store);
    let formats: &[TableFormat] = match args.format {
        ExportFormat::Csv => &[TableFormat::Csv],
        ExportFormat::Json => &[TableFormat::Json],
        ExportFormat::Both => &[TableFormat::Csv, TableFormat::Json],
    };
    let written = export_all(
        &args.out,
        &store,
        &dataset,
        &args.filter.filter(),
        &args.by,
        formats,
    )
    .with_context(|| format!("exporting to {}", args.out.display()))?;
    eprintln!(
        "wrote {} files to {} ({} reports, {} problems)",
        written.len(),
        args.out.display(),
        dataset.reports.len(),
        store.problems().len()
    );
    Ok(())
}
