//! Time series of sessions per day or week, with the days no report covers kept
//! visible as gaps rather than shown as zero traffic.

use chrono::NaiveDate;
use serde::Serialize;

use super::dataset::{Dataset, day_date};
use super::dimension::week_start;
use super::filter::Selection;

/// The bucket size of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
}

/// One bucket. Without any report in it (`reports == 0`) it is a gap: nothing is
/// known about that period, which is not the same as no traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The first day of the bucket.
    pub start: NaiveDate,
    pub reports: u64,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
    pub detail_failed_sessions: u64,
}

impl Point {
    pub fn is_gap(&self) -> bool {
        self.reports == 0
    }

    pub fn success_rate(&self) -> Option<f64> {
        let total = self.successful_sessions + self.failed_sessions;
        (total > 0).then(|| self.successful_sessions as f64 / total as f64)
    }
}

/// Sessions per bucket over the selection, every bucket from the first to the
/// last one present.
pub fn series(dataset: &Dataset, selection: &Selection, step: Step) -> Vec<Point> {
    let bucket = |day: i32| match step {
        Step::Day => day,
        Step::Week => week_start(day),
    };
    let width = match step {
        Step::Day => 1,
        Step::Week => 7,
    };
    let mut first = i32::MAX;
    let mut last = i32::MIN;
    for report in &dataset.reports {
        if report
            .policies
            .clone()
            .any(|p| selection.policies[p as usize])
        {
            first = first.min(bucket(report.day));
            last = last.max(bucket(report.day));
        }
    }
    if first > last {
        return Vec::new();
    }
    let mut points: Vec<Point> = (first..=last)
        .step_by(width as usize)
        .map(|b| Point {
            start: day_date(b),
            reports: 0,
            successful_sessions: 0,
            failed_sessions: 0,
            detail_failed_sessions: 0,
        })
        .collect();
    for report in &dataset.reports {
        let slot = ((bucket(report.day) - first) / width) as usize;
        let mut counted = false;
        for p in report.policies.clone() {
            if !selection.policies[p as usize] {
                continue;
            }
            let policy = &dataset.policies[p as usize];
            let point = &mut points[slot];
            if !counted {
                point.reports += 1;
                counted = true;
            }
            point.successful_sessions += policy.successful;
            point.failed_sessions += policy.failed;
            point.detail_failed_sessions += selection.policy_detail_failed[p as usize];
        }
    }
    points
}
