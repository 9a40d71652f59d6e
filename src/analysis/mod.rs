//! Analysis of loaded reports: a compact [`Dataset`], [`Filter`]s, group-by over
//! every [`Dimension`], time series, per-domain health and explanations.

mod charts;
mod dataset;
mod dimension;
mod explain;
mod filter;
mod group;
mod health;
mod series;
mod strings;
mod summary;

pub use charts::{Chart, ChartData, ChartKind, MAX_CATEGORIES, MAX_LINES, Series, chart};
pub use dataset::{Dataset, DetailRow, PolicyRow, ReportRow, date_day, day_date};
pub use dimension::{Dimension, Level, week_start};
pub use explain::{Explanation, explain, registered};
pub use filter::{Filter, Selection, select};
pub use group::{GroupRow, GroupTable, MAX_DIMENSIONS, Measures, group_by};
pub use health::{DomainHealth, Grade, health};
pub use series::{Point, Step, series};
pub use strings::{Strings, Sym};
pub use summary::*;
