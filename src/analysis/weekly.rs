//! The last week of the selected data beside the week before: the cards' measures
//! and how they changed.
//!
//! A week here is [`WEEK_DAYS`] days ending on the last day of the selected data,
//! not a calendar week: reports arrive a day or more after the day they cover, so the
//! current calendar week is nearly always partial and would compare badly with a
//! full one. Incidents ("new this week") and findings count from the same last day.

use chrono::NaiveDate;
use rustc_hash::FxHashSet;
use serde::Serialize;

use super::filter::Selection;
use super::group::group_by;
use crate::library::{Dataset, Sym, date_of_day};
use crate::report::SessionSum;

/// Days in a week of [`week_over_week`] and in "new this week".
pub const WEEK_DAYS: i32 = 7;

/// The cards' measures over one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekMeasures {
    /// The first day of the week (a UTC day, as the reports' start is counted).
    pub first_day: NaiveDate,
    /// The last day of the week.
    pub last_day: NaiveDate,
    /// Reports kept by the selection, also those without any policy (as the
    /// Reports card counts them).
    pub reports: u64,
    /// Successful sessions, as the cards count them: a report's sessions under two
    /// policy types of one domain once ([`super::once`]).
    pub successful_sessions: SessionSum,
    /// Failed sessions, counted as the successful ones.
    pub failed_sessions: SessionSum,
    /// Sum of the selected failure details' counts.
    pub detail_failed_sessions: SessionSum,
    /// Sending organizations with a selected policy.
    pub senders: u64,
    /// Policy domains of the selected policies; reports naming none are left out.
    pub domains: u64,
}

impl WeekMeasures {
    /// Whether any report of the selection starts in this week. A week without one
    /// is unknown, not a week without traffic.
    pub fn has_data(&self) -> bool {
        self.reports > 0
    }

    /// Successful and failed sessions.
    pub fn total_sessions(&self) -> SessionSum {
        self.successful_sessions + self.failed_sessions
    }

    /// Failed over all sessions, a fraction from 0 to 1; `None` without sessions.
    pub fn failure_rate(&self) -> Option<f64> {
        let total = self.total_sessions();
        (total > 0).then(|| self.failed_sessions as f64 / total as f64)
    }
}

/// The change of one measure from the previous week to the current one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Delta {
    /// Current minus previous.
    pub change: i128,
    /// The change as a fraction of the previous value (0.5 is +50 %); `None` when
    /// the previous value is 0, where no ratio exists.
    pub relative: Option<f64>,
}

impl Delta {
    /// The change from `previous` to `current`.
    pub fn between(current: SessionSum, previous: SessionSum) -> Delta {
        // Sums stay below 2^75 (crate::report::SessionSum), far inside i128.
        let signed = |n: SessionSum| i128::try_from(n).unwrap_or(i128::MAX);
        let change = signed(current).saturating_sub(signed(previous));
        Delta {
            change,
            relative: (previous > 0).then(|| change as f64 / previous as f64),
        }
    }
}

/// The changes of every measure of [`WeekMeasures`], each named after it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeekDeltas {
    /// Of [`WeekMeasures::reports`].
    pub reports: Delta,
    /// Of [`WeekMeasures::successful_sessions`].
    pub successful_sessions: Delta,
    /// Of [`WeekMeasures::failed_sessions`].
    pub failed_sessions: Delta,
    /// Of [`WeekMeasures::detail_failed_sessions`].
    pub detail_failed_sessions: Delta,
    /// Of [`WeekMeasures::senders`].
    pub senders: Delta,
    /// Of [`WeekMeasures::domains`].
    pub domains: Delta,
    /// Current minus previous failure rate, as a fraction (0.01 is one percentage
    /// point); `None` when either week has no sessions.
    pub failure_rate: Option<f64>,
}

/// The last [`WEEK_DAYS`] days of the selected data and the [`WEEK_DAYS`] before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekOverWeek {
    /// The week ending on the last day of the selected data.
    pub current: WeekMeasures,
    /// The week before it; all zero when no selected report starts in it.
    pub previous: WeekMeasures,
}

impl WeekOverWeek {
    /// How each measure changed from the previous week to the current one.
    pub fn deltas(&self) -> WeekDeltas {
        let (c, p) = (&self.current, &self.previous);
        let delta = |f: fn(&WeekMeasures) -> SessionSum| Delta::between(f(c), f(p));
        WeekDeltas {
            reports: delta(|m| m.reports.into()),
            successful_sessions: delta(|m| m.successful_sessions),
            failed_sessions: delta(|m| m.failed_sessions),
            detail_failed_sessions: delta(|m| m.detail_failed_sessions),
            senders: delta(|m| m.senders.into()),
            domains: delta(|m| m.domains.into()),
            failure_rate: c
                .failure_rate()
                .zip(p.failure_rate())
                .map(|(now, before)| now - before),
        }
    }
}

/// The current and previous week of the selection; `None` when it keeps no report.
pub fn week_over_week(dataset: &Dataset, selection: &Selection) -> Option<WeekOverWeek> {
    let last = last_day(dataset, selection)?;
    let current_start = week_start_of(last);
    let previous_end = current_start.saturating_sub(1);
    Some(WeekOverWeek {
        current: week(dataset, selection, current_start, last),
        previous: week(
            dataset,
            selection,
            week_start_of(previous_end),
            previous_end,
        ),
    })
}

/// The last day of the selected data: the latest UTC start day of a kept report.
pub(super) fn last_day(dataset: &Dataset, selection: &Selection) -> Option<i32> {
    dataset
        .reports
        .iter()
        .zip(&selection.reports)
        .filter(|(_, kept)| **kept)
        .map(|(report, _)| report.day)
        .max()
}

/// The first day of the week that ends on `last`.
pub(super) fn week_start_of(last: i32) -> i32 {
    last.saturating_sub(WEEK_DAYS - 1)
}

/// The measures of the selected reports starting from `first` to `last`.
fn week(dataset: &Dataset, selection: &Selection, first: i32, last: i32) -> WeekMeasures {
    let within = within_days(dataset, selection, first, last);
    // The sums as the cards make them, so that both always agree.
    let total = group_by(dataset, &within, &[]).total;
    let mut senders: FxHashSet<Sym> = FxHashSet::default();
    let mut domains: FxHashSet<Sym> = FxHashSet::default();
    for (policy, _) in dataset
        .policies
        .iter()
        .zip(&within.policies)
        .filter(|(_, kept)| **kept)
    {
        senders.insert(dataset.report_of(policy).organization);
        if policy.policy_domain != Sym::NONE {
            domains.insert(policy.policy_domain);
        }
    }
    WeekMeasures {
        first_day: date_of_day(first),
        last_day: date_of_day(last),
        reports: within.report_count() as u64,
        successful_sessions: total.distinct_successful_sessions,
        failed_sessions: total.distinct_failed_sessions,
        detail_failed_sessions: total.detail_failed_sessions,
        senders: senders.len() as u64,
        domains: domains.len() as u64,
    }
}

/// `selection` without the reports that start before `first` or after `last`.
fn within_days(dataset: &Dataset, selection: &Selection, first: i32, last: i32) -> Selection {
    let mut within = selection.clone();
    for (r, report) in dataset.reports.iter().enumerate() {
        if (first..=last).contains(&report.day) {
            continue;
        }
        within.reports[r] = false;
        for p in report.policies.clone() {
            let policy = &dataset.policies[p as usize];
            within.policies[p as usize] = false;
            within.policy_detail_failed[p as usize] = 0;
            for d in policy.details.clone() {
                within.details[d as usize] = false;
            }
        }
    }
    within
}
