//! Health per policy domain: failure share and a grade.
//!
//! Grades follow the UK NCSC Mail Check thresholds for TLS-RPT: no failures is
//! fine, under 10 % informational, under 50 % a warning, 50 % and more an error.

use std::collections::HashMap;

use serde::Serialize;

use super::filter::Selection;
use super::once::OnceCounter;
use crate::library::Dataset;
use crate::library::Sym;
use crate::report::SessionSum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    /// No session reported.
    NoData,
    /// No failed session.
    Fine,
    /// Under 10 % failed.
    Info,
    /// Under 50 % failed.
    Warning,
    /// 50 % or more failed.
    Error,
}

impl Grade {
    pub fn of(successful: SessionSum, failed: SessionSum) -> Grade {
        let total = successful + failed;
        if total == 0 {
            return Grade::NoData;
        }
        let share = failed as f64 / total as f64;
        if failed == 0 {
            Grade::Fine
        } else if share < 0.10 {
            Grade::Info
        } else if share < 0.50 {
            Grade::Warning
        } else {
            Grade::Error
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Fine => "fine",
            Grade::Info => "info",
            Grade::Warning => "warning",
            Grade::Error => "error",
            Grade::NoData => "no data",
        }
    }
}

/// The health of one policy domain over the selection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainHealth {
    /// Empty for reports that name no policy domain.
    pub policy_domain: String,
    pub reports: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    pub failure_share: Option<f64>,
    pub grade: Grade,
    /// The result type with the most failed sessions in the failure details.
    pub top_result_type: Option<String>,
    pub top_result_type_sessions: SessionSum,
    /// The sending organization that reports the top result type most.
    pub top_result_type_sender: Option<String>,
}

#[derive(Default)]
struct Tally {
    reports: u64,
    successful: SessionSum,
    failed: SessionSum,
    by_result: HashMap<Sym, SessionSum>,
    by_result_sender: HashMap<(Sym, Sym), SessionSum>,
}

/// Health of every policy domain in the selection, worst grade first; a report's
/// sessions under two policy types of one domain are counted once ([`super::once`]).
pub fn health(dataset: &Dataset, selection: &Selection) -> Vec<DomainHealth> {
    let mut tallies: HashMap<Sym, Tally> = HashMap::new();
    let mut once = OnceCounter::default();
    for report in &dataset.reports {
        let selected = || {
            report
                .policies
                .clone()
                .filter(|&p| selection.policies[p as usize])
        };
        for p in selected() {
            let domain = dataset.policies[p as usize].policy_domain;
            let first_of_domain = selected()
                .take_while(|&q| q != p)
                .all(|q| dataset.policies[q as usize].policy_domain != domain);
            if first_of_domain {
                let of_domain =
                    selected().filter(|&q| dataset.policies[q as usize].policy_domain == domain);
                let counted = once.count(dataset, of_domain);
                let tally = tallies.entry(domain).or_default();
                tally.reports += 1;
                tally.successful += counted.successful;
                tally.failed += counted.failed;
            }
        }
    }
    for (p, policy) in dataset.policies.iter().enumerate() {
        if !selection.policies[p] {
            continue;
        }
        let report = dataset.report_of(policy);
        let tally = tallies.entry(policy.policy_domain).or_default();
        for d in policy.details.clone() {
            if !selection.details[d as usize] {
                continue;
            }
            let detail = &dataset.details[d as usize];
            let count = SessionSum::from(detail.failed_session_count);
            *tally.by_result.entry(detail.result_type).or_default() += count;
            *tally
                .by_result_sender
                .entry((detail.result_type, report.organization))
                .or_default() += count;
        }
    }
    let mut rows: Vec<DomainHealth> = tallies
        .into_iter()
        .map(|(domain, tally)| domain_health(dataset, domain, &tally))
        .collect();
    rows.sort_by(|a, b| {
        b.grade
            .cmp(&a.grade)
            .then(b.failed_sessions.cmp(&a.failed_sessions))
            .then(a.policy_domain.cmp(&b.policy_domain))
    });
    rows
}

fn domain_health(dataset: &Dataset, domain: Sym, tally: &Tally) -> DomainHealth {
    let top = max_by_count(tally.by_result.iter().map(|(&s, &n)| (s, n)), dataset);
    let sender = top.and_then(|(result, _)| {
        max_by_count(
            tally
                .by_result_sender
                .iter()
                .filter(|((r, _), _)| *r == result)
                .map(|(&(_, org), &n)| (org, n)),
            dataset,
        )
    });
    let total = tally.successful + tally.failed;
    DomainHealth {
        policy_domain: dataset.text(domain).to_string(),
        reports: tally.reports,
        successful_sessions: tally.successful,
        failed_sessions: tally.failed,
        failure_share: (total > 0).then(|| tally.failed as f64 / total as f64),
        grade: Grade::of(tally.successful, tally.failed),
        top_result_type: top.map(|(s, _)| dataset.text(s).to_string()),
        top_result_type_sessions: top.map_or(0, |(_, n)| n),
        top_result_type_sender: sender.map(|(s, _)| dataset.text(s).to_string()),
    }
}

/// The entry with the highest count; ties go to the alphabetically first name.
fn max_by_count(
    items: impl Iterator<Item = (Sym, SessionSum)>,
    dataset: &Dataset,
) -> Option<(Sym, SessionSum)> {
    items.max_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| dataset.text(b.0).cmp(dataset.text(a.0)))
    })
}
