//! Group-by over selected rows, by one or two dimensions.

use rustc_hash::FxHashMap;

use serde::Serialize;

use super::dataset::{Dataset, day_date};
use super::dimension::{Dimension, Level};
use super::filter::Selection;

/// The measures of a group (or of the whole selection).
///
/// `successful_sessions` and `failed_sessions` come from the policies' summaries;
/// `detail_failed_sessions` from their failure details. Where the two disagree both
/// are shown. In a table grouped by a detail dimension only the detail measures
/// exist (a summary cannot be split by result type).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// Distinct reports contributing to the group.
    pub reports: u64,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
    pub detail_failed_sessions: u64,
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

    pub fn total_sessions(&self) -> u64 {
        self.successful_sessions + self.failed_sessions
    }

    /// Successful over all sessions; `None` without sessions.
    pub fn success_rate(&self) -> Option<f64> {
        let total = self.total_sessions();
        (total > 0).then(|| self.successful_sessions as f64 / total as f64)
    }

    pub fn first_date(&self) -> Option<chrono::NaiveDate> {
        (self.first_day <= self.last_day).then(|| day_date(self.first_day))
    }

    pub fn last_date(&self) -> Option<chrono::NaiveDate> {
        (self.first_day <= self.last_day).then(|| day_date(self.last_day))
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

type Key = [u64; MAX_DIMENSIONS];

/// Groups the selected rows by `dimensions` (none gives one row: the total; more
/// than [`MAX_DIMENSIONS`] are cut to the first ones).
pub fn group_by(dataset: &Dataset, selection: &Selection, dimensions: &[Dimension]) -> GroupTable {
    let dimensions = &dimensions[..dimensions.len().min(MAX_DIMENSIONS)];
    let level = dimensions
        .iter()
        .map(|d| d.level())
        .max()
        .unwrap_or(Level::Report);
    // Keys are small integers: a fast non-cryptographic hash is what this loop needs.
    let mut groups: FxHashMap<Key, (Measures, u32)> = FxHashMap::default();
    let mut total = Measures::empty();
    let mut last_total_report = u32::MAX;
    for (report_index, report) in dataset.reports.iter().enumerate() {
        let report_index = report_index as u32;
        for p in report.policies.clone() {
            if !selection.policies[p as usize] {
                continue;
            }
            let policy = &dataset.policies[p as usize];
            let detail_failed = selection.policy_detail_failed[p as usize];
            count_report(&mut total, &mut last_total_report, report_index, report.day);
            total.add_policy(policy.successful, policy.failed, detail_failed);
            if level != Level::Detail {
                let mut key = Key::default();
                for (k, d) in key.iter_mut().zip(dimensions) {
                    *k = d.key(report_index, report, policy, None);
                }
                let (m, last) = groups.entry(key).or_insert((Measures::empty(), u32::MAX));
                count_report(m, last, report_index, report.day);
                m.add_policy(policy.successful, policy.failed, detail_failed);
                continue;
            }
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
                m.detail_failed_sessions += detail.failed_session_count;
            }
        }
    }
    if total.reports == 0 {
        total = Measures::default();
    }
    let mut rows: Vec<GroupRow> = groups
        .into_iter()
        .map(|(key, (measures, _))| GroupRow {
            labels: key
                .iter()
                .zip(dimensions)
                .flat_map(|(&k, d)| d.labels(dataset, k))
                .collect(),
            keys: key[..dimensions.len()].to_vec(),
            measures,
        })
        .collect();
    rows.sort_by(|a, b| a.labels.cmp(&b.labels));
    GroupTable {
        dimensions: dimensions.to_vec(),
        level,
        rows,
        total,
    }
}

impl Measures {
    /// Adds one policy's sessions: its summary's, and its selected details' failures.
    fn add_policy(&mut self, successful: u64, failed: u64, detail_failed: u64) {
        self.successful_sessions += successful;
        self.failed_sessions += failed;
        self.detail_failed_sessions += detail_failed;
    }
}

/// Counts a report once per group: a report's rows are contiguous.
fn count_report(measures: &mut Measures, last: &mut u32, report_index: u32, day: i32) {
    if *last != report_index {
        *last = report_index;
        measures.reports += 1;
        measures.see_day(day);
    }
}
