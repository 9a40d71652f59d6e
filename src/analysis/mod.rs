//! Analysis of the loaded set's rows ([`crate::library::Dataset`]): [`Filter`]s,
//! group-by over every [`Dimension`], time series, per-domain health and
//! explanations.

mod applied;
mod charts;
mod dimension;
mod explain;
mod filter;
mod findings;
mod group;
mod health;
mod incidents;
mod once;
mod series;
mod summary;
mod weekly;

pub use applied::{AppliedPolicy, applied_policies, stale_senders};
pub use charts::{
    Chart, ChartData, ChartKind, ChartOptions, GRADE_BANDS, MAX_CATEGORIES, MAX_LINES, MAX_STACKED,
    Series, abbreviated_policy, chart, charts,
};
pub use dimension::{Dimension, Level, week_start};
pub use explain::{Explanation, explain, registered};
pub use filter::{Filter, Selection, select};
pub use findings::{
    CLEAN_DAYS_BEFORE_ENFORCE, DAILY_MIN_DAYS, DAILY_WINDOW_DAYS, Evidence, Finding, FindingKind,
    NoPolicyEvidence, OldPolicyEvidence, POLICY_CHANGE_GRACE_DAYS, PolicyVersionSeen, SILENT_DAYS,
    Severity, SilenceEvidence, Subject, TOP_RESULT_TYPES, TestingEvidence, findings,
    policy_abbreviation,
};
pub use group::{GroupRow, GroupTable, MAX_DIMENSIONS, Measures, group_by};
pub use health::{DomainHealth, Grade, health};
pub use incidents::{Incident, SPARKLINE_DAYS, Sparkline, incidents};
pub use once::{OnceCounter, Sessions};
pub use series::{MAX_DENSE_BUCKETS, Period, Point, series, time_axis};
pub use summary::*;
pub use weekly::{Delta, WEEK_DAYS, WeekDeltas, WeekMeasures, WeekOverWeek, week_over_week};
