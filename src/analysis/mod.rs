//! Aggregations over loaded reports.

mod summary;

pub use summary::*;
