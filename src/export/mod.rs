//! Output formats for analysis results: CSV and JSON tables, terminal text, and
//! the fact tables of the warehouse export (Parquet, NDJSON), also streamed.

mod chart;
mod csv_cells;
mod facts;
#[cfg(feature = "parquet")]
mod parquet_out;
mod records;
mod stream;
mod text;
mod warehouse;
mod write;

pub use chart::{CHART_SIZE, ChartError, chart_pixels, chart_png, chart_svg, write_chart};
pub use csv_cells::{CsvCells, write_csv};
pub use facts::{Column, FactDetail, FactPolicy, FactReport, FactTable, Kind, Value};
pub use facts::{input_order_text, loaded_facts};
pub use records::*;
pub use stream::{StreamCounts, StreamExport};
pub use text::{counted, group_table_text, summary_table, thousands};
pub use warehouse::{WarehouseFormat, WarehouseWriter, day_partition, ndjson_line};
pub use write::*;
