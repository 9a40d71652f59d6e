//! Group-by over selected rows, by one or two dimensions.

use rustc_hash::FxHashMap;

use serde::Serialize;

use super::dimension::{Dimension, Level};
use super::filter::Selection;
use super::once::{OnceCounter, Sessions};
use crate::library::{Dataset, date_of_day};
use crate::report::SessionSum;

/// The measures of a group (or of the whole selection).
///
/// `successful_sessions` and `failed_sessions` come from the policies' summaries;
/// `detail_failed_sessions` from their failure details. Where the two disagree both
/// are shown. In a table grouped by a detail dimension only the detail measures
/// exist (a summary cannot be split by result type). Sums are [`SessionSum`]s: they
/// cannot wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// Distinct reports contributing to the group.
    pub reports: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    pub detail_failed_sessions: SessionSum,
    /// Successful and failed sessions with a report's sessions under two policy
    /// types of one domain counted once ([`super::once`]); zero in tables grouped
    /// by a detail dimension.
    pub distinct_successful_sessions: SessionSum,
    pub distinct_failed_sessions: SessionSum,
    /// First and last UTC day of the contributing reports (days since 1970-01-01).
    pub first_day: i32,
    pub last_day: i32,
}

impl Measures {
    fn empty() -> Measures {
        Measures {
            first_day: i32::MAX,
            last_day: i32::MIN,
            ..Measures::default()
        }
    }

    pub fn total_sessions(&self) -> SessionSum {
        self.successful_sessions + self.failed_sessions
    }

    /// All sessions, those of one report under two policy types counted once.
    pub fn distinct_total_sessions(&self) -> SessionSum {
        self.distinct_successful_sessions + self.distinct_failed_sessions
    }

    /// Successful over all sessions; `None` without sessions.
    pub fn success_rate(&self) -> Option<f64> {
        let total = self.total_sessions();
        (total > 0).then(|| self.successful_sessions as f64 / total as f64)
    }

    pub fn first_date(&self) -> Option<chrono::NaiveDate> {
        (self.first_day <= self.last_day).then(|| date_of_day(self.first_day))
    }

    pub fn last_date(&self) -> Option<chrono::NaiveDate> {
        (self.first_day <= self.last_day).then(|| date_of_day(self.last_day))
    }

    fn see_day(&mut self, day: i32) {
        self.first_day = self.first_day.min(day);
        self.last_day = self.last_day.max(day);
    }
}

/// One group: its key values (one per dimension column) and measures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub keys: Vec<u64>,
    pub labels: Vec<String>,
    pub measures: Measures,
}

impl GroupRow {
    /// The label of the first dimension grouped by.
    pub fn first_label(&self) -> String {
        self.labels.first().cloned().unwrap_or_default()
    }
}

/// A grouped table, rows sorted by their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupTable {
    pub dimensions: Vec<Dimension>,
    /// The finest level among the dimensions.
    pub level: Level,
    pub rows: Vec<GroupRow>,
    /// The measures of the whole selection.
    pub total: Measures,
}

impl GroupTable {
    /// Whether the summary measures (successful, failed, total, rate) exist.
    pub fn has_session_counts(&self) -> bool {
        self.level != Level::Detail
    }

    /// This group's share of all failure details' sessions in the table.
    pub fn detail_share(&self, row: &GroupRow) -> Option<f64> {
        let all = self.total.detail_failed_sessions;
        (all > 0).then(|| row.measures.detail_failed_sessions as f64 / all as f64)
    }

    /// The CSV/JSON column names of the dimension values.
    pub fn key_columns(&self) -> Vec<&'static str> {
        self.dimensions
            .iter()
            .flat_map(|d| d.columns().iter().copied())
            .collect()
    }
}

/// At most this many dimensions are grouped by at once.
pub const MAX_DIMENSIONS: usize = 2;

/// The key values of a group, one per dimension (unused ones zero).
pub type Key = [u64; MAX_DIMENSIONS];

/// Groups the selected rows by `dimensions` (none gives one row: the total; more
/// than [`MAX_DIMENSIONS`] are cut to the first ones).
pub fn group_by(dataset: &Dataset, selection: &Selection, dimensions: &[Dimension]) -> GroupTable {
    let dimensions = &dimensions[..dimensions.len().min(MAX_DIMENSIONS)];
    let Groups {
        level,
        groups,
        total,
    } = groups(dataset, selection, dimensions);
    let mut rows: Vec<GroupRow> = groups
        .into_iter()
        .map(|(key, measures)| GroupRow {
            labels: key
                .iter()
                .zip(dimensions)
                .flat_map(|(&k, d)| d.labels(dataset, k))
                .collect(),
            keys: key[..dimensions.len()].to_vec(),
            measures,
        })
        .collect();
    rows.sort_by(|a, b| row_order(dimensions, a, b));
    GroupTable {
        dimensions: dimensions.to_vec(),
        level,
        rows,
        total,
    }
}

/// The groups of a [`group_by`] before they are labelled and ordered: what a
/// chart needs that only sums them (a table by domain and day has a group for
/// every domain on every day, and labelling them all costs more than counting).
pub struct Groups {
    pub level: Level,
    /// In no particular order.
    pub groups: Vec<(Key, Measures)>,
    pub total: Measures,
}

/// The unlabelled groups of [`group_by`]; `dimensions` at most [`MAX_DIMENSIONS`].
pub fn groups(dataset: &Dataset, selection: &Selection, dimensions: &[Dimension]) -> Groups {
    let level = dimensions
        .iter()
        .map(|d| d.level())
        .max()
        .unwrap_or(Level::Report);
    // Keys are small integers: a fast non-cryptographic hash is what this loop needs.
    let mut groups: FxHashMap<Key, (Measures, u32)> = FxHashMap::default();
    let mut total = Measures::empty();
    let mut last_total_report = u32::MAX;
    let mut once = OnceCounter::default();
    // The selected policies of one report with their group keys.
    let mut selected: Vec<(Key, u32)> = Vec::new();
    for (report_index, report) in dataset.reports.iter().enumerate() {
        let report_index = report_index as u32;
        selected.clear();
        for p in report.policies.clone() {
            if !selection.policies[p as usize] {
                continue;
            }
            let policy = &dataset.policies[p as usize];
            let mut key = Key::default();
            if level != Level::Detail {
                for (k, d) in key.iter_mut().zip(dimensions) {
                    *k = d.key(report_index, report, policy, None);
                }
            }
            selected.push((key, p));
        }
        if selected.is_empty() {
            continue;
        }
        count_report(&mut total, &mut last_total_report, report_index, report.day);
        add_policies(&mut total, dataset, selection, &selected);
        total.add_once(once.count(dataset, selected.iter().map(|&(_, p)| p)));
        if level == Level::Detail {
            for &(_, p) in &selected {
                add_details(&mut groups, dataset, selection, dimensions, report_index, p);
            }
            continue;
        }
        // A report's policies of one group are counted together (and counted once).
        selected.sort_by_key(|&(key, _)| key);
        for run in selected.chunk_by(|a, b| a.0 == b.0) {
            let (m, last) = groups
                .entry(run[0].0)
                .or_insert((Measures::empty(), u32::MAX));
            count_report(m, last, report_index, report.day);
            add_policies(m, dataset, selection, run);
            m.add_once(once.count(dataset, run.iter().map(|&(_, p)| p)));
        }
    }
    if total.reports == 0 {
        total = Measures::default();
    }
    Groups {
        level,
        groups: groups.into_iter().map(|(key, (m, _))| (key, m)).collect(),
        total,
    }
}

impl Measures {
    fn add_once(&mut self, once: Sessions) {
        self.distinct_successful_sessions += once.successful;
        self.distinct_failed_sessions += once.failed;
    }
}

/// Adds policies' sessions: their summaries', and their selected details' failures.
fn add_policies(
    m: &mut Measures,
    dataset: &Dataset,
    selection: &Selection,
    policies: &[(Key, u32)],
) {
    for &(_, p) in policies {
        let policy = &dataset.policies[p as usize];
        m.successful_sessions += SessionSum::from(policy.successful);
        m.failed_sessions += SessionSum::from(policy.failed);
        m.detail_failed_sessions += SessionSum::from(selection.policy_detail_failed[p as usize]);
    }
}

/// Adds a policy's selected failure details, each to the group of its own key.
fn add_details(
    groups: &mut FxHashMap<Key, (Measures, u32)>,
    dataset: &Dataset,
    selection: &Selection,
    dimensions: &[Dimension],
    report_index: u32,
    p: u32,
) {
    let policy = &dataset.policies[p as usize];
    let report = &dataset.reports[report_index as usize];
    for d in policy.details.clone() {
        if !selection.details[d as usize] {
            continue;
        }
        let detail = &dataset.details[d as usize];
        let mut key = Key::default();
        for (k, dim) in key.iter_mut().zip(dimensions) {
            *k = dim.key(report_index, report, policy, Some(detail));
        }
        let (m, last) = groups.entry(key).or_insert((Measures::empty(), u32::MAX));
        count_report(m, last, report_index, report.day);
        m.detail_failed_sessions += SessionSum::from(detail.failed_session_count);
    }
}

/// Rows in the order of their values, dimension by dimension: times by time (a
/// label such as "+262142-12-31" would sort before "-262143-01-01" as text), the
/// rest by their labels.
fn row_order(dimensions: &[Dimension], a: &GroupRow, b: &GroupRow) -> std::cmp::Ordering {
    let mut column = 0;
    for (i, dimension) in dimensions.iter().enumerate() {
        let columns = column..column + dimension.columns().len();
        column = columns.end;
        let order = if dimension.is_time() {
            (a.keys[i] as i64).cmp(&(b.keys[i] as i64))
        } else {
            a.labels[columns.clone()].cmp(&b.labels[columns])
        };
        if order.is_ne() {
            return order;
        }
    }
    std::cmp::Ordering::Equal
}

/// Counts a report once per group: a report's rows are contiguous.
fn count_report(measures: &mut Measures, last: &mut u32, report_index: u32, day: i32) {
    if *last != report_index {
        *last = report_index;
        measures.reports += 1;
        measures.see_day(day);
    }
}
