//! `tlsrpt-analyzer summary`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::export::summary_table;

use super::load::load_with_progress;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub fn run(format: Format, threads: Option<usize>, paths: &[PathBuf]) -> anyhow::Result<()> {
    let store = load_with_progress(paths, threads);
    let summary = Summary::of(&store);
    let text = match format {
        Format::Table => summary_table(&summary),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&summary).context("serializing summary")?;
            json.push('\n');
            json
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to standard output")
}
