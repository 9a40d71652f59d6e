//! The fact tables as Parquet files, Hive-partitioned by the report's UTC day:
//! `DIR/TABLE/day=YYYY-MM-DD/part-N.parquet`.
//!
//! Rows are buffered per (table, day) in columns. A buffer becomes a row group
//! when it is full or when all buffers together pass a memory budget; the file of
//! a partition stays open for its next row group, up to a number of open files
//! (the least recently used one is then closed and the partition's next rows go
//! to `part-N+1`). Memory is thus bounded whatever the input's size or dates.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};

use super::facts::{Column, FactTable, Kind, Value};
use super::warehouse::{io_error, kind_of};
use super::write::ExportError;

/// Rows of one partition written as one row group.
const ROW_GROUP_ROWS: usize = 64 * 1024;
/// Buffered bytes of all partitions together before every buffer is written.
const BUFFER_BUDGET: usize = 32 << 20;
/// Partition files open at once: three tables of three months of days, with
/// room under the usual limit of 1024 open files.
const MAX_OPEN: usize = 320;
/// The write buffer of each open file: small, as hundreds may be open; a row
/// group is written in large pieces anyway.
const FILE_BUFFER: usize = 64 << 10;

type Key = (usize, i32);

pub(super) struct ParquetTables {
    dir: PathBuf,
    schemas: Vec<TypePtr>,
    columns: Vec<Vec<Column>>,
    properties: Arc<WriterProperties>,
    buffers: HashMap<Key, Buffer>,
    buffered: usize,
    open: HashMap<Key, OpenFile>,
    /// The next part number of each partition.
    parts: HashMap<Key, u32>,
    names: HashMap<Key, String>,
    tick: u64,
    written: Vec<PathBuf>,
}

struct OpenFile {
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    used: u64,
}

impl From<parquet::errors::ParquetError> for ExportError {
    fn from(error: parquet::errors::ParquetError) -> ExportError {
        ExportError::Parquet(error.to_string())
    }
}

impl ParquetTables {
    pub(super) fn new(dir: &Path, columns: &[Vec<Column>; 3]) -> ParquetTables {
        // Each open file keeps the statistics of its row groups until it is
        // closed: per row group only (no page index), with texts cut short, they
        // stay small however many row groups a long export writes.
        let properties = WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_statistics_truncate_length(Some(64))
            .set_offset_index_disabled(true)
            .set_created_by(format!("tlsrpt-analyzer {}", env!("CARGO_PKG_VERSION")))
            .build();
        ParquetTables {
            dir: dir.to_path_buf(),
            schemas: FactTable::ALL
                .iter()
                .map(|t| schema(t.name(), &columns[t.index()]))
                .collect(),
            columns: columns.to_vec(),
            properties: Arc::new(properties),
            buffers: HashMap::new(),
            buffered: 0,
            open: HashMap::new(),
            parts: HashMap::new(),
            names: HashMap::new(),
            tick: 0,
            written: Vec::new(),
        }
    }

    pub(super) fn push(
        &mut self,
        table: FactTable,
        day: i32,
        day_name: &str,
        values: &[Value],
    ) -> Result<(), ExportError> {
        let key = (table.index(), day);
        self.names
            .entry(key)
            .or_insert_with(|| day_name.to_string());
        let columns = &self.columns[table.index()];
        let buffer = self
            .buffers
            .entry(key)
            .or_insert_with(|| Buffer::new(columns));
        self.buffered += buffer.push(values);
        if buffer.rows >= ROW_GROUP_ROWS {
            self.flush(key)?;
        }
        // Over the budget, the largest buffers are written until a quarter of it
        // is free: a few row groups at a time, so that the reading pipeline is
        // never kept waiting while every buffer is written (its queue would fill).
        if self.buffered > BUFFER_BUDGET {
            while self.buffered > BUFFER_BUDGET / 4 * 3 {
                let Some(key) = self.largest_buffer() else {
                    break;
                };
                self.flush(key)?;
            }
        }
        Ok(())
    }

    fn largest_buffer(&self) -> Option<Key> {
        let largest = self.buffers.iter().max_by_key(|(key, b)| (b.bytes, **key));
        largest.map(|(key, _)| *key)
    }

    /// Writes a partition's buffer as a row group of its open file.
    fn flush(&mut self, key: Key) -> Result<(), ExportError> {
        let Some(buffer) = self.buffers.remove(&key) else {
            return Ok(());
        };
        self.buffered = self.buffered.saturating_sub(buffer.bytes);
        if buffer.rows == 0 {
            return Ok(());
        }
        self.tick += 1;
        let tick = self.tick;
        if !self.open.contains_key(&key) {
            self.open_file(key)?;
        }
        let Some(file) = self.open.get_mut(&key) else {
            return Ok(());
        };
        file.used = tick;
        let mut group = file.writer.next_row_group()?;
        for column in buffer.columns {
            let Some(mut writer) = group.next_column()? else {
                break;
            };
            match column {
                ColumnBuffer::Text { bytes, ends } => {
                    let bytes = bytes::Bytes::from(bytes);
                    let mut start = 0;
                    let values: Vec<ByteArray> = ends
                        .iter()
                        .map(|&end| {
                            let value = ByteArray::from(bytes.slice(start..end));
                            start = end;
                            value
                        })
                        .collect();
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(&values, None, None)?;
                }
                ColumnBuffer::Int(values) => {
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&values, None, None)?;
                }
            }
            writer.close()?;
        }
        group.close()?;
        Ok(())
    }

    fn open_file(&mut self, key: Key) -> Result<(), ExportError> {
        if self.open.len() >= MAX_OPEN {
            let oldest = self
                .open
                .iter()
                .min_by_key(|(_, f)| f.used)
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.close(oldest)?;
            }
        }
        let part = self.parts.entry(key).or_insert(0);
        let folder = self
            .dir
            .join(FactTable::ALL[key.0].name())
            .join(&self.names[&key]);
        let path = folder.join(format!("part-{part}.parquet"));
        *part += 1;
        std::fs::create_dir_all(&folder).map_err(io_error(&folder))?;
        let file = File::create(&path).map_err(io_error(&path))?;
        let writer = SerializedFileWriter::new(
            BufWriter::with_capacity(FILE_BUFFER, file),
            self.schemas[key.0].clone(),
            self.properties.clone(),
        )?;
        self.open.insert(
            key,
            OpenFile {
                path,
                writer,
                used: self.tick,
            },
        );
        Ok(())
    }

    fn close(&mut self, key: Key) -> Result<(), ExportError> {
        if let Some(file) = self.open.remove(&key) {
            file.writer.close()?;
            self.written.push(file.path);
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<Vec<PathBuf>, ExportError> {
        // Partitions in table and day order: files are written in a reproducible order.
        let mut keys: Vec<Key> = self.buffers.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            self.flush(key)?;
        }
        let mut keys: Vec<Key> = self.open.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            self.close(key)?;
        }
        self.written.sort();
        Ok(self.written)
    }
}

/// The Parquet schema of a table: every column required (absent text is empty,
/// as in the CSV tables); text as UTF-8 strings, counts as INT64, times as UTC
/// timestamps in milliseconds.
fn schema(name: &str, columns: &[Column]) -> TypePtr {
    let fields = columns
        .iter()
        .map(|column| {
            let (physical, logical) = match column.kind {
                Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                Kind::Count => (Physical::INT64, None),
                Kind::Time => (
                    Physical::INT64,
                    Some(LogicalType::timestamp(true, TimeUnit::MILLIS)),
                ),
            };
            let field = Type::primitive_type_builder(column.name, physical)
                .with_repetition(Repetition::REQUIRED)
                .with_logical_type(logical)
                .build();
            // The names and types are fixed above: building cannot fail.
            Arc::new(field.unwrap_or_else(|e| panic!("column {}: {e}", column.name)))
        })
        .collect();
    let group = Type::group_type_builder(name).with_fields(fields).build();
    Arc::new(group.unwrap_or_else(|e| panic!("table {name}: {e}")))
}

/// A partition's rows, column by column.
struct Buffer {
    columns: Vec<ColumnBuffer>,
    rows: usize,
    /// Bytes held, for the budget.
    bytes: usize,
}

enum ColumnBuffer {
    /// The texts one after another, and where each ends.
    Text { bytes: Vec<u8>, ends: Vec<usize> },
    /// Counts, and timestamps in milliseconds.
    Int(Vec<i64>),
}

impl Buffer {
    fn new(columns: &[Column]) -> Buffer {
        Buffer {
            columns: columns
                .iter()
                .map(|c| match c.kind {
                    Kind::Text => ColumnBuffer::Text {
                        bytes: Vec::new(),
                        ends: Vec::new(),
                    },
                    Kind::Count | Kind::Time => ColumnBuffer::Int(Vec::new()),
                })
                .collect(),
            rows: 0,
            bytes: 0,
        }
    }

    /// Adds a row; returns the bytes it took.
    fn push(&mut self, values: &[Value]) -> usize {
        debug_assert_eq!(values.len(), self.columns.len());
        let mut added = 0;
        for (column, value) in self.columns.iter_mut().zip(values) {
            match (column, *value) {
                (ColumnBuffer::Text { bytes, ends }, Value::Text(text)) => {
                    bytes.extend_from_slice(text.as_bytes());
                    ends.push(bytes.len());
                    added += text.len() + 8;
                }
                (ColumnBuffer::Int(values), Value::Count(n)) => {
                    values.push(n);
                    added += 8;
                }
                (ColumnBuffer::Int(values), Value::Time(unix)) => {
                    // Report dates are bounded (report::bounds): no real one overflows.
                    values.push(unix.saturating_mul(1000));
                    added += 8;
                }
                (_, value) => {
                    debug_assert!(false, "a {:?} value in the wrong column", kind_of(&value));
                }
            }
        }
        self.rows += 1;
        self.bytes += added;
        added
    }
}
