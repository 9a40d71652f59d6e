//! `tlsrpt-analyzer export`.

use std::path::PathBuf;

use anyhow::Context;
use tlsrpt_analyzer::analysis::{Dimension, Filter};
use tlsrpt_analyzer::export::{ExportSpec, TableFormat, WarehouseFormat, export_all};

use super::filter::{CsvArgs, FilterArgs};
use super::load::InputArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    /// CSV and JSON.
    Both,
    /// The fact tables as Parquet, partitioned by day.
    #[cfg(feature = "parquet")]
    Parquet,
    /// The fact tables as NDJSON.
    Ndjson,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Folder to write into (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Formats, comma-separated: csv, json, both (the analysis tables); parquet,
    /// ndjson (the fact tables for a warehouse). The fact tables alone of files
    /// and folders, without a filter, are written while reading, in bounded
    /// memory.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "csv")]
    pub format: Vec<ExportFormat>,
    /// The number written in the fact tables' `shard` column. When inputs are
    /// split into shards exported apart, number them in input order: of copies of
    /// a report, the one of the lowest shard counts (README, "Sharded runs").
    #[arg(long, default_value_t = 0)]
    pub shard: u32,
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

impl ExportArgs {
    fn table_formats(&self) -> Vec<TableFormat> {
        let mut formats = Vec::new();
        for format in &self.format {
            let add: &[TableFormat] = match format {
                ExportFormat::Csv => &[TableFormat::Csv],
                ExportFormat::Json => &[TableFormat::Json],
                ExportFormat::Both => &[TableFormat::Csv, TableFormat::Json],
                _ => &[],
            };
            for format in add {
                if !formats.contains(format) {
                    formats.push(*format);
                }
            }
        }
        formats
    }

    fn warehouse_formats(&self) -> Vec<WarehouseFormat> {
        let mut formats = Vec::new();
        for format in &self.format {
            let add = match format {
                #[cfg(feature = "parquet")]
                ExportFormat::Parquet => WarehouseFormat::Parquet,
                ExportFormat::Ndjson => WarehouseFormat::Ndjson,
                _ => continue,
            };
            if !formats.contains(&add) {
                formats.push(add);
            }
        }
        formats
    }
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    super::filter::exit_if_too_many_dimensions(&args.by);
    let tables = args.table_formats();
    let warehouse = args.warehouse_formats();
    let filter = args.filter.filter();
    // Only the fact tables of paths, unfiltered, need no report held in memory.
    if tables.is_empty()
        && args.by.is_empty()
        && filter == Filter::default()
        && args.inputs.library.is_none()
    {
        return super::warehouse::stream(&args.out, &warehouse, args.shard, &args.inputs);
    }
    let loaded = args.inputs.load();
    let mut written = Vec::new();
    if !tables.is_empty() {
        let extra: Vec<Vec<Dimension>> = (!args.by.is_empty())
            .then(|| args.by.clone())
            .into_iter()
            .collect();
        let spec = ExportSpec {
            filter: &filter,
            extra: &extra,
            formats: &tables,
            cells: args.csv.cells(),
        };
        written = export_all(&args.out, &loaded, &spec)
            .with_context(|| format!("exporting to {}", args.out.display()))?;
    }
    if !warehouse.is_empty() {
        written.extend(super::warehouse::write_loaded(
            &args.out, &warehouse, args.shard, &loaded, &filter,
        )?);
    }
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
