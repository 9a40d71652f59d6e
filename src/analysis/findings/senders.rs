//! Senders that reported daily, then sent nothing for [`SILENT_DAYS`] days or more
//! before the last day of the data: their reports may be lost on the way (a full
//! mailbox, a filter, a changed `rua` address), or they stopped sending mail.

use rustc_hash::FxHashMap;

use super::facts::names;
use super::{
    DAILY_MIN_DAYS, DAILY_WINDOW_DAYS, Evidence, FindingKind, Found, SILENT_DAYS, Severity,
    SilenceEvidence, Subject,
};
use crate::analysis::filter::Selection;
use crate::library::{Dataset, Sym, date_of_day};

/// A sender found silent, before its domains are gathered.
struct Silent {
    /// The first day of the days its daily reporting is judged on.
    from: i32,
    /// The day of its last report, the last of those days.
    last_report: i32,
    reported_days: u32,
    domains: Vec<Sym>,
}

/// A sender's silence, if its report days (in any order) make it silent by `last`.
fn silence(mut days: Vec<i32>, last: i32) -> Option<Silent> {
    days.sort_unstable();
    days.dedup();
    let &last_report = days.last()?;
    if i64::from(last) - i64::from(last_report) < i64::from(SILENT_DAYS) {
        return None;
    }
    let from = last_report.saturating_sub(DAILY_WINDOW_DAYS - 1);
    let reported_days = days.iter().rev().take_while(|&&d| d >= from).count() as u32;
    (reported_days >= DAILY_MIN_DAYS).then_some(Silent {
        from,
        last_report,
        reported_days,
        domains: Vec::new(),
    })
}

pub(super) fn silent(dataset: &Dataset, selection: &Selection, last: i32) -> Vec<Found> {
    let mut days: FxHashMap<Sym, Vec<i32>> = FxHashMap::default();
    for (report, _) in dataset
        .reports
        .iter()
        .zip(&selection.reports)
        .filter(|(_, kept)| **kept)
    {
        let list = days.entry(report.organization).or_default();
        if list.last() != Some(&report.day) {
            list.push(report.day);
        }
    }
    let mut silent: FxHashMap<Sym, Silent> = days
        .into_iter()
        .filter_map(|(organization, days)| Some((organization, silence(days, last)?)))
        .collect();
    if silent.is_empty() {
        return Vec::new();
    }
    for (policy, _) in dataset
        .policies
        .iter()
        .zip(&selection.policies)
        .filter(|(_, kept)| **kept)
    {
        let report = dataset.report_of(policy);
        if let Some(s) = silent.get_mut(&report.organization)
            && report.day >= s.from
            && policy.policy_domain != Sym::NONE
        {
            s.domains.push(policy.policy_domain);
        }
    }
    silent
        .into_iter()
        .map(|(organization, s)| Found {
            kind: FindingKind::SenderSilent,
            severity: Severity::Warning,
            subject: Subject {
                policy_domain: None,
                organization: Some(dataset.text(organization).to_string()),
                evidence: Evidence::Silent(SilenceEvidence {
                    last_report: date_of_day(s.last_report),
                    silent_days: i64::from(last) - i64::from(s.last_report),
                    reported_days: s.reported_days,
                    policy_domains: names(dataset, s.domains.into_iter()),
                }),
            },
        })
        .collect()
}
