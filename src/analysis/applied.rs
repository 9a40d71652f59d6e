//! What the loaded reports say senders applied for one policy domain: each sender's
//! policy versions, with when they were seen, set beside the policy a domain check
//! finds live.

use rustc_hash::FxHashMap;

use crate::library::{Dataset, Sym, date_of_day};
use crate::report::{DecodedPolicy, PolicyType, SessionSum, Text};

/// One sender's use of one policy version for the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedPolicy {
    pub organization: String,
    pub policy_type: String,
    /// The policy string as sent, lines joined by `\n`.
    pub version: String,
    /// MTA-STS mode, MX patterns and max_age decoded from it (empty for DANE).
    pub mode: Option<String>,
    pub mx: Vec<String>,
    pub max_age: Option<u64>,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    pub reports: u64,
    pub sessions: SessionSum,
}

impl AppliedPolicy {
    /// Whether this is the MTA-STS policy `mode`/`mx`/`max_age` (what a check finds
    /// live): the same mode, the same MX patterns in any order, the same max_age.
    pub fn is(&self, mode: &str, mx: &[String], max_age: u64) -> bool {
        let mut ours = self.mx.clone();
        let mut theirs = mx.to_vec();
        ours.sort();
        theirs.sort();
        self.mode.as_deref() == Some(mode) && ours == theirs && self.max_age == Some(max_age)
    }
}

/// When and how much a (sender, type, version) was seen.
struct Seen {
    first: i32,
    last: i32,
    reports: u64,
    sessions: SessionSum,
    /// The last report counted, so that a report counts once.
    last_report: u32,
}

/// Every (sender, policy version) the reports show for `domain`, newest last day
/// first, then by sender.
pub fn applied_policies(dataset: &Dataset, domain: &str) -> Vec<AppliedPolicy> {
    let ascii = idna::domain_to_ascii(domain.trim()).unwrap_or_else(|_| domain.to_lowercase());
    let Some(domain) = dataset.strings.lookup(ascii.trim_end_matches('.')) else {
        return Vec::new();
    };
    let mut seen: FxHashMap<(Sym, Sym, Sym), Seen> = FxHashMap::default();
    for policy in dataset
        .policies
        .iter()
        .filter(|p| p.policy_domain == domain)
    {
        let report = dataset.report_of(policy);
        let entry = seen
            .entry((report.organization, policy.policy_type, policy.version))
            .or_insert(Seen {
                first: report.day,
                last: report.day,
                reports: 0,
                sessions: 0,
                last_report: u32::MAX,
            });
        entry.first = entry.first.min(report.day);
        entry.last = entry.last.max(report.day);
        if entry.last_report != policy.report {
            entry.last_report = policy.report;
            entry.reports += 1;
        }
        entry.sessions += SessionSum::from(policy.successful) + SessionSum::from(policy.failed);
    }
    let mut applied: Vec<AppliedPolicy> = seen
        .into_iter()
        .map(|((org, policy_type, version), seen)| {
            let version_text = dataset.text(version).to_string();
            let lines: Vec<Text> = version_text.lines().map(Text::from).collect();
            let decoded =
                DecodedPolicy::decode(&PolicyType::parse(dataset.text(policy_type)), &lines);
            let (mode, mx, max_age) = match decoded {
                DecodedPolicy::Sts(sts) => (
                    sts.mode.map(|m| m.as_str().to_string()),
                    sts.mx,
                    sts.max_age,
                ),
                _ => (None, Vec::new(), None),
            };
            AppliedPolicy {
                organization: dataset.text(org).to_string(),
                policy_type: dataset.text(policy_type).to_string(),
                version: version_text,
                mode,
                mx,
                max_age,
                first_day: date_of_day(seen.first),
                last_day: date_of_day(seen.last),
                reports: seen.reports,
                sessions: seen.sessions,
            }
        })
        .collect();
    applied.sort_by(|a, b| {
        b.last_day
            .cmp(&a.last_day)
            .then_with(|| a.organization.cmp(&b.organization))
            .then_with(|| a.version.cmp(&b.version))
    });
    applied
}

/// The senders still applying another MTA-STS policy than the live one after
/// the live one was first seen in the reports: their caches have not picked up
/// the change (or the change is not published where they look).
pub fn stale_senders<'a>(
    applied: &'a [AppliedPolicy],
    mode: &str,
    mx: &[String],
    max_age: u64,
) -> Vec<&'a AppliedPolicy> {
    let Some(live_since) = applied
        .iter()
        .filter(|a| a.is(mode, mx, max_age))
        .map(|a| a.first_day)
        .min()
    else {
        return Vec::new();
    };
    applied
        .iter()
        .filter(|a| a.policy_type == "sts" && !a.is(mode, mx, max_age) && a.last_day > live_since)
        .collect()
}
