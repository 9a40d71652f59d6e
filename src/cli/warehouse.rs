//! The fact tables of `export --format parquet,ndjson`: streamed while reading
//! paths, or written from a loaded set (a library, a filter, other tables too).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use tlsrpt_analyzer::analysis::{Filter, select};
use tlsrpt_analyzer::export::{StreamExport, WarehouseFormat, WarehouseWriter, loaded_facts};
use tlsrpt_analyzer::ingest::{self, LoadOptions};
use tlsrpt_analyzer::library::Loaded;

use super::load::{Bar, InputArgs};

/// Reads the paths of `inputs` and writes each new report's rows as it comes.
pub fn stream(
    out: &Path,
    formats: &[WarehouseFormat],
    shard: u32,
    inputs: &InputArgs,
) -> anyhow::Result<()> {
    let writer = WarehouseWriter::create(out, formats)
        .with_context(|| format!("exporting to {}", out.display()))?;
    let cancel = AtomicBool::new(false);
    let mut export = StreamExport::new(writer, shard, &cancel);
    let options = LoadOptions {
        threads: inputs.threads,
        ..LoadOptions::default()
    };
    let bar = Bar::new();
    ingest::collect_into(&mut export, &inputs.paths, &options, &cancel, |p| {
        bar.show(p)
    });
    bar.finish();
    let counts = export.counts();
    for problem in export.problems() {
        eprintln!("problem: {problem}");
    }
    let written = export
        .finish()
        .with_context(|| format!("exporting to {}", out.display()))?;
    eprintln!(
        "wrote {} files to {} ({} reports, {} duplicates, {} problems, {} skipped)",
        written.len(),
        out.display(),
        counts.reports,
        counts.duplicates,
        counts.problems,
        counts.skipped
    );
    Ok(())
}

/// Writes the rows of what `filter` keeps of a loaded set.
pub fn write_loaded(
    out: &Path,
    formats: &[WarehouseFormat],
    shard: u32,
    loaded: &Loaded,
    filter: &Filter,
) -> anyhow::Result<Vec<PathBuf>> {
    let context = || format!("exporting to {}", out.display());
    let mut writer = WarehouseWriter::create(out, formats).with_context(context)?;
    let selection = select(loaded.dataset(), filter);
    loaded_facts(loaded, &selection, shard, |report| writer.write(&report))
        .with_context(context)?;
    writer.finish().with_context(context)
}
