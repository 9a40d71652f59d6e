//! The true totals of a generated corpus, in the summary's JSON shape.

use std::collections::BTreeMap;

use super::model::GenReport;
use tlsrpt_analyzer::analysis::{
    ConflictRow, DayRow, MismatchRow, OrganizationRow, PolicySummaryRow, ResultTypeRow,
    SourceProblem, SourceSkipped, Summary,
};

#[derive(Debug, Default)]
pub struct Expected {
    summary: Summary,
    by_result_type: BTreeMap<String, u128>,
    by_organization: BTreeMap<String, Totals>,
    by_policy: BTreeMap<(String, Option<String>), (u128, u128)>,
    by_day: BTreeMap<String, Totals>,
}

/// Sessions as summed over policies, and counted once.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    successful: u128,
    failed: u128,
    distinct_successful: u128,
    distinct_failed: u128,
}

impl Totals {
    fn add(&mut self, sums: (u128, u128), once: (u128, u128)) {
        self.successful += sums.0;
        self.failed += sums.1;
        self.distinct_successful += once.0;
        self.distinct_failed += once.1;
    }
}

/// A report's sessions counted once: per policy domain, the policy type with the
/// most sessions (the first such type on a tie); several policies of one type add,
/// and so do policies without a domain.
fn counted_once(report: &GenReport) -> (u128, u128) {
    let mut types: Vec<(Option<&str>, &str, u128, u128)> = Vec::new();
    for p in &report.policies {
        let key = (p.policy_domain.as_deref(), p.policy_type);
        match types.iter_mut().find(|t| (t.0, t.1) == key) {
            Some(t) => {
                t.2 += u128::from(p.successful);
                t.3 += u128::from(p.failed);
            }
            None => types.push((key.0, key.1, u128::from(p.successful), u128::from(p.failed))),
        }
    }
    let mut domains: Vec<(Option<&str>, u128, u128)> = Vec::new();
    for (domain, _, ok, failed) in types {
        match domains.iter_mut().find(|d| d.0.is_some() && d.0 == domain) {
            Some(d) if ok + failed > d.1 + d.2 => *d = (domain, ok, failed),
            Some(_) => {}
            None => domains.push((domain, ok, failed)),
        }
    }
    domains
        .iter()
        .fold((0, 0), |(ok, failed), d| (ok + d.1, failed + d.2))
}

impl Expected {
    /// Counts a unique report.
    pub fn report(&mut self, report: &GenReport) {
        let s = &mut self.summary;
        s.reports += 1;
        let org = report.producer.organization().to_string();
        let day = report.day.format("%Y-%m-%d").to_string();
        let once = counted_once(report);
        let sums = report.policies.iter().fold((0, 0), |(ok, failed), p| {
            (ok + u128::from(p.successful), failed + u128::from(p.failed))
        });
        s.distinct_successful_sessions += once.0;
        s.distinct_failed_sessions += once.1;
        if !report.policies.is_empty() {
            self.by_organization.entry(org).or_default().add(sums, once);
            self.by_day.entry(day).or_default().add(sums, once);
        }
        for policy in &report.policies {
            let (ok, failed) = (policy.successful, policy.failed);
            s.successful_sessions += u128::from(ok);
            s.failed_sessions += u128::from(failed);
            let key = (policy.policy_type.to_string(), policy.policy_domain.clone());
            add(self.by_policy.entry(key).or_default(), ok, failed);
            let mut detail_sum = 0;
            for detail in &policy.details {
                *self
                    .by_result_type
                    .entry(detail.result_type.to_string())
                    .or_default() += u128::from(detail.count);
                detail_sum += detail.count;
            }
            if detail_sum != failed {
                s.detail_mismatches.push(MismatchRow {
                    source: String::new(),
                    report_id: report.report_id.clone(),
                    policy_domain: policy.policy_domain.clone(),
                    summary_failed_sessions: failed,
                    detail_failed_sessions: detail_sum,
                });
            }
        }
    }

    /// Counts an identical second copy.
    pub fn duplicate(&mut self) {
        self.summary.duplicates += 1;
    }

    /// Counts a second copy with other content, read after the kept one.
    pub fn conflict(&mut self, report: &GenReport, dropped: &str) {
        self.summary.duplicates += 1;
        self.summary.conflicts.push(ConflictRow {
            organization: report.producer.organization().to_string(),
            report_id: report.report_id.clone(),
            kept: String::new(),
            dropped: dropped.to_string(),
        });
    }

    pub fn problem(&mut self, source: &str, error: &str) {
        self.summary.problems.push(SourceProblem {
            source: source.to_string(),
            error: error.to_string(),
        });
    }

    pub fn skipped(&mut self, source: &str, reason: &str) {
        self.summary.skipped.push(SourceSkipped {
            source: source.to_string(),
            reason: reason.to_string(),
        });
    }

    pub fn finish(mut self) -> Summary {
        let s = &mut self.summary;
        s.by_result_type = self
            .by_result_type
            .into_iter()
            .map(|(result_type, failed_sessions)| ResultTypeRow {
                result_type,
                failed_sessions,
            })
            .collect();
        s.by_organization = self
            .by_organization
            .into_iter()
            .map(|(organization, t)| OrganizationRow {
                organization,
                successful_sessions: t.successful,
                failed_sessions: t.failed,
                distinct_successful_sessions: t.distinct_successful,
                distinct_failed_sessions: t.distinct_failed,
            })
            .collect();
        s.by_policy = self
            .by_policy
            .into_iter()
            .map(
                |((policy_type, policy_domain), (ok, failed))| PolicySummaryRow {
                    policy_type,
                    policy_domain,
                    successful_sessions: ok,
                    failed_sessions: failed,
                },
            )
            .collect();
        s.by_day = self
            .by_day
            .into_iter()
            .map(|(day, t)| DayRow {
                day,
                successful_sessions: t.successful,
                failed_sessions: t.failed,
                distinct_successful_sessions: t.distinct_successful,
                distinct_failed_sessions: t.distinct_failed,
            })
            .collect();
        s.conflicts
            .sort_by(|a, b| (&a.organization, &a.report_id).cmp(&(&b.organization, &b.report_id)));
        self.summary
    }
}

fn add(entry: &mut (u128, u128), ok: u64, failed: u64) {
    entry.0 += u128::from(ok);
    entry.1 += u128::from(failed);
}
