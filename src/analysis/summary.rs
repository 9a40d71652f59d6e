//! The headless summary: totals and the four standard breakdowns.
//!
//! Its JSON form is a stable contract (README, "Summary JSON"). Session totals come
//! from each policy's summary; `by_result_type` sums the failure details; a report's
//! sessions belong to the UTC day of its start-datetime.

use serde::{Deserialize, Serialize};

use super::dimension::Dimension;
use super::filter::{Filter, Selection, select};
use super::group::group_by;
use crate::library::{Dataset, Loaded};
use crate::report::SessionSum;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Unique reports.
    pub reports: u64,
    /// Copies of already loaded reports that were dropped.
    pub duplicates: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    /// The sessions with those a report counts under two policy types of one
    /// domain counted once (README, "Sessions counted once").
    #[serde(default)]
    pub distinct_successful_sessions: SessionSum,
    #[serde(default)]
    pub distinct_failed_sessions: SessionSum,
    pub problems: Vec<SourceProblem>,
    pub skipped: Vec<SourceSkipped>,
    pub by_result_type: Vec<ResultTypeRow>,
    pub by_organization: Vec<OrganizationRow>,
    pub by_policy: Vec<PolicySummaryRow>,
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
    pub failed_sessions: SessionSum,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRow {
    pub organization: String,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    #[serde(default)]
    pub distinct_successful_sessions: SessionSum,
    #[serde(default)]
    pub distinct_failed_sessions: SessionSum,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummaryRow {
    pub policy_type: String,
    pub policy_domain: Option<String>,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    #[serde(default)]
    pub distinct_successful_sessions: SessionSum,
    #[serde(default)]
    pub distinct_failed_sessions: SessionSum,
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

impl Summary {
    /// Summarizes everything loaded.
    pub fn of(loaded: &Loaded) -> Summary {
        Summary::filtered(loaded, &Filter::default())
    }

    /// Summarizes what `filter` keeps; problems, skipped inputs, duplicates and
    /// conflicts are those of the whole loaded set, unfiltered.
    pub fn filtered(loaded: &Loaded, filter: &Filter) -> Summary {
        let (store, dataset) = (loaded, loaded.dataset());
        let selection = select(dataset, filter);
        let table = |dimension| group_by(dataset, &selection, &[dimension]);
        // Every grouped table carries the totals of the selection.
        let by_organization = table(Dimension::Organization);
        let total = by_organization.total;
        Summary {
            // Also the reports without any policy, which no grouped table has.
            reports: selection.report_count() as u64,
            duplicates: store.duplicates(),
            successful_sessions: total.successful_sessions,
            failed_sessions: total.failed_sessions,
            distinct_successful_sessions: total.distinct_successful_sessions,
            distinct_failed_sessions: total.distinct_failed_sessions,
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
            by_result_type: table(Dimension::ResultType)
                .rows
                .into_iter()
                .map(|row| ResultTypeRow {
                    result_type: row.first_label(),
                    failed_sessions: row.measures.detail_failed_sessions,
                })
                .collect(),
            by_organization: by_organization
                .rows
                .into_iter()
                .map(|row| OrganizationRow {
                    organization: row.first_label(),
                    successful_sessions: row.measures.successful_sessions,
                    failed_sessions: row.measures.failed_sessions,
                    distinct_successful_sessions: row.measures.distinct_successful_sessions,
                    distinct_failed_sessions: row.measures.distinct_failed_sessions,
                })
                .collect(),
            by_policy: table(Dimension::Policy)
                .rows
                .into_iter()
                .map(|row| PolicySummaryRow {
                    policy_type: row.first_label(),
                    policy_domain: row.labels.get(1).filter(|d| !d.is_empty()).cloned(),
                    successful_sessions: row.measures.successful_sessions,
                    failed_sessions: row.measures.failed_sessions,
                })
                .collect(),
            by_day: table(Dimension::Day)
                .rows
                .into_iter()
                .map(|row| DayRow {
                    day: row.first_label(),
                    successful_sessions: row.measures.successful_sessions,
                    failed_sessions: row.measures.failed_sessions,
                    distinct_successful_sessions: row.measures.distinct_successful_sessions,
                    distinct_failed_sessions: row.measures.distinct_failed_sessions,
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
            detail_mismatches: mismatches(loaded, &selection),
        }
    }
}

/// Selected policies whose failure details do not add up to their summary.
fn mismatches(loaded: &Loaded, selection: &Selection) -> Vec<MismatchRow> {
    let dataset: &Dataset = loaded.dataset();
    dataset
        .policies
        .iter()
        .enumerate()
        .filter(|(p, policy)| selection.policies[*p] && policy.failed != policy.detail_failed)
        .map(|(_, policy)| {
            let report = dataset.report_of(policy);
            let source = loaded.source_of(report);
            MismatchRow {
                source,
                report_id: dataset.text(report.report_id).to_string(),
                policy_domain: Some(dataset.text(policy.policy_domain))
                    .filter(|d| !d.is_empty())
                    .map(String::from),
                summary_failed_sessions: policy.failed,
                detail_failed_sessions: policy.detail_failed,
            }
        })
        .collect()
}
