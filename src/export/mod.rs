//! Output formats for analysis results: CSV and JSON tables, terminal text.

mod records;
mod text;
mod write;

pub use records::*;
pub use text::{group_table_text, summary_table};
pub use write::*;
