//! Writing tables as CSV (RFC 4180, UTF-8) and JSON, and every table at once.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::csv_cells::{CsvCells, write_csv};
use super::records::*;
use crate::analysis::{Dimension, Filter, GroupTable, Period, group_by, health, select, series};
use crate::library::Loaded;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file could not be created or written.
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
    /// The Parquet writer failed (its error as text: the type exists only with
    /// the `parquet` feature).
    #[error("Parquet output: {0}")]
    Parquet(String),
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

/// Writes records as a JSON array of objects.
pub fn write_json<T: Serialize>(records: &[T], mut out: impl Write) -> Result<(), ExportError> {
    serde_json::to_writer_pretty(&mut out, records)?;
    out.write_all(b"\n")?;
    // A buffered writer drops the error of its last write: flush it here.
    out.flush()?;
    Ok(())
}

/// Writes a grouped table as CSV.
pub fn write_group_csv(
    table: &GroupTable,
    cells: CsvCells,
    out: impl Write,
) -> Result<(), ExportError> {
    let (header, rows) = group_rows(table);
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(GroupCell::text).collect())
        .collect();
    write_csv(&columns, &rows, cells, out)
}

/// A grouped table as JSON objects, one per row, with the columns as keys.
fn write_group_json(table: &GroupTable, out: impl Write) -> Result<(), ExportError> {
    let (header, rows) = group_rows(table);
    let objects: Vec<GroupObject> = rows
        .iter()
        .map(|cells| GroupObject {
            columns: &header,
            cells,
        })
        .collect();
    write_json(&objects, out)
}

struct GroupObject<'a> {
    columns: &'a [String],
    cells: &'a [GroupCell],
}

impl Serialize for GroupObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Keys in name order, as the JSON tables have always had them.
        let mut entries: Vec<(&String, &GroupCell)> = self.columns.iter().zip(self.cells).collect();
        entries.sort_by_key(|(column, _)| *column);
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (column, cell) in entries {
            map.serialize_entry(column, cell)?;
        }
        map.end()
    }
}

/// Writes a grouped table in `format`.
pub fn write_group(
    table: &GroupTable,
    format: TableFormat,
    cells: CsvCells,
    out: impl Write,
) -> Result<(), ExportError> {
    match format {
        TableFormat::Csv => write_group_csv(table, cells, out),
        TableFormat::Json => write_group_json(table, out),
    }
}

/// The grouped tables [`export_all`] writes besides the one-dimension ones.
pub const PAIRED_TABLES: [[Dimension; 2]; 3] = [
    [Dimension::PolicyVersion, Dimension::Organization],
    [Dimension::PolicyDomain, Dimension::ResultType],
    [Dimension::Organization, Dimension::ResultType],
];

/// What [`export_all`] writes: every table of what `filter` keeps, in each of
/// `formats`.
#[derive(Debug, Clone, Copy)]
pub struct ExportSpec<'a> {
    pub filter: &'a Filter,
    /// Groupings written besides the standard ones (the app's current table,
    /// `export --by`).
    pub extra: &'a [Vec<Dimension>],
    pub formats: &'a [TableFormat],
    pub cells: CsvCells,
}

/// Writes every table into `dir` (created if needed): reports, failure details,
/// daily and weekly series, health, a summary by every dimension, the
/// [`PAIRED_TABLES`] and the spec's extra groupings. Returns the files written.
pub fn export_all(
    dir: &Path,
    loaded: &Loaded,
    spec: &ExportSpec,
) -> Result<Vec<PathBuf>, ExportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let names = export_tables(loaded, spec, &mut |name| {
        let path = dir.join(name);
        let file = File::create(&path).map_err(io(&path))?;
        Ok(Box::new(BufWriter::new(file)))
    })?;
    Ok(names.into_iter().map(|name| dir.join(name)).collect())
}

/// Gives the writer of one table by its file name (`reports.csv`, `by-day.json`).
pub type OpenTable<'a> = dyn FnMut(&str) -> Result<Box<dyn Write>, ExportError> + 'a;

/// Writes the tables of [`export_all`], each to the writer `open` gives for its
/// file name. Returns the names, in order.
pub fn export_tables(
    loaded: &Loaded,
    spec: &ExportSpec,
    open: &mut OpenTable,
) -> Result<Vec<String>, ExportError> {
    let dataset = loaded.dataset();
    let selection = select(dataset, spec.filter);
    let cells = spec.cells;
    let mut groupings: Vec<Vec<Dimension>> = Dimension::ALL
        .iter()
        .filter(|d| **d != Dimension::Report)
        .map(|d| vec![*d])
        .collect();
    groupings.extend(PAIRED_TABLES.iter().map(|p| p.to_vec()));
    // An extra grouping may repeat one written anyway (the app passes its
    // current one): each file is written once. No dimension is the totals row,
    // which the summary already has.
    for dims in spec.extra {
        if !dims.is_empty() && !groupings.contains(dims) {
            groupings.push(dims.clone());
        }
    }
    // Each table is built once and written in every format.
    let mut written = Vec::new();
    let mut emit =
        |name: &str, write: &dyn Fn(TableFormat, Box<dyn Write>) -> Result<(), ExportError>| {
            for &format in spec.formats {
                let file = format!("{name}.{}", format.extension());
                let out = open(&file)?;
                written.push(file);
                write(format, out)?;
            }
            Ok::<(), ExportError>(())
        };
    let records = report_records(loaded, &selection);
    emit("reports", &|format, out| {
        write_records(format, &REPORT_COLUMNS, &records, cells, out)
    })?;
    let records = failure_detail_records(loaded, &selection);
    emit("failure-details", &|format, out| {
        write_records(format, &FAILURE_DETAIL_COLUMNS, &records, cells, out)
    })?;
    for (name, period) in [("daily", Period::Day), ("weekly", Period::Week)] {
        let records = series_records(&series(dataset, &selection, period));
        emit(name, &|format, out| {
            write_records(format, &SERIES_COLUMNS, &records, cells, out)
        })?;
    }
    let records = health_records(&health(dataset, &selection));
    emit("health", &|format, out| {
        write_records(format, &HEALTH_COLUMNS, &records, cells, out)
    })?;
    for dims in &groupings {
        let name = format!(
            "by-{}",
            dims.iter().map(|d| d.name()).collect::<Vec<_>>().join("-")
        );
        let table = group_by(dataset, &selection, dims);
        emit(&name, &|format, out| {
            write_group(&table, format, cells, out)
        })?;
    }
    Ok(written)
}

fn write_records<T: Serialize>(
    format: TableFormat,
    columns: &[&str],
    records: &[T],
    cells: CsvCells,
    out: impl Write,
) -> Result<(), ExportError> {
    match format {
        TableFormat::Csv => write_csv(columns, records, cells, out),
        TableFormat::Json => write_json(records, out),
    }
}
