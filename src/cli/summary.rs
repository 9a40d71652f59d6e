//! `tlsrpt-analyzer summary`.

use std::io::Write;

use anyhow::Context;
use tlsrpt_analyzer::analysis::{Dimension, Summary, group_by, select};
use tlsrpt_analyzer::export::{TableFormat, group_table_text, summary_table, write_group};

use super::filter::{CsvArgs, FilterArgs};
use super::load::InputArgs;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct SummaryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Group by one or two dimensions (e.g. organization,result-type).
    #[arg(long, value_delimiter = ',', value_parser = super::filter::parse_dimension)]
    pub by: Vec<Dimension>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// Without `--by`, the summary (the JSON contract); with it, or with CSV, the
/// table grouped by those dimensions (no dimension: one row of totals).
pub fn run(args: SummaryArgs) -> anyhow::Result<()> {
    super::filter::exit_if_too_many_dimensions(&args.by);
    let loaded = args.inputs.load();
    let dataset = loaded.dataset();
    let filter = args.filter.filter();
    let mut out = Vec::new();
    let grouped = !args.by.is_empty() || matches!(args.format, Format::Csv);
    if grouped {
        let table = group_by(dataset, &select(dataset, &filter), &args.by);
        match args.format {
            Format::Table => out.extend(group_table_text(&table).into_bytes()),
            Format::Csv => write_group(&table, TableFormat::Csv, args.csv.cells(), &mut out)?,
            Format::Json => write_group(&table, TableFormat::Json, args.csv.cells(), &mut out)?,
        }
    } else {
        let summary = Summary::filtered(&loaded, &filter);
        match args.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &summary).context("serializing summary")?;
                out.push(b'\n');
            }
            _ => out.extend(summary_table(&summary).into_bytes()),
        }
    }
    std::io::stdout()
        .lock()
        .write_all(&out)
        .context("writing to standard output")?;
    // The process ends here: freeing every report one by one would only delay it.
    std::mem::forget(loaded);
    Ok(())
}
