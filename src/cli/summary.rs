//! `tlsrpt-analyzer summary`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use tlsrpt_analyzer::analysis::{Dataset, Dimension, MAX_DIMENSIONS, Summary, group_by, select};
use tlsrpt_analyzer::export::{TableFormat, group_table_text, summary_table, write_group};

use super::filter::FilterArgs;
use super::load::load_with_progress;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub struct SummaryArgs {
    pub format: Format,
    pub by: Vec<Dimension>,
    pub filter: FilterArgs,
    pub threads: Option<usize>,
    pub paths: Vec<PathBuf>,
}

/// Without `--by`, the summary (the JSON contract); with it, or with CSV, the
/// table grouped by those dimensions (no dimension: one row of totals).
pub fn run(args: SummaryArgs) -> anyhow::Result<()> {
    if args.by.len() > MAX_DIMENSIONS {
        bail!("--by takes at most {MAX_DIMENSIONS} dimensions");
    }
    let store = load_with_progress(&args.paths, args.threads);
    let dataset = Dataset::from_store(&store);
    let filter = args.filter.filter();
    let mut out = Vec::new();
    let grouped = !args.by.is_empty() || matches!(args.format, Format::Csv);
    if grouped {
        let table = group_by(&dataset, &select(&dataset, &filter), &args.by);
        match args.format {
            Format::Table => out.extend(group_table_text(&table).into_bytes()),
            Format::Csv => write_group(&table, TableFormat::Csv, &mut out)?,
            Format::Json => write_group(&table, TableFormat::Json, &mut out)?,
        }
    } else {
        let summary = Summary::filtered(&store, &dataset, &filter);
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
        .context("writing to standard output")
}
