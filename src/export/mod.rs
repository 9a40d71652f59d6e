//! Output formats for analysis results.

mod text;

pub use text::summary_table;
