//! Filters, and the rows they select.
//!
//! Report and policy filters (dates, organizations, policy domains and types) keep
//! policies and their details. Detail filters (result types, MX hosts) keep the
//! matching failure details, and the policies that have at least one of them. The
//! text filter keeps rows where any string of the row, its policy or its report
//! contains the text (case-insensitive).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::library::Sym;
use crate::library::{Dataset, day_of_date};

/// What to keep. Empty lists and `None` keep everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// First UTC day (of the reports' start), inclusive.
    pub from: Option<NaiveDate>,
    /// Last UTC day, inclusive.
    pub to: Option<NaiveDate>,
    /// Policy domains; `""` stands for reports that name none.
    pub policy_domains: Vec<String>,
    pub organizations: Vec<String>,
    pub policy_types: Vec<String>,
    pub result_types: Vec<String>,
    /// Receiving MX hostnames of failure details.
    pub mx_hosts: Vec<String>,
    /// Free text matched against every string column.
    pub text: String,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    fn has_detail_filter(&self) -> bool {
        !self.result_types.is_empty() || !self.mx_hosts.is_empty()
    }
}

/// The rows a filter keeps.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Per report: kept when one of its policies is, or when it has no policy at
    /// all (`"policies": []`) and the filter asks nothing of policies or details:
    /// such a report has no sessions, but it is still a report received.
    pub reports: Vec<bool>,
    pub policies: Vec<bool>,
    pub details: Vec<bool>,
    /// Per kept policy: its kept details' failed sessions.
    pub policy_detail_failed: Vec<u64>,
}

impl Selection {
    /// The number of reports kept.
    pub fn report_count(&self) -> usize {
        self.reports.iter().filter(|&&kept| kept).count()
    }
}

/// A set of symbols a column must be in; `None` accepts any.
struct SymSet(Option<Vec<Sym>>);

impl SymSet {
    /// The one rule of every name filter: a value, trimmed, is looked up exactly,
    /// then ignoring ASCII case (a host name written `MX.Example.COM` finds
    /// `mx.example.com`).
    fn new(dataset: &Dataset, values: &[String]) -> SymSet {
        if values.is_empty() {
            return SymSet(None);
        }
        let mut syms = Vec::new();
        for value in values {
            let value = value.trim();
            match dataset.strings.lookup(value) {
                Some(sym) => syms.push(sym),
                None => syms.extend(
                    dataset
                        .strings
                        .iter()
                        .filter(|(_, s)| s.eq_ignore_ascii_case(value))
                        .map(|(sym, _)| sym),
                ),
            }
        }
        SymSet(Some(syms))
    }

    fn contains(&self, sym: Sym) -> bool {
        self.0.as_ref().is_none_or(|set| set.contains(&sym))
    }
}

/// Which strings contain the search text; `None` when there is no text.
fn text_hits(dataset: &Dataset, text: &str) -> Option<Vec<bool>> {
    let needle = text.trim().to_lowercase();
    if needle.is_empty() {
        return None;
    }
    if !needle.is_ascii() {
        return Some(
            dataset
                .strings
                .iter()
                .map(|(_, s)| s.to_lowercase().contains(&needle))
                .collect(),
        );
    }
    // ASCII needle: lowercase each string into one reused buffer and search it with
    // a vectorized finder; no allocation per string.
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut buffer = Vec::new();
    Some(
        dataset
            .strings
            .iter()
            .map(|(_, s)| {
                buffer.clear();
                buffer.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
                finder.find(&buffer).is_some()
            })
            .collect(),
    )
}

/// Selects the rows `filter` keeps.
pub fn select(dataset: &Dataset, filter: &Filter) -> Selection {
    let from = filter.from.map_or(i32::MIN, day_of_date);
    let to = filter.to.map_or(i32::MAX, day_of_date);
    let organizations = SymSet::new(dataset, &filter.organizations);
    let domains = SymSet::new(dataset, &filter.policy_domains);
    let types = SymSet::new(dataset, &filter.policy_types);
    let results = SymSet::new(dataset, &filter.result_types);
    let mx_hosts = SymSet::new(dataset, &filter.mx_hosts);
    let hits = text_hits(dataset, &filter.text);
    let hit = |sym: Sym| hits.as_ref().is_none_or(|h| h[sym.0 as usize]);
    let detail_filtered = filter.has_detail_filter() || hits.is_some();
    let policy_filtered = !filter.policy_domains.is_empty()
        || !filter.policy_types.is_empty()
        || filter.has_detail_filter();

    let mut selection = Selection {
        reports: vec![false; dataset.reports.len()],
        policies: vec![false; dataset.policies.len()],
        details: vec![false; dataset.details.len()],
        policy_detail_failed: vec![0; dataset.policies.len()],
    };
    for (report_index, report) in dataset.reports.iter().enumerate() {
        if report.day < from || report.day > to || !organizations.contains(report.organization) {
            continue;
        }
        let report_hit = hits.is_some() && report.syms().into_iter().any(hit);
        for p in report.policies.clone() {
            let policy = &dataset.policies[p as usize];
            if !domains.contains(policy.policy_domain) || !types.contains(policy.policy_type) {
                continue;
            }
            let policy_hit = report_hit
                || (hits.is_some()
                    && [
                        policy.policy_type,
                        policy.policy_domain,
                        policy.mode,
                        policy.version,
                    ]
                    .into_iter()
                    .any(hit));
            let mut kept_details = 0u64;
            let mut any_detail = false;
            for d in policy.details.clone() {
                let detail = &dataset.details[d as usize];
                let text_ok =
                    policy_hit || detail.syms().into_iter().any(|s| hits.is_none() || hit(s));
                if text_ok
                    && results.contains(detail.result_type)
                    && mx_hosts.contains(detail.receiving_mx_hostname)
                {
                    selection.details[d as usize] = true;
                    // At most the policy's detail sum, which parsing bounds; a
                    // report built in code may go further, and then saturates.
                    kept_details = kept_details.saturating_add(detail.failed_session_count);
                    any_detail = true;
                }
            }
            let kept = if detail_filtered {
                any_detail || (policy_hit && !filter.has_detail_filter())
            } else {
                true
            };
            if kept {
                selection.policies[p as usize] = true;
                selection.policy_detail_failed[p as usize] = kept_details;
            }
        }
        selection.reports[report_index] = if report.policies.is_empty() {
            !policy_filtered && (hits.is_none() || report_hit)
        } else {
            report
                .policies
                .clone()
                .any(|p| selection.policies[p as usize])
        };
    }
    selection
}
