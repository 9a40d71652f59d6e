//! The one-line message of a finding, and short names for policy versions.

use std::collections::BTreeMap;

use super::versions::{decode, tlsa_text};
use super::{
    CLEAN_DAYS_BEFORE_ENFORCE, Evidence, Finding, FindingKind, SILENT_DAYS, Severity, Subject,
};
use crate::report::{DecodedPolicy, SessionSum};

/// Names a grouped message lists before "and N more": enough to recognize the
/// subjects, few enough for one line.
const NAMES_IN_MESSAGE: usize = 3;

/// The longest piece of a policy string a message quotes, in characters.
const QUOTED_CHARS: usize = 40;

pub(super) fn line(finding: &Finding) -> String {
    match finding.subjects.as_slice() {
        [one] => single(finding.kind, finding.severity, one),
        many => grouped(finding.kind, finding.severity, many),
    }
}

/// The message of a finding with one subject, with its numbers.
fn single(kind: FindingKind, severity: Severity, subject: &Subject) -> String {
    let domain = subject.policy_domain.as_deref().unwrap_or("");
    let organization = subject.organization.as_deref().unwrap_or("");
    match &subject.evidence {
        Evidence::Testing(t) if kind == FindingKind::TestingWithFailures => format!(
            "{domain}: MTA-STS in testing with failures in the last {CLEAN_DAYS_BEFORE_ENFORCE} days{}; fix them before switching to enforce",
            causes(t.top_result_types.iter().map(|r| r.result_type.as_str()))
        ),
        Evidence::Testing(t) => format!(
            "{domain}: MTA-STS in testing without a failure for {} days; ready to switch to enforce",
            t.clean_days
        ),
        Evidence::ModeNone(_) => {
            format!("{domain}: the MTA-STS policy is in mode none; senders apply no protection")
        }
        Evidence::NoPolicyFound(n) if severity == Severity::Warning => format!(
            "{domain}: {} found no policy on days others applied the domain's MTA-STS policy; check the _mta-sts TXT record and DNS",
            listed(&n.senders)
        ),
        Evidence::NoPolicyFound(n) => {
            format!("{domain}: {} found no MTA-STS policy", listed(&n.senders))
        }
        Evidence::Silent(s) => format!(
            "{organization} reported daily until {} and has sent nothing for {} days",
            s.last_report, s.silent_days
        ),
        Evidence::OldPolicy(o) => {
            let (old, new) = change_labels(&o.policy_type, &o.old_version, &o.new_version);
            match o.picked_up_on {
                None => format!(
                    "{organization} still applies the old {} policy of {domain} {} days after the change ({old} → {new})",
                    o.policy_type, o.days_since_change
                ),
                Some(_) => format!(
                    "{organization} applied the old {} policy of {domain} until {}, {} days after the change ({old} → {new})",
                    o.policy_type,
                    o.old_last_applied,
                    (o.old_last_applied - o.changed_on).num_days()
                ),
            }
        }
    }
}

/// The message of a finding with several subjects: how many, and the first names.
fn grouped(kind: FindingKind, severity: Severity, subjects: &[Subject]) -> String {
    let n = subjects.len();
    let domains = || listed_names(subjects.iter().filter_map(|s| s.policy_domain.as_deref()));
    let head = match (kind, severity) {
        (FindingKind::TestingWithFailures, _) => format!(
            "{n} domains in MTA-STS testing have failures to fix before enforce{}",
            causes(group_top_result_types(subjects).iter().map(String::as_str))
        ),
        (FindingKind::TestingReadyForEnforce, _) => format!(
            "{n} domains in MTA-STS testing have had no failure for {CLEAN_DAYS_BEFORE_ENFORCE} days or more; ready to switch to enforce"
        ),
        (FindingKind::ModeNone, _) => format!("{n} domains have an MTA-STS policy in mode none"),
        (FindingKind::NoPolicyFound, Severity::Warning) => format!(
            "{n} domains: some senders found no policy on days others applied the domain's MTA-STS policy"
        ),
        (FindingKind::NoPolicyFound, Severity::Info) => {
            format!("{n} domains: senders found no MTA-STS policy")
        }
        (FindingKind::SenderSilent, _) => {
            let names = listed_names(subjects.iter().filter_map(|s| s.organization.as_deref()));
            return format!(
                "{n} senders that reported daily have sent nothing for {SILENT_DAYS} days or more: {names}"
            );
        }
        (FindingKind::OldPolicyApplied, _) => return old_policies(severity, subjects),
    };
    format!("{head}: {}", domains())
}

fn old_policies(severity: Severity, subjects: &[Subject]) -> String {
    let distinct = |f: fn(&Subject) -> Option<&str>| {
        let mut names: Vec<&str> = subjects.iter().filter_map(f).collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let organizations = distinct(|s| s.organization.as_deref());
    let domains = distinct(|s| s.policy_domain.as_deref());
    let (who, names) = match organizations.as_slice() {
        [one] => (one.to_string(), &domains),
        many => (counted(many.len(), "sender"), &organizations),
    };
    let single = organizations.len() == 1;
    let did = match (severity, single) {
        (Severity::Warning, true) => "still applies",
        (Severity::Warning, false) => "still apply",
        (Severity::Info, _) => "applied",
    };
    let when = match severity {
        Severity::Warning => "after they changed",
        Severity::Info => "for days after they changed",
    };
    format!(
        "{who} {did} old policies of {} {when}: {}",
        counted(domains.len(), "domain"),
        listed_names(names.iter().copied())
    )
}

/// `1 domain`, `3 domains`.
fn counted(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// The result types that failed most over all subjects' top result types.
fn group_top_result_types(subjects: &[Subject]) -> Vec<String> {
    let mut sums: BTreeMap<&str, SessionSum> = BTreeMap::new();
    for subject in subjects {
        if let Evidence::Testing(t) = &subject.evidence {
            for row in &t.top_result_types {
                *sums.entry(&row.result_type).or_default() += row.failed_sessions;
            }
        }
    }
    let mut rows: Vec<(&str, SessionSum)> = sums.into_iter().collect();
    // Stable: ties keep name order.
    rows.sort_by_key(|row| std::cmp::Reverse(row.1));
    rows.into_iter()
        .take(super::TOP_RESULT_TYPES)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// ` (a, b)`, or nothing without names.
fn causes<'a>(result_types: impl Iterator<Item = &'a str>) -> String {
    match join(result_types) {
        names if names.is_empty() => String::new(),
        names => format!(" ({names})"),
    }
}

fn join<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

fn listed(names: &[String]) -> String {
    listed_names(names.iter().map(String::as_str))
}

/// `a, b, c and 2 more`.
fn listed_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let shown = join(names.iter().take(NAMES_IN_MESSAGE).copied());
    match names.len().saturating_sub(NAMES_IN_MESSAGE) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// A short name of a policy version for lists and messages: for MTA-STS the mode,
/// the first MX pattern (and how many more) and max_age (`enforce, mx1.example.com
/// +1, max_age 604800`); for DANE the number of TLSA records (`2 TLSA records`);
/// otherwise its beginning.
pub fn policy_abbreviation(policy_type: &str, version: &str) -> String {
    match decode(policy_type, version) {
        DecodedPolicy::Sts(sts) => {
            let mut parts: Vec<String> = Vec::new();
            if let Some(mode) = &sts.mode {
                parts.push(mode.to_string());
            }
            if let Some(first) = sts.mx.first() {
                parts.push(match sts.mx.len() - 1 {
                    0 => first.clone(),
                    more => format!("{first} +{more}"),
                });
            }
            if let Some(max_age) = sts.max_age {
                parts.push(format!("max_age {max_age}"));
            }
            if parts.is_empty() {
                quoted(version)
            } else {
                parts.join(", ")
            }
        }
        DecodedPolicy::Tlsa(records) => match records.len() {
            1 => "1 TLSA record".to_string(),
            n => format!("{n} TLSA records"),
        },
        DecodedPolicy::Empty => quoted(version),
    }
}

/// Names for the two sides of a change: their abbreviations, or, when those are
/// the same, the first piece (line or TLSA record) only each side has.
fn change_labels(policy_type: &str, old: &str, new: &str) -> (String, String) {
    let (old_short, new_short) = (
        policy_abbreviation(policy_type, old),
        policy_abbreviation(policy_type, new),
    );
    if old_short != new_short {
        return (old_short, new_short);
    }
    let (old_items, new_items) = (items(policy_type, old), items(policy_type, new));
    let only = |a: &[String], b: &[String]| a.iter().find(|i| !b.contains(i)).map(|i| quoted(i));
    match (only(&old_items, &new_items), only(&new_items, &old_items)) {
        (Some(o), Some(n)) => (o, n),
        (Some(o), None) => (o, "(removed)".to_string()),
        (None, Some(n)) => ("(absent)".to_string(), n),
        (None, None) => (old_short, new_short),
    }
}

/// The pieces of a policy string: TLSA records, or lines.
fn items(policy_type: &str, version: &str) -> Vec<String> {
    match decode(policy_type, version) {
        DecodedPolicy::Tlsa(records) => records.iter().map(tlsa_text).collect(),
        _ => version.split('\n').map(str::to_string).collect(),
    }
}

/// `text` cut to [`QUOTED_CHARS`] characters, with `…` when cut.
fn quoted(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
