//! Time series of sessions per day or week, with the days no report covers kept
//! visible as gaps rather than shown as zero traffic.

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::dimension::week_start;
use super::filter::Selection;
use super::once::OnceCounter;
use crate::library::{Dataset, date_of_day};
use crate::report::SessionSum;

/// The length of a time bucket: a day, an ISO week (from Monday) or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// The first day of the bucket holding `day` (days since 1970-01-01).
    pub fn bucket(self, day: i32) -> i32 {
        match self {
            Period::Day => day,
            Period::Week => week_start(day),
            Period::Month => {
                let date = date_of_day(day);
                day - (date.day0() as i32)
            }
        }
    }

    /// The first day of the bucket after the one starting on `bucket`.
    pub fn next(self, bucket: i32) -> i32 {
        match self {
            Period::Day => bucket.saturating_add(1),
            Period::Week => bucket.saturating_add(7),
            Period::Month => {
                let date = date_of_day(bucket);
                let days = match date.month() {
                    2 if date.leap_year() => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                bucket.saturating_add(days)
            }
        }
    }

    /// About how many days a bucket has.
    fn days(self) -> i64 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 30,
        }
    }

    /// The period whose buckets keep a time chart readable over `first..=last`
    /// (day numbers): days up to four months, weeks up to three years, months
    /// beyond (ten years of history are 120 bars, not 3,650).
    pub fn fitting(first: i32, last: i32) -> Period {
        match i64::from(last) - i64::from(first) {
            span if span <= 122 => Period::Day,
            span if span <= 3 * 366 => Period::Week,
            _ => Period::Month,
        }
    }

    /// The label of the bucket starting on `bucket`: `2026-08-01`, `2026-W31`,
    /// `2026-08`.
    pub fn label(self, bucket: i32) -> String {
        let date = date_of_day(bucket);
        match self {
            Period::Day => date.format("%Y-%m-%d").to_string(),
            Period::Week => {
                let week = date.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Period::Month => date.format("%Y-%m").to_string(),
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

/// The most buckets a time axis lists one by one (about 110 years of days).
///
/// Loaded reports start between 2016 and the time of loading, far below this; but a
/// series allocates in proportion to its data, never to the span between two
/// dates: past this span only the buckets with data are listed, each run of them
/// followed by one gap bucket.
pub const MAX_DENSE_BUCKETS: i64 = 40_000;

/// The buckets of a time axis over `buckets` (sorted, distinct bucket starts of
/// `period`): every bucket from the first to the last, or, over more than
/// [`MAX_DENSE_BUCKETS`], the given ones with one gap bucket after each run.
pub fn time_axis(buckets: &[i32], period: Period) -> Vec<i32> {
    let (Some(&first), Some(&last)) = (buckets.first(), buckets.last()) else {
        return Vec::new();
    };
    let span = (i64::from(last) - i64::from(first)) / period.days() + 1;
    if span <= MAX_DENSE_BUCKETS {
        let mut axis = Vec::with_capacity(span as usize);
        let mut bucket = first;
        while bucket <= last {
            axis.push(bucket);
            let next = period.next(bucket);
            if next == bucket {
                break;
            }
            bucket = next;
        }
        return axis;
    }
    let mut axis = Vec::with_capacity(buckets.len() * 2);
    for (i, &bucket) in buckets.iter().enumerate() {
        axis.push(bucket);
        let next = period.next(bucket);
        if buckets.get(i + 1).is_some_and(|&b| b != next) {
            axis.push(next);
        }
    }
    axis
}

/// One bucket. Without any report in it (`reports == 0`) it is a gap: nothing is
/// known about that period, which is not the same as no traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The first day of the bucket.
    pub start: NaiveDate,
    pub reports: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    pub detail_failed_sessions: SessionSum,
    /// The sessions with a report's sessions under two policy types of one
    /// domain counted once ([`super::once`]).
    pub distinct_successful_sessions: SessionSum,
    pub distinct_failed_sessions: SessionSum,
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

/// Sessions per bucket over the selection, on the [`time_axis`] of the buckets
/// that have a selected report.
pub fn series(dataset: &Dataset, selection: &Selection, period: Period) -> Vec<Point> {
    let mut filled: FxHashMap<i32, Point> = FxHashMap::default();
    let mut once = OnceCounter::default();
    for report in &dataset.reports {
        let mut selected = report
            .policies
            .clone()
            .filter(|&p| selection.policies[p as usize])
            .peekable();
        if selected.peek().is_none() {
            continue;
        }
        let bucket = period.bucket(report.day);
        let point = filled.entry(bucket).or_insert_with(|| empty(bucket));
        point.reports += 1;
        let counted = once.count(
            dataset,
            report
                .policies
                .clone()
                .filter(|&p| selection.policies[p as usize]),
        );
        point.distinct_successful_sessions += counted.successful;
        point.distinct_failed_sessions += counted.failed;
        for p in selected {
            let policy = &dataset.policies[p as usize];
            point.successful_sessions += SessionSum::from(policy.successful);
            point.failed_sessions += SessionSum::from(policy.failed);
            point.detail_failed_sessions +=
                SessionSum::from(selection.policy_detail_failed[p as usize]);
        }
    }
    let mut buckets: Vec<i32> = filled.keys().copied().collect();
    buckets.sort_unstable();
    time_axis(&buckets, period)
        .into_iter()
        .map(|b| filled.remove(&b).unwrap_or_else(|| empty(b)))
        .collect()
}

fn empty(bucket: i32) -> Point {
    Point {
        start: date_of_day(bucket),
        reports: 0,
        successful_sessions: 0,
        failed_sessions: 0,
        detail_failed_sessions: 0,
        distinct_successful_sessions: 0,
        distinct_failed_sessions: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::day_of_date;

    #[test]
    fn a_short_axis_lists_every_bucket() {
        assert_eq!(
            time_axis(&[10, 12, 15], Period::Day),
            (10..=15).collect::<Vec<_>>()
        );
        assert_eq!(time_axis(&[4, 18], Period::Week), [4, 11, 18]);
        assert_eq!(time_axis(&[], Period::Day), Vec::<i32>::new());
        // 2024-01-01, 2024-03-01: January, February (29 days), March.
        let jan = day_of_date(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        assert_eq!(
            time_axis(&[jan, jan + 60], Period::Month),
            [jan, jan + 31, jan + 60]
        );
    }

    #[test]
    fn buckets_fit_the_span_and_say_their_period() {
        let day = day_of_date(chrono::NaiveDate::from_ymd_opt(2026, 8, 5).unwrap());
        assert_eq!(Period::fitting(day, day + 60), Period::Day);
        assert_eq!(Period::fitting(day, day + 400), Period::Week);
        assert_eq!(Period::fitting(day - 3650, day), Period::Month);
        assert_eq!(Period::Day.label(day), "2026-08-05");
        assert_eq!(Period::Week.label(Period::Week.bucket(day)), "2026-W32");
        assert_eq!(Period::Month.label(Period::Month.bucket(day)), "2026-08");
        assert_eq!(Period::Month.bucket(day), day - 4);
    }

    #[test]
    fn an_axis_over_an_unbounded_span_lists_the_data_and_one_gap_per_hole() {
        let far = i32::MAX - 5;
        assert_eq!(
            time_axis(&[-95_000_000, -94_999_999, 3, far], Period::Day),
            [-95_000_000, -94_999_999, -94_999_998, 3, 4, far]
        );
    }
}
