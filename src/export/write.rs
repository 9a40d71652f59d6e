//! Writing tables as CSV (RFC 4180, UTF-8) and JSON, and every table at once.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::records::*;
use crate::analysis::{
    Dataset, Dimension, Filter, GroupTable, Step, group_by, health, select, series,
};
use crate::ingest::ReportStore;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error("CSV output: {0}")]
    Csv(#[from] csv::Error),
    #[error("JSON output: {0}")]
    Json(#[from] serde_json::Error),
}

/// Output format of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Json,
}

impl TableFormat {
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Json => "json",
        }
    }
}

/// Writes records as CSV with a header row, also when there are none.
pub fn write_csv<T: Serialize>(
    columns: &[&str],
    records: &[T],
    out: impl Write,
) -> Result<(), ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    writer.write_record(columns)?;
    for record in records {
        writer.serialize(record)?;
    }
    writer.flush().map_err(csv::Error::from)?;
    Ok(())
}

/// Writes records as a JSON array of objects.
pub fn write_json<T: Serialize>(records: &[T], mut out: impl Write) -> Result<(), ExportError> {
    serde_json::to_writer_pretty(&mut out, records)?;
    out.write_all(b"\n")?;
    // A buffered writer drops the error of its last write: flush it here.
    out.flush()?;
    Ok(())
}

/// Writes a grouped table as CSV.
pub fn write_group_csv(table: &GroupTable, out: impl Write) -> Result<(), ExportError> {
    let (header, rows) = group_rows(table);
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv(&columns, &rows, out)
}

/// A grouped table as JSON objects; empty cells become `null`, counts numbers.
fn group_json(table: &GroupTable) -> Vec<serde_json::Value> {
    let (header, rows) = group_rows(table);
    let key_columns = table.key_columns().len();
    rows.into_iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(row)
                .enumerate()
                .map(|(i, (column, cell))| {
                    (column.clone(), json_cell(i < key_columns, column, cell))
                })
                .collect();
            serde_json::Value::Object(object)
        })
        .collect()
}

fn json_cell(is_key: bool, column: &str, cell: String) -> serde_json::Value {
    use serde_json::Value;
    if is_key || column == "first_day" || column == "last_day" {
        return if cell.is_empty() && !is_key {
            Value::Null
        } else {
            Value::String(cell)
        };
    }
    if cell.is_empty() {
        return Value::Null;
    }
    if let Ok(n) = cell.parse::<u64>() {
        return Value::from(n);
    }
    cell.parse::<f64>()
        .map(Value::from)
        .unwrap_or(Value::String(cell))
}

/// Writes a grouped table in `format`.
pub fn write_group(
    table: &GroupTable,
    format: TableFormat,
    out: impl Write,
) -> Result<(), ExportError> {
    match format {
        TableFormat::Csv => write_group_csv(table, out),
        TableFormat::Json => write_json(&group_json(table), out),
    }
}

/// The grouped tables [`export_all`] writes besides the one-dimension ones.
pub const PAIRED_TABLES: [[Dimension; 2]; 3] = [
    [Dimension::PolicyVersion, Dimension::Organization],
    [Dimension::PolicyDomain, Dimension::ResultType],
    [Dimension::Organization, Dimension::ResultType],
];

/// Writes every table for what `filter` keeps into `dir`: reports, failure
/// details, daily and weekly series, health, a summary by every dimension, the
/// [`PAIRED_TABLES`] and any `extra` groupings. Returns the files written.
pub fn export_all(
    dir: &Path,
    store: &ReportStore,
    dataset: &Dataset,
    filter: &Filter,
    extra: &[Vec<Dimension>],
    formats: &[TableFormat],
) -> Result<Vec<PathBuf>, ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let selection = select(dataset, filter);
    let mut groupings: Vec<Vec<Dimension>> = Dimension::ALL
        .iter()
        .filter(|d| **d != Dimension::Report)
        .map(|d| vec![*d])
        .collect();
    groupings.extend(PAIRED_TABLES.iter().map(|p| p.to_vec()));
    // An extra grouping may repeat one written anyway (the app passes its
    // current one): each file is written once. No dimension is the totals row,
    // which the summary already has.
    for dims in extra {
        if !dims.is_empty() && !groupings.contains(dims) {
            groupings.push(dims.clone());
        }
    }
    // Each table is built once and written in every format.
    let mut written = Vec::new();
    let mut emit =
        |name: &str, write: &dyn Fn(TableFormat, BufWriter<File>) -> Result<(), ExportError>| {
            for &format in formats {
                let path = dir.join(format!("{name}.{}", format.extension()));
                let handle = File::create(&path).map_err(io(&path))?;
                written.push(path);
                write(format, BufWriter::new(handle))?;
            }
            Ok::<(), ExportError>(())
        };
    let records = report_records(store, dataset, &selection);
    emit("reports", &|format, out| {
        write_records(format, &REPORT_COLUMNS, &records, out)
    })?;
    let records = failure_detail_records(store, dataset, &selection);
    emit("failure-details", &|format, out| {
        write_records(format, &FAILURE_DETAIL_COLUMNS, &records, out)
    })?;
    for (name, step) in [("daily", Step::Day), ("weekly", Step::Week)] {
        let records = series_records(&series(dataset, &selection, step));
        emit(name, &|format, out| {
            write_records(format, &SERIES_COLUMNS, &records, out)
        })?;
    }
    let records = health_records(&health(dataset, &selection));
    emit("health", &|format, out| {
        write_records(format, &HEALTH_COLUMNS, &records, out)
    })?;
    for dims in &groupings {
        let name = format!(
            "by-{}",
            dims.iter().map(|d| d.name()).collect::<Vec<_>>().join("-")
        );
        let table = group_by(dataset, &selection, dims);
        emit(&name, &|format, out| write_group(&table, format, out))?;
    }
    Ok(written)
}

fn write_records<T: Serialize>(
    format: TableFormat,
    columns: &[&str],
    records: &[T],
    out: impl Write,
) -> Result<(), ExportError> {
    match format {
        TableFormat::Csv => write_csv(columns, records, out),
        TableFormat::Json => write_json(records, out),
    }
}
