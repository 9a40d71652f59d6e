//! Writing the fact tables for a warehouse: Parquet partitioned by day, NDJSON.
//!
//! Rows arrive report by report and leave in bounded buffers, so a writer fed by
//! a streaming read holds no more than a few row groups, whatever the input size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::facts::{Column, FactReport, FactTable, Kind, Value};
use super::write::ExportError;

/// An output format of the fact tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarehouseFormat {
    /// `DIR/TABLE/day=YYYY-MM-DD/part-N.parquet` (feature `parquet`).
    #[cfg(feature = "parquet")]
    Parquet,
    /// `DIR/TABLE.ndjson`: one JSON object per line, with a `day` key.
    Ndjson,
}

/// Writes fact tables in every format asked for.
pub struct WarehouseWriter {
    ndjson: Option<NdjsonTables>,
    #[cfg(feature = "parquet")]
    parquet: Option<super::parquet_out::ParquetTables>,
    columns: [Vec<Column>; 3],
}

impl std::fmt::Debug for WarehouseWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarehouseWriter").finish_non_exhaustive()
    }
}

pub(super) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + use<> {
    let path = path.to_path_buf();
    move |source| ExportError::Io { path, source }
}

impl WarehouseWriter {
    /// Starts writing into `dir` (created if needed).
    pub fn create(dir: &Path, formats: &[WarehouseFormat]) -> Result<Self, ExportError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let columns = FactTable::ALL.map(FactTable::columns);
        let ndjson = formats
            .contains(&WarehouseFormat::Ndjson)
            .then(|| NdjsonTables::create(dir))
            .transpose()?;
        Ok(WarehouseWriter {
            ndjson,
            #[cfg(feature = "parquet")]
            parquet: formats
                .contains(&WarehouseFormat::Parquet)
                .then(|| super::parquet_out::ParquetTables::new(dir, &columns)),
            columns,
        })
    }

    /// Writes the rows of one report.
    pub fn write(&mut self, report: &FactReport) -> Result<(), ExportError> {
        let day = report.day();
        let day_name = day_partition(day);
        let mut result = Ok(());
        let mut row = |table: FactTable, values: &[Value]| {
            if result.is_err() {
                return;
            }
            result = self.write_row(table, day, &day_name, values);
        };
        report.report_row(|values| row(FactTable::Reports, values));
        report.policy_rows(|values| row(FactTable::Policies, values));
        report.detail_rows(|values| row(FactTable::FailureDetails, values));
        result
    }

    fn write_row(
        &mut self,
        table: FactTable,
        day: i32,
        day_name: &str,
        values: &[Value],
    ) -> Result<(), ExportError> {
        let columns = &self.columns[table.index()];
        if let Some(ndjson) = &mut self.ndjson {
            ndjson.write(table, columns, values, day_name)?;
        }
        #[cfg(feature = "parquet")]
        if let Some(parquet) = &mut self.parquet {
            parquet.push(table, day, day_name, values)?;
        }
        let _ = day;
        Ok(())
    }

    /// Writes what is buffered and closes every file; returns the files written.
    pub fn finish(self) -> Result<Vec<PathBuf>, ExportError> {
        let mut written = Vec::new();
        if let Some(ndjson) = self.ndjson {
            written.extend(ndjson.finish()?);
        }
        #[cfg(feature = "parquet")]
        if let Some(parquet) = self.parquet {
            written.extend(parquet.finish()?);
        }
        Ok(written)
    }
}

/// The partition folder name of a day (days since 1970-01-01): `day=2026-08-01`.
/// Only digits and `-` (a year past 9999 gets a `+`), so it is a safe path
/// component; a day no calendar holds is `day=out-of-range`.
pub fn day_partition(day: i32) -> String {
    match chrono::DateTime::from_timestamp(i64::from(day) * 86_400, 0) {
        Some(date) => format!("day={}", date.format("%Y-%m-%d")),
        None => "day=out-of-range".to_string(),
    }
}

/// The `day` value of a partition name.
fn day_value(day_name: &str) -> &str {
    day_name.strip_prefix("day=").unwrap_or(day_name)
}

/// One NDJSON file per table.
struct NdjsonTables {
    files: Vec<(PathBuf, BufWriter<File>)>,
    line: Vec<u8>,
}

impl NdjsonTables {
    fn create(dir: &Path) -> Result<NdjsonTables, ExportError> {
        let mut files = Vec::new();
        for table in FactTable::ALL {
            let path = dir.join(format!("{}.ndjson", table.name()));
            let file = File::create(&path).map_err(io_error(&path))?;
            files.push((path, BufWriter::with_capacity(1 << 20, file)));
        }
        Ok(NdjsonTables {
            files,
            line: Vec::with_capacity(4096),
        })
    }

    fn write(
        &mut self,
        table: FactTable,
        columns: &[Column],
        values: &[Value],
        day_name: &str,
    ) -> Result<(), ExportError> {
        self.line.clear();
        ndjson_line(&mut self.line, columns, values, day_value(day_name));
        let (path, out) = &mut self.files[table.index()];
        out.write_all(&self.line).map_err(io_error(path))
    }

    fn finish(self) -> Result<Vec<PathBuf>, ExportError> {
        let mut written = Vec::new();
        for (path, mut out) in self.files {
            // A buffered writer drops the error of its last write: flush it here.
            out.flush().map_err(io_error(&path))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// One row as a JSON object on one line: the columns, then `day`. Timestamps are
/// RFC 3339 UTC text (null for one no calendar holds).
pub fn ndjson_line(out: &mut Vec<u8>, columns: &[Column], values: &[Value], day: &str) {
    out.push(b'{');
    for (column, value) in columns.iter().zip(values) {
        debug_assert_eq!(column.kind, kind_of(value), "{}", column.name);
        json_string(out, column.name);
        out.push(b':');
        match *value {
            Value::Text(text) => json_string(out, text),
            Value::Count(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            Value::Time(unix) => match chrono::DateTime::from_timestamp(unix, 0) {
                Some(t) => json_string(out, &t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                None => out.extend_from_slice(b"null"),
            },
        }
        out.push(b',');
    }
    json_string(out, "day");
    out.push(b':');
    json_string(out, day);
    out.extend_from_slice(b"}\n");
}

fn json_string(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail; serde_json escapes every control character.
    let _ = serde_json::to_writer(&mut *out, text);
}

pub(super) fn kind_of(value: &Value) -> Kind {
    match value {
        Value::Text(_) => Kind::Text,
        Value::Count(_) => Kind::Count,
        Value::Time(_) => Kind::Time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_are_safe_path_components_for_every_day() {
        for day in [i32::MIN, -719_528, -1, 0, 20_666, 2_932_896, i32::MAX] {
            let name = day_partition(day);
            let value = day_value(&name);
            assert!(
                value == "out-of-range"
                    || value
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '-' || c == '+'),
                "{name}"
            );
            assert!(!value.is_empty() && !name.contains('/') && !name.contains(".."));
        }
        assert_eq!(day_partition(20_666), "day=2026-08-01");
    }

    #[test]
    fn ndjson_keeps_hostile_text_exact_and_valid() {
        let columns = FactTable::Reports.columns();
        let hostile = "=cmd|' /C calc'!A0\u{0}\"\n\u{202e}ü";
        let mut values = vec![Value::Text(hostile), Value::Text("id")];
        values.extend([Value::Time(0), Value::Time(i64::MAX)]);
        values.extend(columns[4..].iter().map(|c| match c.kind {
            Kind::Text => Value::Text(""),
            _ => Value::Count(i64::MAX),
        }));
        let mut line = Vec::new();
        ndjson_line(&mut line, &columns, &values, "1970-01-01");
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let parsed: serde_json::Value = serde_json::from_slice(&line).expect("valid JSON");
        assert_eq!(parsed["organization"], hostile);
        assert_eq!(parsed["start_datetime"], "1970-01-01T00:00:00Z");
        assert!(parsed["end_datetime"].is_null());
        assert_eq!(parsed["shard"], i64::MAX);
    }
}
