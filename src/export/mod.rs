//! Output formats for analysis results: CSV and JSON tables, terminal text.

mod chart;
mod records;
mod text;
mod write;

pub use chart::{CHART_SIZE, ChartError, chart_png, chart_svg, write_chart};
pub use records::*;
pub use text::{group_table_text, summary_table};
pub use write::*;
