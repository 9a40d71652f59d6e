//! Incidents: each failure the selected failure details show, as one (policy
//! domain, result type, receiving MX host), with when it was seen, how much and by
//! whom.
//!
//! Sessions are the failure details' "failed-session-count" (the only counts that
//! say which failure it was), so they may differ from the summaries' totals where a
//! report's details disagree with its summary.

use std::cmp::Reverse;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::filter::Selection;
use super::weekly::{last_day, week_start_of};
use crate::library::{Dataset, Sym, date_of_day};
use crate::report::SessionSum;

/// Days in every incident's [`Sparkline`]: four weeks ending on the last day of the
/// selected data.
///
/// One window for every incident lines their sparklines up in a list (the same
/// column is the same day) and bounds their memory whatever the span of the data;
/// four weeks show the current week against the three before.
pub const SPARKLINE_DAYS: usize = 28;

/// Failed sessions per day over the [`SPARKLINE_DAYS`] days that end on the last
/// day of the selected data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sparkline {
    /// The day of `failed_sessions[0]`.
    pub first_day: NaiveDate,
    /// One entry per day. `None` marks a day on which no selected report starts: a
    /// gap, nothing known. `Some(0)`: reports, but none with this failure.
    pub failed_sessions: [Option<SessionSum>; SPARKLINE_DAYS],
}

/// One failure: a result type that senders saw at one receiving MX host of one
/// policy domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Empty for reports that name no policy domain.
    pub policy_domain: String,
    /// "result-type" of the failure details (unknown ones as sent).
    pub result_type: String,
    /// "receiving-mx-hostname"; empty when the details name none (Mail.ru never
    /// does, Microsoft not for policy fetch errors).
    pub receiving_mx_hostname: String,
    /// The first UTC day (of a report's start) with this failure.
    pub first_seen: NaiveDate,
    /// The last UTC day with this failure.
    pub last_seen: NaiveDate,
    /// Sum of the failure details' "failed-session-count".
    pub failed_sessions: SessionSum,
    /// Reports with this failure.
    pub reports: u64,
    /// Sending organizations that reported it, in name order.
    pub senders: Vec<String>,
    /// First seen within the [`super::WEEK_DAYS`] days that end on the last day of
    /// the selected data.
    pub new_this_week: bool,
    /// Its failed sessions per day over the last [`SPARKLINE_DAYS`] days.
    pub sparkline: Sparkline,
}

type Key = (Sym, Sym, Sym);

/// What is gathered of one incident before it is named.
struct Tally {
    first_day: i32,
    last_day: i32,
    failed: SessionSum,
    reports: u64,
    last_report: u32,
    senders: Vec<Sym>,
    /// The length of `senders` when it was last deduplicated.
    distinct_senders: usize,
    days: [SessionSum; SPARKLINE_DAYS],
}

/// The incidents among the selected failure details.
///
/// Order: the latest last seen first (what still fails before what has stopped),
/// then the latest first seen (new before old), then more failed sessions, then
/// policy domain, result type and MX host by name.
pub fn incidents(dataset: &Dataset, selection: &Selection) -> Vec<Incident> {
    let Some(last) = last_day(dataset, selection) else {
        return Vec::new();
    };
    let window = Window::ending(last);
    let (mut tallies, reported) = tally(dataset, selection, &window);
    // Sorted on the day numbers, before they become dates; by index, as a
    // tally with its sparkline is large to move.
    let text = |sym: Sym| dataset.text(sym);
    let mut order: Vec<usize> = (0..tallies.len()).collect();
    order.sort_by(|&a, &b| {
        let ((a_key, a), (b_key, b)) = (&tallies[a], &tallies[b]);
        (Reverse(a.last_day), Reverse(a.first_day), Reverse(a.failed))
            .cmp(&(Reverse(b.last_day), Reverse(b.first_day), Reverse(b.failed)))
            .then_with(|| text(a_key.0).cmp(text(b_key.0)))
            .then_with(|| text(a_key.1).cmp(text(b_key.1)))
            .then_with(|| text(a_key.2).cmp(text(b_key.2)))
    });
    let new_from = week_start_of(last);
    order
        .into_iter()
        .map(|i| {
            let (key, tally) = &mut tallies[i];
            incident(dataset, *key, tally, &window, &reported, new_from)
        })
        .collect()
}

/// The selected failure details by incident, and which days of the window have a
/// selected report.
fn tally(
    dataset: &Dataset,
    selection: &Selection,
    window: &Window,
) -> (Vec<(Key, Tally)>, [bool; SPARKLINE_DAYS]) {
    // The map holds indexes: growing it then moves small entries only.
    let mut index: FxHashMap<Key, u32> = FxHashMap::default();
    let mut tallies: Vec<(Key, Tally)> = Vec::new();
    let mut reported = [false; SPARKLINE_DAYS];
    for (r, report) in dataset.reports.iter().enumerate() {
        if !selection.reports[r] {
            continue;
        }
        let slot = window.slot(report.day);
        if let Some(slot) = slot {
            reported[slot] = true;
        }
        for p in report.policies.clone() {
            let policy = &dataset.policies[p as usize];
            for d in policy.details.clone() {
                if !selection.details[d as usize] {
                    continue;
                }
                let detail = &dataset.details[d as usize];
                let key = (
                    policy.policy_domain,
                    detail.result_type,
                    detail.receiving_mx_hostname,
                );
                let at = *index.entry(key).or_insert_with(|| {
                    tallies.push((key, Tally::new(report.day)));
                    tallies.len() as u32 - 1
                });
                let tally = &mut tallies[at as usize].1;
                tally.see_report(r as u32, report.day, report.organization);
                let count = SessionSum::from(detail.failed_session_count);
                tally.failed += count;
                if let Some(slot) = slot {
                    tally.days[slot] += count;
                }
            }
        }
    }
    (tallies, reported)
}

impl Tally {
    fn new(day: i32) -> Tally {
        Tally {
            first_day: day,
            last_day: day,
            failed: 0,
            reports: 0,
            last_report: u32::MAX,
            senders: Vec::new(),
            distinct_senders: 0,
            days: [0; SPARKLINE_DAYS],
        }
    }

    /// Counts report `r` once: a report's details are contiguous.
    fn see_report(&mut self, r: u32, day: i32, organization: Sym) {
        if self.last_report == r {
            return;
        }
        self.last_report = r;
        self.reports += 1;
        self.first_day = self.first_day.min(day);
        self.last_day = self.last_day.max(day);
        // Reports of one sender often follow each other; the rest is deduplicated
        // whenever the list has doubled since, and when the incident is named,
        // so that it stays as short as the senders are few.
        if self.senders.last() != Some(&organization) {
            self.senders.push(organization);
            if self.senders.len() >= 2 * self.distinct_senders.max(8) {
                self.senders.sort_unstable();
                self.senders.dedup();
                self.distinct_senders = self.senders.len();
            }
        }
    }
}

/// The days of the sparklines.
struct Window {
    first: i32,
}

impl Window {
    fn ending(last: i32) -> Window {
        Window {
            first: last.saturating_sub(SPARKLINE_DAYS as i32 - 1),
        }
    }

    /// The index of `day` in the window, if it is in it.
    fn slot(&self, day: i32) -> Option<usize> {
        let offset = i64::from(day) - i64::from(self.first);
        usize::try_from(offset)
            .ok()
            .filter(|&slot| slot < SPARKLINE_DAYS)
    }
}

fn incident(
    dataset: &Dataset,
    (domain, result_type, mx_host): Key,
    tally: &mut Tally,
    window: &Window,
    reported: &[bool; SPARKLINE_DAYS],
    new_from: i32,
) -> Incident {
    tally.senders.sort_unstable();
    tally.senders.dedup();
    let mut senders: Vec<String> = tally
        .senders
        .iter()
        .map(|&s| dataset.text(s).to_string())
        .collect();
    senders.sort();
    let mut failed_sessions = [None; SPARKLINE_DAYS];
    for (slot, day) in failed_sessions.iter_mut().enumerate() {
        *day = reported[slot].then_some(tally.days[slot]);
    }
    Incident {
        policy_domain: dataset.text(domain).to_string(),
        result_type: dataset.text(result_type).to_string(),
        receiving_mx_hostname: dataset.text(mx_host).to_string(),
        first_seen: date_of_day(tally.first_day),
        last_seen: date_of_day(tally.last_day),
        failed_sessions: tally.failed,
        reports: tally.reports,
        senders,
        new_this_week: tally.first_day >= new_from,
        sparkline: Sparkline {
            first_day: date_of_day(window.first),
            failed_sessions,
        },
    }
}
