//! The data of each chart, shared by the app's interactive plots and the PNG/SVG
//! export, so both always show the same numbers.

use chrono::NaiveDate;

use super::dataset::{Dataset, day_date};
use super::dimension::Dimension;
use super::filter::Selection;
use super::group::group_by;
use super::series::{Step, series};

/// The charts the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Successful and failed sessions per day; days without a report are gaps.
    DailySessions,
    /// Failed sessions per result type (failure details).
    ByResultType,
    /// Successful and failed sessions per sending organization.
    ByOrganization,
    /// Failed sessions per receiving MX host (failure details).
    ByMxHost,
    /// Success rate per policy domain per day.
    DomainSuccessRate,
    /// Sessions per day under each applied policy version.
    PolicyVersions,
}

impl ChartKind {
    pub const ALL: [ChartKind; 6] = [
        ChartKind::DailySessions,
        ChartKind::ByResultType,
        ChartKind::ByOrganization,
        ChartKind::ByMxHost,
        ChartKind::DomainSuccessRate,
        ChartKind::PolicyVersions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ChartKind::DailySessions => "Sessions per day",
            ChartKind::ByResultType => "Failed sessions by result type",
            ChartKind::ByOrganization => "Sessions by sending organization",
            ChartKind::ByMxHost => "Failed sessions by MX host",
            ChartKind::DomainSuccessRate => "Success rate per policy domain",
            ChartKind::PolicyVersions => "Policy versions applied over time",
        }
    }

    /// A file name stem for exports.
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::DailySessions => "sessions-per-day",
            ChartKind::ByResultType => "failures-by-result-type",
            ChartKind::ByOrganization => "sessions-by-organization",
            ChartKind::ByMxHost => "failures-by-mx-host",
            ChartKind::DomainSuccessRate => "success-rate-per-domain",
            ChartKind::PolicyVersions => "policy-versions",
        }
    }

    /// The dimension a click on a bar or series filters by.
    pub fn filter_dimension(self) -> Option<Dimension> {
        match self {
            ChartKind::ByResultType => Some(Dimension::ResultType),
            ChartKind::ByOrganization => Some(Dimension::Organization),
            ChartKind::ByMxHost => Some(Dimension::MxHost),
            ChartKind::DomainSuccessRate => Some(Dimension::PolicyDomain),
            ChartKind::DailySessions | ChartKind::PolicyVersions => None,
        }
    }
}

/// A named series of values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<T> {
    pub name: String,
    pub values: Vec<T>,
}

/// What a chart draws.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartData {
    /// Stacked bars per day; `None` is a day without any report (a gap).
    DailyBars {
        days: Vec<NaiveDate>,
        series: Vec<Series<Option<f64>>>,
    },
    /// Horizontal bars per category, series stacked.
    CategoryBars {
        categories: Vec<String>,
        series: Vec<Series<f64>>,
    },
    /// Lines over days; `None` breaks a line (no report that day).
    DailyLines {
        days: Vec<NaiveDate>,
        lines: Vec<Series<Option<f64>>>,
        /// Values are fractions shown as percentages.
        percent: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    pub title: String,
    pub y_label: String,
    pub data: ChartData,
}

/// Lines drawn at most per line chart (the largest by sessions).
pub const MAX_LINES: usize = 8;
/// Categories drawn at most per bar chart (the largest).
pub const MAX_CATEGORIES: usize = 20;

/// Computes a chart over the selection.
pub fn chart(dataset: &Dataset, selection: &Selection, kind: ChartKind) -> Chart {
    let (y_label, data) = match kind {
        ChartKind::DailySessions => ("sessions", daily_bars(dataset, selection)),
        ChartKind::ByResultType => (
            "failed sessions",
            category_bars(dataset, selection, Dimension::ResultType, false),
        ),
        ChartKind::ByOrganization => (
            "sessions",
            category_bars(dataset, selection, Dimension::Organization, true),
        ),
        ChartKind::ByMxHost => (
            "failed sessions",
            category_bars(dataset, selection, Dimension::MxHost, false),
        ),
        ChartKind::DomainSuccessRate => (
            "success rate",
            daily_lines(dataset, selection, Dimension::PolicyDomain, true),
        ),
        ChartKind::PolicyVersions => (
            "sessions",
            daily_lines(dataset, selection, Dimension::PolicyVersion, false),
        ),
    };
    Chart {
        kind,
        title: kind.title().to_string(),
        y_label: y_label.to_string(),
        data,
    }
}

fn daily_bars(dataset: &Dataset, selection: &Selection) -> ChartData {
    let points = series(dataset, selection, Step::Day);
    let values = |f: fn(&super::series::Point) -> u64| {
        points
            .iter()
            .map(|p| (!p.is_gap()).then(|| f(p) as f64))
            .collect()
    };
    ChartData::DailyBars {
        days: points.iter().map(|p| p.start).collect(),
        series: vec![
            Series {
                name: "successful".into(),
                values: values(|p| p.successful_sessions),
            },
            Series {
                name: "failed".into(),
                values: values(|p| p.failed_sessions),
            },
        ],
    }
}

fn category_bars(
    dataset: &Dataset,
    selection: &Selection,
    dimension: Dimension,
    sessions: bool,
) -> ChartData {
    let mut rows = group_by(dataset, selection, &[dimension]).rows;
    let size = |m: &super::group::Measures| {
        if sessions {
            m.total_sessions()
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
        vec![
            Series {
                name: "successful".into(),
                values: rows
                    .iter()
                    .map(|r| r.measures.successful_sessions as f64)
                    .collect(),
            },
            Series {
                name: "failed".into(),
                values: rows
                    .iter()
                    .map(|r| r.measures.failed_sessions as f64)
                    .collect(),
            },
        ]
    } else {
        vec![Series {
            name: "failed (details)".into(),
            values: rows
                .iter()
                .map(|r| r.measures.detail_failed_sessions as f64)
                .collect(),
        }]
    };
    ChartData::CategoryBars { categories, series }
}

fn daily_lines(
    dataset: &Dataset,
    selection: &Selection,
    dimension: Dimension,
    rate: bool,
) -> ChartData {
    let by_day = group_by(dataset, selection, &[dimension, Dimension::Day]);
    let totals = group_by(dataset, selection, &[dimension]);
    let mut top: Vec<_> = totals.rows.iter().collect();
    top.sort_by(|a, b| {
        b.measures
            .total_sessions()
            .cmp(&a.measures.total_sessions())
            .then(a.labels.cmp(&b.labels))
    });
    top.truncate(MAX_LINES);
    let (Some(first), Some(last)) = (
        by_day.rows.iter().map(|r| r.measures.first_day).min(),
        by_day.rows.iter().map(|r| r.measures.last_day).max(),
    ) else {
        return ChartData::DailyLines {
            days: Vec::new(),
            lines: Vec::new(),
            percent: rate,
        };
    };
    let days: Vec<NaiveDate> = (first..=last).map(day_date).collect();
    let lines = top
        .iter()
        .map(|t| {
            let mut values = vec![None; days.len()];
            for row in by_day.rows.iter().filter(|r| r.keys[0] == t.keys[0]) {
                let slot = (row.keys[1] as i64 as i32 - first) as usize;
                let m = &row.measures;
                values[slot] = if rate {
                    m.success_rate()
                } else {
                    Some(m.total_sessions() as f64)
                };
            }
            let label = t.first_label();
            Series {
                name: if label.is_empty() {
                    "(none)".into()
                } else {
                    label.replace('\n', "; ")
                },
                values,
            }
        })
        .collect();
    ChartData::DailyLines {
        days,
        lines,
        percent: rate,
    }
}
