//! The rules on the policies senders applied: a domain's current MTA-STS mode
//! (`testing`, `none`), "no-policy-found", and old versions applied after a change.

use rustc_hash::FxHashMap;

use super::facts::{Facts, Span, Version, current, names};
use super::versions::VersionId;
use super::{
    CLEAN_DAYS_BEFORE_ENFORCE, Evidence, FindingKind, Found, NoPolicyEvidence, OldPolicyEvidence,
    POLICY_CHANGE_GRACE_DAYS, Severity, Subject, TOP_RESULT_TYPES, TestingEvidence,
};
use crate::analysis::filter::Selection;
use crate::analysis::summary::ResultTypeRow;
use crate::library::{Dataset, Sym, date_of_day};
use crate::report::{PolicyType, SessionSum, StsMode};

pub(super) fn findings(dataset: &Dataset, selection: &Selection, last: i32) -> Vec<Found> {
    let facts = Facts::gather(dataset, selection, last);
    let mut found = Vec::new();
    for (policy, versions) in facts.versions_by_policy() {
        let Some(current) = current(&versions) else {
            continue;
        };
        if Some(policy.1) == facts.sts_type {
            found.extend(mode_rules(dataset, &facts, policy, current, last));
        }
        found.extend(old_policies(
            dataset, &facts, policy, &versions, current, last,
        ));
    }
    found.extend(no_policy_found(dataset, selection, &facts));
    found
}

/// `testing` and `none` of a domain's current MTA-STS policy.
fn mode_rules(
    dataset: &Dataset,
    facts: &Facts,
    (domain, policy_type): (Sym, Sym),
    current: &Version,
    last: i32,
) -> Option<Found> {
    let mode = facts.mode(dataset, current);
    let policy = facts.applied(dataset, policy_type, current);
    let found = |kind, severity, evidence| Found {
        kind,
        severity,
        subject: Subject {
            policy_domain: Some(dataset.text(domain).to_string()),
            organization: None,
            evidence,
        },
    };
    if mode == StsMode::None.as_str() {
        return Some(found(
            FindingKind::ModeNone,
            Severity::Warning,
            Evidence::ModeNone(policy),
        ));
    }
    if mode != StsMode::Testing.as_str() {
        return None;
    }
    let tally = facts.sts.get(&domain)?;
    if tally.recent.reports == 0 {
        // Nothing reported lately: neither failures nor a clean record to go by.
        return None;
    }
    let clean_days = match tally.last_failure {
        Some(day) => i64::from(last) - i64::from(day),
        None => i64::from(last) - i64::from(tally.first) + 1,
    };
    let failing = tally
        .last_failure
        .is_some_and(|day| day >= facts.recent_from);
    let (kind, severity) = if failing {
        (FindingKind::TestingWithFailures, Severity::Warning)
    } else if clean_days >= i64::from(CLEAN_DAYS_BEFORE_ENFORCE) {
        (FindingKind::TestingReadyForEnforce, Severity::Info)
    } else {
        return None;
    };
    let evidence = TestingEvidence {
        policy,
        since: date_of_day(facts.recent_from),
        reports: tally.recent.reports,
        successful_sessions: tally.successful,
        failed_sessions: tally.failed,
        top_result_types: top_result_types(dataset, &tally.by_result),
        last_failure: tally.last_failure.map(date_of_day),
        clean_days,
    };
    Some(found(kind, severity, Evidence::Testing(evidence)))
}

/// The result types with the most failed sessions, ties by name.
fn top_result_types(
    dataset: &Dataset,
    by_result: &FxHashMap<Sym, SessionSum>,
) -> Vec<ResultTypeRow> {
    let mut rows: Vec<ResultTypeRow> = by_result
        .iter()
        .map(|(&result_type, &failed_sessions)| ResultTypeRow {
            result_type: dataset.text(result_type).to_string(),
            failed_sessions,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.failed_sessions
            .cmp(&a.failed_sessions)
            .then_with(|| a.result_type.cmp(&b.result_type))
    });
    rows.truncate(TOP_RESULT_TYPES);
    rows
}

/// Senders that applied an older version more than [`POLICY_CHANGE_GRACE_DAYS`]
/// after the current one was first seen: per sender, the old version it applied
/// last.
fn old_policies(
    dataset: &Dataset,
    facts: &Facts,
    (domain, policy_type): (Sym, Sym),
    versions: &[Version],
    current: &Version,
    last: i32,
) -> Vec<Found> {
    let changed_on = current.span.first;
    let mut stale: FxHashMap<Sym, (VersionId, Span)> = FxHashMap::default();
    for old in versions.iter().filter(|v| v.span.first < changed_on) {
        for &organization in &old.senders {
            let Some(&span) = facts.uses.get(&(domain, policy_type, old.id, organization)) else {
                continue;
            };
            if i64::from(span.last) <= i64::from(changed_on) + i64::from(POLICY_CHANGE_GRACE_DAYS) {
                continue;
            }
            let entry = stale.entry(organization).or_insert((old.id, span));
            if span.last > entry.1.last {
                *entry = (old.id, span);
            }
        }
    }
    let mut found: Vec<Found> = stale
        .into_iter()
        .map(|(organization, old)| {
            let subject = (domain, policy_type, organization);
            old_policy_found(dataset, facts, subject, old, current, last)
        })
        .collect();
    found.sort_by(|a, b| a.subject.organization.cmp(&b.subject.organization));
    found
}

/// A sender that applied version `old` until `old_span.last`, after `current`
/// appeared; a warning unless it applied `current` since.
fn old_policy_found(
    dataset: &Dataset,
    facts: &Facts,
    (domain, policy_type, organization): (Sym, Sym, Sym),
    (old, old_span): (VersionId, Span),
    current: &Version,
    last: i32,
) -> Found {
    let picked_up = facts
        .uses
        .get(&(domain, policy_type, current.id, organization))
        .filter(|new| new.last >= old_span.last);
    let evidence = OldPolicyEvidence {
        policy_type: dataset.text(policy_type).to_string(),
        old_version: facts.text(dataset, old).to_string(),
        new_version: facts.text(dataset, current.id).to_string(),
        changed_on: date_of_day(current.span.first),
        old_last_applied: date_of_day(old_span.last),
        picked_up_on: picked_up.map(|new| date_of_day(new.first)),
        days_since_change: i64::from(last) - i64::from(current.span.first),
    };
    Found {
        kind: FindingKind::OldPolicyApplied,
        severity: match picked_up {
            Some(_) => Severity::Info,
            None => Severity::Warning,
        },
        subject: Subject {
            policy_domain: Some(dataset.text(domain).to_string()),
            organization: Some(dataset.text(organization).to_string()),
            evidence: Evidence::OldPolicy(evidence),
        },
    }
}

/// Domains with "no-policy-found" reports: a warning when senders missed an MTA-STS
/// policy others applied (counted from the day one was first applied), else a note
/// that senders find none.
fn no_policy_found(dataset: &Dataset, selection: &Selection, facts: &Facts) -> Vec<Found> {
    let Some(no_policy) = dataset.strings.lookup(PolicyType::NoPolicyFound.as_str()) else {
        return Vec::new();
    };
    let mut tallies: FxHashMap<Sym, NoPolicyTally> = FxHashMap::default();
    for (p, policy) in dataset.policies.iter().enumerate() {
        if !selection.policies[p]
            || policy.policy_type != no_policy
            // Without a domain (Postfix) the report cannot be placed.
            || policy.policy_domain == Sym::NONE
        {
            continue;
        }
        let report = dataset.report_of(policy);
        let sts_first = facts.sts.get(&policy.policy_domain).map(|t| t.first);
        if sts_first.is_some_and(|first| report.day < first) {
            continue;
        }
        let tally = tallies
            .entry(policy.policy_domain)
            .or_insert_with(|| NoPolicyTally {
                span: Span::new(report.day),
                successful: 0,
                failed: 0,
                senders: Vec::new(),
            });
        tally.span.see(policy.report, report.day);
        tally.successful += SessionSum::from(policy.successful);
        tally.failed += SessionSum::from(policy.failed);
        if tally.senders.last() != Some(&report.organization) {
            tally.senders.push(report.organization);
        }
    }
    tallies
        .into_iter()
        .map(|(domain, tally)| {
            let sts_first = facts.sts.get(&domain).map(|t| t.first);
            Found {
                kind: FindingKind::NoPolicyFound,
                severity: if sts_first.is_some() {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                subject: Subject {
                    policy_domain: Some(dataset.text(domain).to_string()),
                    organization: None,
                    evidence: Evidence::NoPolicyFound(NoPolicyEvidence {
                        reports: tally.span.reports,
                        successful_sessions: tally.successful,
                        failed_sessions: tally.failed,
                        first_day: date_of_day(tally.span.first),
                        last_day: date_of_day(tally.span.last),
                        senders: names(dataset, tally.senders.into_iter()),
                        sts_first_seen: sts_first.map(date_of_day),
                    }),
                },
            }
        })
        .collect()
}

/// A domain's "no-policy-found" policies.
struct NoPolicyTally {
    span: Span,
    successful: SessionSum,
    failed: SessionSum,
    senders: Vec<Sym>,
}
