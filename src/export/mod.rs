//! Output formats for analysis results: CSV and JSON tables, terminal text.

mod chart;
mod csv_cells;
mod records;
mod text;
mod write;

pub use chart::{CHART_SIZE, ChartError, chart_pixels, chart_png, chart_svg, write_chart};
pub use csv_cells::{CsvCells, write_csv};
pub use records::*;
pub use text::{group_table_text, summary_table, thousands};
pub use write::*;
