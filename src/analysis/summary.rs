//! The headless summary: totals and the four standard breakdowns.
//!
//! Its JSON form is a stable contract (README, "Summary JSON"). Session totals come
//! from each policy's summary; `by_result_type` sums the failure details; a report's
//! sessions belong to the UTC day of its start-datetime.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ingest::ReportStore;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Unique reports.
    pub reports: u64,
    /// Copies of already loaded reports that were dropped.
    pub duplicates: u64,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
    pub problems: Vec<SourceProblem>,
    pub skipped: Vec<SourceSkipped>,
    pub by_result_type: Vec<ResultTypeRow>,
    pub by_organization: Vec<OrganizationRow>,
    pub by_policy: Vec<PolicyRow>,
    pub by_day: Vec<DayRow>,
    /// Dropped copies whose content differs from the kept copy.
    #[serde(default)]
    pub conflicts: Vec<ConflictRow>,
    /// Policies whose failure details do not add up to their summary's failures.
    #[serde(default)]
    pub detail_mismatches: Vec<MismatchRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProblem {
    pub source: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSkipped {
    pub source: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultTypeRow {
    pub result_type: String,
    pub failed_sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRow {
    pub organization: String,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub policy_type: String,
    pub policy_domain: Option<String>,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictRow {
    pub organization: String,
    pub report_id: String,
    pub kept: String,
    pub dropped: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MismatchRow {
    pub source: String,
    pub report_id: String,
    pub policy_domain: Option<String>,
    pub summary_failed_sessions: u64,
    pub detail_failed_sessions: u64,
}

/// Successful and failed session counts.
#[derive(Debug, Clone, Copy, Default)]
struct Sessions {
    successful: u64,
    failed: u64,
}

impl Sessions {
    fn add(&mut self, successful: u64, failed: u64) {
        self.successful += successful;
        self.failed += failed;
    }
}

impl Summary {
    /// Summarizes everything in `store`.
    pub fn of(store: &ReportStore) -> Summary {
        let mut summary = Summary {
            duplicates: store.duplicates(),
            problems: store
                .problems()
                .map(|p| SourceProblem {
                    source: p.source.to_string(),
                    error: p.error.to_string(),
                })
                .collect(),
            skipped: store
                .skipped()
                .map(|s| SourceSkipped {
                    source: s.source.to_string(),
                    reason: s.reason.to_string(),
                })
                .collect(),
            conflicts: store
                .conflicts()
                .iter()
                .map(|c| ConflictRow {
                    organization: c.organization_name.to_string(),
                    report_id: c.report_id.to_string(),
                    kept: c.kept.to_string(),
                    dropped: c.dropped.to_string(),
                })
                .collect(),
            ..Summary::default()
        };
        let mut by_result_type: BTreeMap<&str, u64> = BTreeMap::new();
        let mut by_organization: BTreeMap<&str, Sessions> = BTreeMap::new();
        let mut by_policy: BTreeMap<(&str, Option<&str>), Sessions> = BTreeMap::new();
        let mut by_day: BTreeMap<chrono::NaiveDate, Sessions> = BTreeMap::new();
        for loaded in store.reports() {
            let report = &loaded.report;
            summary.reports += 1;
            let day = report.date_range.day();
            for policy in &report.policies {
                let ok = policy.summary.total_successful_session_count;
                let failed = policy.summary.total_failure_session_count;
                summary.successful_sessions += ok;
                summary.failed_sessions += failed;
                by_organization
                    .entry(&report.organization_name)
                    .or_default()
                    .add(ok, failed);
                let key = (
                    policy.policy.policy_type.as_str(),
                    policy.policy.policy_domain.as_deref(),
                );
                by_policy.entry(key).or_default().add(ok, failed);
                by_day.entry(day).or_default().add(ok, failed);
                for detail in &policy.failure_details {
                    *by_result_type
                        .entry(detail.result_type.as_str())
                        .or_default() += detail.failed_session_count;
                }
                if policy.details_disagree() {
                    summary.detail_mismatches.push(MismatchRow {
                        source: loaded.source.to_string(),
                        report_id: report.report_id.to_string(),
                        policy_domain: policy.policy.policy_domain.as_deref().map(String::from),
                        summary_failed_sessions: failed,
                        detail_failed_sessions: policy.detail_failure_count(),
                    });
                }
            }
        }
        summary.by_result_type = by_result_type
            .into_iter()
            .map(|(result_type, failed_sessions)| ResultTypeRow {
                result_type: result_type.to_string(),
                failed_sessions,
            })
            .collect();
        summary.by_organization = by_organization
            .into_iter()
            .map(|(organization, s)| OrganizationRow {
                organization: organization.to_string(),
                successful_sessions: s.successful,
                failed_sessions: s.failed,
            })
            .collect();
        summary.by_policy = by_policy
            .into_iter()
            .map(|((policy_type, policy_domain), s)| PolicyRow {
                policy_type: policy_type.to_string(),
                policy_domain: policy_domain.map(String::from),
                successful_sessions: s.successful,
                failed_sessions: s.failed,
            })
            .collect();
        summary.by_day = by_day
            .into_iter()
            .map(|(day, s)| DayRow {
                day: day.format("%Y-%m-%d").to_string(),
                successful_sessions: s.successful,
                failed_sessions: s.failed,
            })
            .collect();
        summary
    }
}
