//! The true totals of a generated corpus, in the summary's JSON shape.

use std::collections::BTreeMap;

use super::model::GenReport;
use crate::analysis::{
    ConflictRow, DayRow, MismatchRow, OrganizationRow, PolicySummaryRow, ResultTypeRow,
    SourceProblem, SourceSkipped, Summary,
};

#[derive(Debug, Default)]
pub struct Expected {
    summary: Summary,
    by_result_type: BTreeMap<String, u64>,
    by_organization: BTreeMap<String, (u64, u64)>,
    by_policy: BTreeMap<(String, Option<String>), (u64, u64)>,
    by_day: BTreeMap<String, (u64, u64)>,
}

impl Expected {
    /// Counts a unique report.
    pub fn report(&mut self, report: &GenReport) {
        let s = &mut self.summary;
        s.reports += 1;
        let org = report.producer.organization().to_string();
        let day = report.day.format("%Y-%m-%d").to_string();
        for policy in &report.policies {
            let (ok, failed) = (policy.successful, policy.failed);
            s.successful_sessions += ok;
            s.failed_sessions += failed;
            add(
                self.by_organization.entry(org.clone()).or_default(),
                ok,
                failed,
            );
            let key = (policy.policy_type.to_string(), policy.policy_domain.clone());
            add(self.by_policy.entry(key).or_default(), ok, failed);
            add(self.by_day.entry(day.clone()).or_default(), ok, failed);
            let mut detail_sum = 0;
            for detail in &policy.details {
                *self
                    .by_result_type
                    .entry(detail.result_type.to_string())
                    .or_default() += detail.count;
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
            .map(|(organization, (ok, failed))| OrganizationRow {
                organization,
                successful_sessions: ok,
                failed_sessions: failed,
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
            .map(|(day, (ok, failed))| DayRow {
                day,
                successful_sessions: ok,
                failed_sessions: failed,
            })
            .collect();
        s.conflicts
            .sort_by(|a, b| (&a.organization, &a.report_id).cmp(&(&b.organization, &b.report_id)));
        self.summary
    }
}

fn add(entry: &mut (u64, u64), ok: u64, failed: u64) {
    entry.0 += ok;
    entry.1 += failed;
}
