//! The data of each chart, shared by the app's interactive plots and the PNG/SVG
//! export, so both always show the same numbers.
//!
//! Time charts share one bucket [`Period`], fitted to the span of the selected
//! reports, so that ten years of sparse history stay as readable as two weeks.
//! Failures come first: a failure rate of a few percent is invisible as the red cap
//! of a sessions bar, so failed sessions have a chart (and an axis) of their own.

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use super::dimension::{Dimension, Level};
use super::filter::Selection;
use super::findings::policy_abbreviation;
use super::group::{Key, Measures, group_by, groups};
use super::series::{Period, series, time_axis};
use crate::library::{Dataset, date_of_day};
use crate::report::{DecodedPolicy, PolicyType, SessionSum, Text, TlsaRecord};

/// The charts the app shows, in the order it shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Failed sessions per bucket, stacked by a dimension ([`ChartOptions`]).
    Failures,
    /// Failed over all sessions per policy domain per bucket, in percent, with
    /// the NCSC grade bands.
    FailureRate,
    /// Successful and failed sessions per bucket; buckets without a report are gaps.
    Sessions,
    /// Failed sessions per result type (failure details).
    ByResultType,
    /// Successful and failed sessions per sending organization.
    ByOrganization,
    /// Failed sessions per receiving MX host (failure details).
    ByMxHost,
    /// Sessions per bucket under each applied policy version.
    PolicyVersions,
}

impl ChartKind {
    pub const ALL: [ChartKind; 7] = [
        ChartKind::Failures,
        ChartKind::FailureRate,
        ChartKind::Sessions,
        ChartKind::ByResultType,
        ChartKind::ByOrganization,
        ChartKind::ByMxHost,
        ChartKind::PolicyVersions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Failures => "Failed sessions",
            ChartKind::FailureRate => "Failure rate per policy domain",
            ChartKind::Sessions => "All sessions",
            ChartKind::ByResultType => "Failed sessions by result type",
            ChartKind::ByOrganization => "Sessions by sending organization",
            ChartKind::ByMxHost => "Failed sessions by MX host",
            ChartKind::PolicyVersions => "Policy versions applied over time",
        }
    }

    /// A file name stem for exports.
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::Failures => "failed-sessions",
            ChartKind::FailureRate => "failure-rate-per-domain",
            ChartKind::Sessions => "sessions",
            ChartKind::ByResultType => "failures-by-result-type",
            ChartKind::ByOrganization => "sessions-by-organization",
            ChartKind::ByMxHost => "failures-by-mx-host",
            ChartKind::PolicyVersions => "policy-versions",
        }
    }

    /// The dimension a click on a bar, a line or a legend entry filters by, for
    /// a chart whose series or categories are values of it.
    pub fn filter_dimension(self, options: &ChartOptions) -> Option<Dimension> {
        match self {
            ChartKind::Failures => Some(options.failures_by),
            ChartKind::ByResultType => Some(Dimension::ResultType),
            ChartKind::ByOrganization => Some(Dimension::Organization),
            ChartKind::ByMxHost => Some(Dimension::MxHost),
            ChartKind::FailureRate => Some(Dimension::PolicyDomain),
            ChartKind::Sessions | ChartKind::PolicyVersions => None,
        }
    }
}

/// What the charts are drawn by, chosen by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOptions {
    /// The dimension the failed sessions are stacked by: one of
    /// [`ChartOptions::FAILURES_BY`].
    pub failures_by: Dimension,
}

impl ChartOptions {
    /// The dimensions the failures chart can be stacked by.
    pub const FAILURES_BY: [Dimension; 4] = [
        Dimension::ResultType,
        Dimension::PolicyDomain,
        Dimension::Organization,
        Dimension::MxHost,
    ];
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions {
            failures_by: Dimension::ResultType,
        }
    }
}

/// A named series of values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<T> {
    /// Short enough for a legend (a policy version is abbreviated).
    pub name: String,
    /// The value a click filters on, and the full text shown on hover.
    pub value: String,
    pub values: Vec<T>,
}

/// What a chart draws.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartData {
    /// Stacked bars per time bucket; `None` is a bucket without any report (a gap).
    TimeBars {
        period: Period,
        buckets: Vec<NaiveDate>,
        series: Vec<Series<Option<f64>>>,
    },
    /// Horizontal bars per category, series stacked.
    CategoryBars {
        categories: Vec<String>,
        series: Vec<Series<f64>>,
    },
    /// Lines over time buckets; `None` breaks a line (no report then).
    TimeLines {
        period: Period,
        buckets: Vec<NaiveDate>,
        lines: Vec<Series<Option<f64>>>,
        /// Values are percentages (0 to 100).
        percent: bool,
        /// Horizontal marks to draw (the NCSC grade thresholds).
        bands: Vec<f64>,
    },
}

impl ChartData {
    /// The label of each time bucket (`2026-08-01`, `2026-W31`, `2026-08`).
    pub fn bucket_labels(&self) -> Vec<String> {
        match self {
            ChartData::TimeBars {
                period, buckets, ..
            }
            | ChartData::TimeLines {
                period, buckets, ..
            } => buckets
                .iter()
                .map(|d| period.label(crate::library::day_of_date(*d)))
                .collect(),
            ChartData::CategoryBars { .. } => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    pub title: String,
    pub y_label: String,
    pub data: ChartData,
}

/// Lines drawn at most per line chart (the largest by sessions).
pub const MAX_LINES: usize = 12;
/// Categories drawn at most per bar chart (the largest).
pub const MAX_CATEGORIES: usize = 20;
/// Series stacked at most in the failures chart; the rest are one "other".
pub const MAX_STACKED: usize = 7;
/// The NCSC Mail Check thresholds of the health grades, in percent failed.
pub const GRADE_BANDS: [f64; 2] = [10.0, 50.0];

/// Computes a chart over the selection.
pub fn chart(
    dataset: &Dataset,
    selection: &Selection,
    kind: ChartKind,
    options: &ChartOptions,
) -> Chart {
    chart_on(
        dataset,
        selection,
        kind,
        options,
        &TimeAxis::of(dataset, selection),
    )
}

/// Every chart of [`ChartKind::ALL`], in that order, on one time axis.
pub fn charts(dataset: &Dataset, selection: &Selection, options: &ChartOptions) -> Vec<Chart> {
    let axis = TimeAxis::of(dataset, selection);
    ChartKind::ALL
        .iter()
        .map(|&kind| chart_on(dataset, selection, kind, options, &axis))
        .collect()
}

fn chart_on(
    dataset: &Dataset,
    selection: &Selection,
    kind: ChartKind,
    options: &ChartOptions,
    axis: &TimeAxis,
) -> Chart {
    let noun = axis.period.noun();
    let (title, y_label, data) = match kind {
        ChartKind::Failures => (
            format!(
                "Failed sessions per {noun}, by {}",
                options.failures_by.title().to_lowercase()
            ),
            "failed sessions".to_string(),
            failures(dataset, selection, axis, options.failures_by),
        ),
        ChartKind::FailureRate => (
            format!("Failure rate per policy domain, per {noun}"),
            "failed sessions (%)".to_string(),
            failure_rates(dataset, selection, axis),
        ),
        ChartKind::Sessions => (
            format!("All sessions per {noun}"),
            "sessions".to_string(),
            sessions(dataset, selection, axis),
        ),
        ChartKind::ByResultType => (
            kind.title().to_string(),
            "failed sessions".to_string(),
            category_bars(dataset, selection, Dimension::ResultType, false),
        ),
        ChartKind::ByOrganization => (
            kind.title().to_string(),
            "sessions".to_string(),
            category_bars(dataset, selection, Dimension::Organization, true),
        ),
        ChartKind::ByMxHost => (
            kind.title().to_string(),
            "failed sessions".to_string(),
            category_bars(dataset, selection, Dimension::MxHost, false),
        ),
        ChartKind::PolicyVersions => (
            format!("Policy versions applied, sessions per {noun}"),
            "sessions".to_string(),
            policy_versions(dataset, selection, axis),
        ),
    };
    Chart {
        kind,
        title,
        y_label,
        data,
    }
}

/// The buckets of the time charts: the period fitted to the selected reports'
/// span, every bucket from the first to the last, and which of them have a report.
struct TimeAxis {
    period: Period,
    buckets: Vec<i32>,
    with_reports: Vec<bool>,
}

impl TimeAxis {
    fn of(dataset: &Dataset, selection: &Selection) -> TimeAxis {
        let days = series(dataset, selection, Period::Day);
        let with_data: Vec<i32> = days
            .iter()
            .filter(|p| !p.is_gap())
            .map(|p| crate::library::day_of_date(p.start))
            .collect();
        let (Some(&first), Some(&last)) = (with_data.first(), with_data.last()) else {
            return TimeAxis {
                period: Period::Day,
                buckets: Vec::new(),
                with_reports: Vec::new(),
            };
        };
        let period = Period::fitting(first, last);
        let mut filled: Vec<i32> = with_data.iter().map(|&d| period.bucket(d)).collect();
        filled.dedup();
        let buckets = time_axis(&filled, period);
        let with_reports = buckets
            .iter()
            .map(|b| filled.binary_search(b).is_ok())
            .collect();
        TimeAxis {
            period,
            buckets,
            with_reports,
        }
    }

    /// The slot of a day's bucket.
    fn slot(&self, day: i32) -> Option<usize> {
        self.buckets.binary_search(&self.period.bucket(day)).ok()
    }

    fn dates(&self) -> Vec<NaiveDate> {
        self.buckets.iter().map(|&b| date_of_day(b)).collect()
    }

    /// Values per bucket: the sum of `value` over `rows` (grouped by a
    /// dimension and the day, in that order) for one key, `None` in gaps.
    fn values(
        &self,
        rows: &[&Group],
        value: impl Fn(&Measures) -> SessionSum,
    ) -> Vec<Option<SessionSum>> {
        let mut sums: Vec<Option<SessionSum>> = self
            .with_reports
            .iter()
            .map(|&has| has.then_some(0))
            .collect();
        for (key, measures) in rows {
            if let Some(slot) = self.slot(day_key(key)) {
                let sum = sums[slot].get_or_insert(0);
                *sum += value(measures);
            }
        }
        sums
    }
}

/// The day of a group by (dimension, day).
fn day_key(key: &Key) -> i32 {
    key[1] as i64 as i32
}

fn as_f64(values: Vec<Option<SessionSum>>) -> Vec<Option<f64>> {
    values.into_iter().map(|v| v.map(|v| v as f64)).collect()
}

/// A group of a (dimension, day) grouping.
type Group = (Key, Measures);

/// One dimension key of a (dimension, day) grouping: its label and groups.
type KeyRows<'a> = (String, Vec<&'a Group>);

/// The groups of a (dimension, day) grouping per dimension key, the keys
/// largest first by `size`, then by label. Only keys are labelled, not groups.
fn by_key<'a>(
    dataset: &Dataset,
    dimension: Dimension,
    groups: &'a [Group],
    size: impl Fn(&Measures) -> SessionSum,
) -> Vec<KeyRows<'a>> {
    let mut keyed: FxHashMap<u64, (SessionSum, Vec<&Group>)> = FxHashMap::default();
    for group in groups {
        let entry = keyed.entry(group.0[0]).or_default();
        entry.0 += size(&group.1);
        entry.1.push(group);
    }
    let mut keys: Vec<(String, SessionSum, Vec<&Group>)> = keyed
        .into_iter()
        .map(|(key, (size, rows))| {
            let label = dimension.labels(dataset, key).into_iter().next();
            (label.unwrap_or_default(), size, rows)
        })
        .collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    keys.into_iter()
        .map(|(label, _, rows)| (label, rows))
        .collect()
}

fn failures(dataset: &Dataset, selection: &Selection, axis: &TimeAxis, by: Dimension) -> ChartData {
    // Result types and MX hosts are known from the failure details only; the
    // others from the summaries, each session counted once.
    let failed = if by.level() == Level::Detail {
        |m: &Measures| m.detail_failed_sessions
    } else {
        |m: &Measures| m.distinct_failed_sessions
    };
    let table = groups(dataset, selection, &[by, Dimension::Day]);
    let keys = by_key(dataset, by, &table.groups, failed);
    let keys: Vec<_> = keys
        .into_iter()
        .filter(|(_, rows)| rows.iter().any(|(_, m)| failed(m) > 0))
        .collect();
    let mut series: Vec<Series<Option<f64>>> = Vec::new();
    let split = keys.len().min(if keys.len() > MAX_STACKED {
        MAX_STACKED - 1
    } else {
        MAX_STACKED
    });
    for (label, rows) in &keys[..split] {
        series.push(Series {
            name: shown(label),
            value: label.clone(),
            values: as_f64(axis.values(rows, failed)),
        });
    }
    if keys.len() > split {
        let rest: Vec<&Group> = keys[split..]
            .iter()
            .flat_map(|(_, rows)| rows.iter().copied())
            .collect();
        series.push(Series {
            name: format!("{} others", keys.len() - split),
            value: String::new(),
            values: as_f64(axis.values(&rest, failed)),
        });
    }
    ChartData::TimeBars {
        period: axis.period,
        buckets: axis.dates(),
        series,
    }
}

fn failure_rates(dataset: &Dataset, selection: &Selection, axis: &TimeAxis) -> ChartData {
    let by = Dimension::PolicyDomain;
    let table = groups(dataset, selection, &[by, Dimension::Day]);
    let keys = by_key(
        dataset,
        by,
        &table.groups,
        Measures::distinct_total_sessions,
    );
    let lines = keys
        .iter()
        .take(MAX_LINES)
        .map(|(label, rows)| {
            let failed = axis.values(rows, |m| m.distinct_failed_sessions);
            let all = axis.values(rows, Measures::distinct_total_sessions);
            let values = failed
                .iter()
                .zip(&all)
                .map(|(f, a)| match (f, a) {
                    (Some(f), Some(a)) if *a > 0 => Some(*f as f64 * 100.0 / *a as f64),
                    _ => None,
                })
                .collect();
            Series {
                name: shown(label),
                value: label.clone(),
                values,
            }
        })
        .collect();
    ChartData::TimeLines {
        period: axis.period,
        buckets: axis.dates(),
        lines,
        percent: true,
        bands: GRADE_BANDS.to_vec(),
    }
}

fn sessions(dataset: &Dataset, selection: &Selection, axis: &TimeAxis) -> ChartData {
    let points = series(dataset, selection, axis.period);
    let mut successful = vec![None; axis.buckets.len()];
    let mut failed = vec![None; axis.buckets.len()];
    for point in points.iter().filter(|p| !p.is_gap()) {
        if let Some(slot) = axis.slot(crate::library::day_of_date(point.start)) {
            successful[slot] = Some(point.distinct_successful_sessions as f64);
            failed[slot] = Some(point.distinct_failed_sessions as f64);
        }
    }
    let series = [("successful", successful), ("failed", failed)]
        .into_iter()
        .map(|(name, values)| Series {
            name: name.into(),
            value: String::new(),
            values,
        })
        .collect();
    ChartData::TimeBars {
        period: axis.period,
        buckets: axis.dates(),
        series,
    }
}

fn policy_versions(dataset: &Dataset, selection: &Selection, axis: &TimeAxis) -> ChartData {
    let by = Dimension::PolicyVersion;
    let table = groups(dataset, selection, &[by, Dimension::Day]);
    let keys = by_key(dataset, by, &table.groups, Measures::total_sessions);
    let lines = keys
        .iter()
        .take(MAX_LINES)
        .map(|(label, rows)| Series {
            name: abbreviated_policy(label),
            value: label.clone(),
            values: as_f64(axis.values(rows, Measures::total_sessions)),
        })
        .collect();
    ChartData::TimeLines {
        period: axis.period,
        buckets: axis.dates(),
        lines,
        percent: false,
        bands: Vec::new(),
    }
}

fn category_bars(
    dataset: &Dataset,
    selection: &Selection,
    dimension: Dimension,
    sessions: bool,
) -> ChartData {
    let mut rows = group_by(dataset, selection, &[dimension]).rows;
    let size = |m: &Measures| {
        if sessions {
            m.distinct_total_sessions()
        } else {
            m.detail_failed_sessions
        }
    };
    rows.sort_by(|a, b| {
        size(&b.measures)
            .cmp(&size(&a.measures))
            .then(a.labels.cmp(&b.labels))
    });
    rows.truncate(MAX_CATEGORIES);
    let categories = rows.iter().map(|r| r.first_label()).collect();
    let series = if sessions {
        let values =
            |f: fn(&Measures) -> SessionSum| rows.iter().map(|r| f(&r.measures) as f64).collect();
        vec![
            Series {
                name: "successful".into(),
                value: String::new(),
                values: values(|m| m.distinct_successful_sessions),
            },
            Series {
                name: "failed".into(),
                value: String::new(),
                values: values(|m| m.distinct_failed_sessions),
            },
        ]
    } else {
        vec![Series {
            name: "failed (details)".into(),
            value: String::new(),
            values: rows
                .iter()
                .map(|r| r.measures.detail_failed_sessions as f64)
                .collect(),
        }]
    };
    ChartData::CategoryBars { categories, series }
}

/// A value as a legend shows it: "(none)" for the empty value.
fn shown(label: &str) -> String {
    if label.is_empty() {
        "(none)".into()
    } else {
        label.to_string()
    }
}

/// A policy version (its policy string, lines joined by `\n`) short enough for a
/// legend, its type named: `STS enforce, mx.example.com +1, max_age 604800` or
/// `TLSA: 2 TLSA records` ([`super::policy_abbreviation`]). The full string is the
/// series' value.
pub fn abbreviated_policy(policy_string: &str) -> String {
    if policy_string.is_empty() {
        return "(no policy string)".into();
    }
    let lines: Vec<Text> = policy_string.lines().map(Text::from).collect();
    if DecodedPolicy::decode(&PolicyType::Sts, &lines)
        .mode()
        .is_some()
    {
        return format!("STS {}", policy_abbreviation("sts", policy_string));
    }
    let tlsa = DecodedPolicy::decode(&PolicyType::Tlsa, &lines);
    if let DecodedPolicy::Tlsa(records) = &tlsa
        && records
            .iter()
            .any(|r| matches!(r, TlsaRecord::Parsed { .. }))
    {
        return format!("TLSA: {}", policy_abbreviation("tlsa", policy_string));
    }
    policy_abbreviation("", policy_string)
}

#[cfg(test)]
mod tests {
    use super::abbreviated_policy;

    #[test]
    fn policy_versions_are_abbreviated_for_legends() {
        assert_eq!(
            abbreviated_policy(
                "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: mx2.example.com\nmx: *.example.net\nmax_age: 604800"
            ),
            "STS enforce, mx1.example.com +2, max_age 604800"
        );
        let tlsa = abbreviated_policy(
            "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n2 1 1 ffff",
        );
        assert_eq!(tlsa, "TLSA: 2 TLSA records");
        assert_eq!(abbreviated_policy(""), "(no policy string)");
    }
}
