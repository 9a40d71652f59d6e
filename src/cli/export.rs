//! `tlsrpt-analyzer export`.

use std::path::PathBuf;

use anyhow::Context;
use tlsrpt_analyzer::analysis::Dimension;
use tlsrpt_analyzer::export::{ExportSpec, TableFormat, export_all};

use super::filter::{CsvArgs, FilterArgs};
use super::load::InputArgs;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Both,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Folder to write into (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Also write a table grouped by these one or two dimensions (e.g.
    /// day,organization).
    #[arg(long, value_delimiter = ',', value_parser = super::filter::parse_dimension)]
    pub by: Vec<Dimension>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    #[command(flatten)]
    pub inputs: InputArgs,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    super::filter::exit_if_too_many_dimensions(&args.by);
    let loaded = args.inputs.load();
    let formats: &[TableFormat] = match args.format {
        ExportFormat::Csv => &[TableFormat::Csv],
        ExportFormat::Json => &[TableFormat::Json],
        ExportFormat::Both => &[TableFormat::Csv, TableFormat::Json],
    };
    let extra: Vec<Vec<Dimension>> = (!args.by.is_empty())
        .then(|| args.by.clone())
        .into_iter()
        .collect();
    let spec = ExportSpec {
        filter: &args.filter.filter(),
        extra: &extra,
        formats,
        cells: args.csv.cells(),
    };
    let written = export_all(&args.out, &loaded, &spec)
        .with_context(|| format!("exporting to {}", args.out.display()))?;
    eprintln!(
        "wrote {} files to {} ({} reports, {} problems)",
        written.len(),
        args.out.display(),
        loaded.dataset().reports.len(),
        loaded.problems().len()
    );
    // The process ends here: freeing every report one by one would only delay it.
    std::mem::forget(loaded);
    Ok(())
}
