//! Findings a postmaster acts on: domains still in MTA-STS `testing` (with failures
//! to fix, or clean long enough to switch to `enforce`), policies in mode `none`,
//! domains whose senders found no policy, senders that stopped reporting, and
//! senders that kept applying a policy after it changed.
//!
//! Every rule looks at the selection only and counts days back from the last day of
//! the selected data (the latest UTC start day of a kept report), so the same
//! reports give the same findings whenever they are read. Findings of one kind and
//! severity are one [`Finding`] listing every domain or sender it concerns.

mod facts;
mod message;
mod policies;
mod senders;
mod versions;

use chrono::NaiveDate;
use serde::Serialize;

use super::filter::Selection;
use super::summary::ResultTypeRow;
use super::weekly::last_day;
use crate::library::Dataset;
use crate::report::SessionSum;

pub use message::policy_abbreviation;

/// Days without a failed session, up to the last day of the data, after which a
/// domain in `testing` is ready for `enforce`; also the days whose failures a domain
/// in `testing` is asked to fix.
///
/// Two weeks hold every weekday twice (traffic from some senders comes on weekdays
/// only) and outlast the one-day `max_age` usual in `testing`, so every sender has
/// fetched the policy afresh and reported on it more than once.
pub const CLEAN_DAYS_BEFORE_ENFORCE: i32 = 14;

/// How many result types a `testing` finding names: enough to say what to fix
/// first, short enough for one line.
pub const TOP_RESULT_TYPES: usize = 3;

/// Days without any report, up to the last day of the data, after which a sender
/// that reported daily is silent: a week, since a sender may skip a day or two
/// (no traffic, a delayed report) but not seven.
pub const SILENT_DAYS: i32 = 7;

/// A sender reported daily when it reported on at least [`DAILY_MIN_DAYS`] of the
/// [`DAILY_WINDOW_DAYS`] days ending on its last report: two missed days in two
/// weeks are delays and days without traffic, not a change.
pub const DAILY_WINDOW_DAYS: i32 = 14;
/// See [`DAILY_WINDOW_DAYS`].
pub const DAILY_MIN_DAYS: u32 = 12;

/// Days after a new policy version is first seen during which a sender may still
/// apply the old one. A change made during a day shows both versions in that day's
/// reports, and senders refetch a policy when they see the new `id` of the
/// `_mta-sts` TXT record, which its DNS TTL may delay by some hours; a sender still
/// applying the old version two days after the change has not picked it up.
pub const POLICY_CHANGE_GRACE_DAYS: i32 = 1;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The domain's MTA-STS policy is in mode `testing`, and its senders reported
    /// failed sessions in the last [`CLEAN_DAYS_BEFORE_ENFORCE`] days: under
    /// `enforce` that mail would not be delivered. A warning.
    TestingWithFailures,
    /// The domain's MTA-STS policy is in mode `testing`, without a failed session for
    /// [`CLEAN_DAYS_BEFORE_ENFORCE`] days or more: it can switch to `enforce`.
    /// Info.
    TestingReadyForEnforce,
    /// The domain's MTA-STS policy is in mode `none`: senders apply no protection.
    /// A warning.
    ModeNone,
    /// Senders reported "no-policy-found" for the domain: a warning when others
    /// applied its MTA-STS policy (these reports counted from the day one first
    /// did), info when no sender applied one. Reports that name no policy domain
    /// (Postfix) cannot be placed and are left out.
    NoPolicyFound,
    /// A sender that reported daily sent no report for [`SILENT_DAYS`] days or more
    /// up to the last day of the data. A warning.
    SenderSilent,
    /// After the domain's policy changed, a sender applied an older version more
    /// than [`POLICY_CHANGE_GRACE_DAYS`] later: a warning while its latest report
    /// still applies the old one, info when it has picked up the new one since.
    OldPolicyApplied,
}

impl FindingKind {
    /// Every kind, in the order findings of one severity are listed.
    pub const ALL: [FindingKind; 6] = [
        FindingKind::TestingWithFailures,
        FindingKind::TestingReadyForEnforce,
        FindingKind::ModeNone,
        FindingKind::NoPolicyFound,
        FindingKind::SenderSilent,
        FindingKind::OldPolicyApplied,
    ];

    /// The kind's name in exports (kebab-case, as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::TestingWithFailures => "testing-with-failures",
            FindingKind::TestingReadyForEnforce => "testing-ready-for-enforce",
            FindingKind::ModeNone => "mode-none",
            FindingKind::NoPolicyFound => "no-policy-found",
            FindingKind::SenderSilent => "sender-silent",
            FindingKind::OldPolicyApplied => "old-policy-applied",
        }
    }
}

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing, or a step to take when convenient (switch to `enforce`).
    Info,
    /// Mail is or would be at risk, or reports are missing: act on it.
    Warning,
}

/// A finding: one kind and severity, and every domain or sender it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What the finding is about; one finding per kind and severity.
    pub kind: FindingKind,
    /// How urgent it is; a kind may come in both (see [`FindingKind`]).
    pub severity: Severity,
    /// One line: the subject and the numbers that matter when there is one
    /// subject, how many and the first names when there are several.
    pub message: String,
    /// What it concerns, with the evidence of each, by policy domain then sender.
    pub subjects: Vec<Subject>,
}

/// A domain, a sender, or a sender for a domain, and what shows the finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// The policy domain, for every kind but [`FindingKind::SenderSilent`].
    pub policy_domain: Option<String>,
    /// The sending organization, for [`FindingKind::SenderSilent`] and
    /// [`FindingKind::OldPolicyApplied`].
    pub organization: Option<String>,
    /// The numbers that show the finding for this subject.
    pub evidence: Evidence,
}

/// The numbers behind a finding, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// [`FindingKind::TestingWithFailures`], [`FindingKind::TestingReadyForEnforce`].
    Testing(TestingEvidence),
    /// [`FindingKind::ModeNone`]: the policy in mode `none`.
    ModeNone(PolicyVersionSeen),
    /// [`FindingKind::NoPolicyFound`].
    NoPolicyFound(NoPolicyEvidence),
    /// [`FindingKind::SenderSilent`].
    Silent(SilenceEvidence),
    /// [`FindingKind::OldPolicyApplied`].
    OldPolicy(OldPolicyEvidence),
}

/// A policy version (the whole policy string) of a domain as senders applied it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyVersionSeen {
    /// "policy-type": `sts`, `tlsa`, or as sent.
    pub policy_type: String,
    /// The policy string as one sender wrote it, lines joined by `\n`; see
    /// [`policy_abbreviation`]. Strings that say the same (the same mode, max_age
    /// and MX patterns, or the same TLSA records) are one version.
    pub version: String,
    /// The first UTC day of a report that applied it.
    pub first_seen: NaiveDate,
    /// The last UTC day of a report that applied it.
    pub last_seen: NaiveDate,
    /// Reports that applied it.
    pub reports: u64,
    /// Sending organizations that applied it, in name order.
    pub senders: Vec<String>,
}

/// A domain in MTA-STS `testing`: its current policy and its sessions under MTA-STS
/// policies (type `sts`) in the last [`CLEAN_DAYS_BEFORE_ENFORCE`] days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestingEvidence {
    /// The domain's current policy, in mode `testing`.
    pub policy: PolicyVersionSeen,
    /// The first day of the days looked at; the last is the data's last day.
    pub since: NaiveDate,
    /// Reports with an MTA-STS policy of the domain in those days.
    pub reports: u64,
    /// Their successful sessions (summaries).
    pub successful_sessions: SessionSum,
    /// Their failed sessions (summaries).
    pub failed_sessions: SessionSum,
    /// Failed sessions of the failure details by result type, most first, at most
    /// [`TOP_RESULT_TYPES`].
    pub top_result_types: Vec<ResultTypeRow>,
    /// The last day with a failed session under an MTA-STS policy, any time.
    pub last_failure: Option<NaiveDate>,
    /// Days after the last failure up to the data's last day (with no failure: from
    /// the first report with an MTA-STS policy, that day included).
    pub clean_days: i64,
}

/// Reports of "no-policy-found" for a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoPolicyEvidence {
    /// Counted from `sts_first_seen` when there is one: the reports that missed a
    /// policy others applied.
    pub reports: u64,
    /// Sessions of those reports' "no-policy-found" policies (summaries).
    pub successful_sessions: SessionSum,
    /// Failed sessions of the same policies.
    pub failed_sessions: SessionSum,
    /// The first UTC day of those reports.
    pub first_day: NaiveDate,
    /// The last UTC day of those reports.
    pub last_day: NaiveDate,
    /// Sending organizations that found no policy, in name order.
    pub senders: Vec<String>,
    /// The first day any sender applied an MTA-STS policy of the domain.
    pub sts_first_seen: Option<NaiveDate>,
}

/// A sender that reported daily and stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SilenceEvidence {
    /// The UTC start day of its last report.
    pub last_report: NaiveDate,
    /// Days from its last report to the data's last day.
    pub silent_days: i64,
    /// Days with a report among the [`DAILY_WINDOW_DAYS`] ending on `last_report`.
    pub reported_days: u32,
    /// Policy domains it reported on in those days, in name order.
    pub policy_domains: Vec<String>,
}

/// A sender applying an older policy version after a newer one was first seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OldPolicyEvidence {
    /// "policy-type": `sts`, `tlsa`, or as sent.
    pub policy_type: String,
    /// The policy string this sender kept applying, lines joined by `\n`; see
    /// [`policy_abbreviation`].
    pub old_version: String,
    /// The domain's current policy string (see [`PolicyVersionSeen::version`]).
    pub new_version: String,
    /// The first day any sender applied the new version.
    pub changed_on: NaiveDate,
    /// The last day this sender applied the old version.
    pub old_last_applied: NaiveDate,
    /// The first day this sender applied the new version, when it has done so since
    /// it last applied the old one; `None`: it still applies the old one.
    pub picked_up_on: Option<NaiveDate>,
    /// Days from the change to the data's last day.
    pub days_since_change: i64,
}

/// The findings of the selection, the warnings first, then by kind.
pub fn findings(dataset: &Dataset, selection: &Selection) -> Vec<Finding> {
    let Some(last) = last_day(dataset, selection) else {
        return Vec::new();
    };
    let mut found = policies::findings(dataset, selection, last);
    found.extend(senders::silent(dataset, selection, last));
    group(found)
}

/// One subject's finding, before findings are grouped.
struct Found {
    kind: FindingKind,
    severity: Severity,
    subject: Subject,
}

/// One [`Finding`] per kind and severity.
fn group(mut found: Vec<Found>) -> Vec<Finding> {
    found.sort_by(|a, b| {
        (b.severity, a.kind)
            .cmp(&(a.severity, b.kind))
            .then_with(|| a.subject.policy_domain.cmp(&b.subject.policy_domain))
            .then_with(|| a.subject.organization.cmp(&b.subject.organization))
    });
    let mut findings: Vec<Finding> = Vec::new();
    for f in found {
        match findings.last_mut() {
            Some(last) if last.kind == f.kind && last.severity == f.severity => {
                last.subjects.push(f.subject)
            }
            _ => findings.push(Finding {
                kind: f.kind,
                severity: f.severity,
                message: String::new(),
                subjects: vec![f.subject],
            }),
        }
    }
    for finding in &mut findings {
        finding.message = message::line(finding);
    }
    findings
}
