//! What the policy rules read of the selected policies, in one pass: who applied
//! which version of which domain's policy and when, and each domain's sessions under
//! MTA-STS.
//!
//! A domain's current policy of a type is the version last seen; of versions last
//! seen on the same day, the one first seen latest, since a sender still caching
//! the old version keeps it in the reports after a change.

use rustc_hash::FxHashMap;

use super::versions::{VersionId, Versions};
use super::{CLEAN_DAYS_BEFORE_ENFORCE, PolicyVersionSeen};
use crate::analysis::filter::Selection;
use crate::library::{Dataset, Sym, date_of_day};
use crate::report::{PolicyType, SessionSum};

/// The days and reports something was seen on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub first: i32,
    pub last: i32,
    pub reports: u64,
    last_report: u32,
}

impl Span {
    pub fn new(day: i32) -> Span {
        Span {
            first: day,
            last: day,
            reports: 0,
            last_report: u32::MAX,
        }
    }

    /// Counts `report` once: a report's policies are contiguous.
    pub fn see(&mut self, report: u32, day: i32) {
        self.first = self.first.min(day);
        self.last = self.last.max(day);
        if self.last_report != report {
            self.last_report = report;
            self.reports += 1;
        }
    }
}

/// (policy domain, policy type, version, sending organization).
pub(super) type Use = (Sym, Sym, VersionId, Sym);

/// A domain's sessions under MTA-STS policies.
pub(super) struct StsTally {
    pub first: i32,
    pub last_failure: Option<i32>,
    /// The rest counts the last [`CLEAN_DAYS_BEFORE_ENFORCE`] days only.
    pub recent: Span,
    pub successful: SessionSum,
    pub failed: SessionSum,
    pub by_result: FxHashMap<Sym, SessionSum>,
}

/// One version of a domain's policy of one type.
pub(super) struct Version {
    pub id: VersionId,
    pub span: Span,
    pub senders: Vec<Sym>,
}

pub(super) struct Facts {
    /// The symbol of "sts", `None` when no report has one.
    pub sts_type: Option<Sym>,
    pub versions: Versions,
    /// Named policy domains and versions that say something only.
    pub uses: FxHashMap<Use, Span>,
    /// The MTA-STS mode of each version.
    pub modes: FxHashMap<VersionId, Sym>,
    /// Per named policy domain.
    pub sts: FxHashMap<Sym, StsTally>,
    /// The first day of the days looked at for `testing`.
    pub recent_from: i32,
}

impl Facts {
    pub fn gather(dataset: &Dataset, selection: &Selection, last: i32) -> Facts {
        let mut facts = Facts {
            sts_type: dataset.strings.lookup(PolicyType::Sts.as_str()),
            versions: Versions::default(),
            uses: FxHashMap::default(),
            modes: FxHashMap::default(),
            sts: FxHashMap::default(),
            recent_from: last.saturating_sub(CLEAN_DAYS_BEFORE_ENFORCE - 1),
        };
        for (p, policy) in dataset.policies.iter().enumerate() {
            if !selection.policies[p] || policy.policy_domain == Sym::NONE {
                continue;
            }
            let report = dataset.report_of(policy);
            let version = facts
                .versions
                .id(dataset, policy.policy_type, policy.version);
            if let Some(id) = version {
                let key = (
                    policy.policy_domain,
                    policy.policy_type,
                    id,
                    report.organization,
                );
                let span = facts.uses.entry(key).or_insert(Span::new(report.day));
                span.see(policy.report, report.day);
                facts.modes.insert(id, policy.mode);
            }
            if Some(policy.policy_type) == facts.sts_type {
                facts.add_sts(dataset, selection, p);
            }
        }
        facts
    }

    fn add_sts(&mut self, dataset: &Dataset, selection: &Selection, p: usize) {
        let policy = &dataset.policies[p];
        let day = dataset.report_of(policy).day;
        let tally = self
            .sts
            .entry(policy.policy_domain)
            .or_insert_with(|| StsTally {
                first: day,
                last_failure: None,
                recent: Span::new(day),
                successful: 0,
                failed: 0,
                by_result: FxHashMap::default(),
            });
        tally.first = tally.first.min(day);
        // Either count: Mail.ru's details may add up to more than its summary.
        if policy.failed > 0 || policy.detail_failed > 0 {
            tally.last_failure = tally.last_failure.max(Some(day));
        }
        if day < self.recent_from {
            return;
        }
        tally.recent.see(policy.report, day);
        tally.successful += SessionSum::from(policy.successful);
        tally.failed += SessionSum::from(policy.failed);
        for d in policy.details.clone() {
            if selection.details[d as usize] {
                let detail = &dataset.details[d as usize];
                *tally.by_result.entry(detail.result_type).or_default() +=
                    SessionSum::from(detail.failed_session_count);
            }
        }
    }

    /// Per (policy domain, policy type): each version, oldest first.
    pub fn versions_by_policy(&self) -> Vec<((Sym, Sym), Vec<Version>)> {
        let mut by_version: FxHashMap<(Sym, Sym, VersionId), Version> = FxHashMap::default();
        for (&(domain, policy_type, id, organization), span) in &self.uses {
            let v = by_version
                .entry((domain, policy_type, id))
                .or_insert_with(|| Version {
                    id,
                    span: Span::new(span.first),
                    senders: Vec::new(),
                });
            v.span.first = v.span.first.min(span.first);
            v.span.last = v.span.last.max(span.last);
            // A report has one sender: the senders' reports are distinct.
            v.span.reports += span.reports;
            v.senders.push(organization);
        }
        let mut by_policy: FxHashMap<(Sym, Sym), Vec<Version>> = FxHashMap::default();
        for ((domain, policy_type, _), version) in by_version {
            by_policy
                .entry((domain, policy_type))
                .or_default()
                .push(version);
        }
        // Hash order is not stable: every choice among versions and senders is
        // made in one order.
        let mut list: Vec<_> = by_policy.into_iter().collect();
        for (_, versions) in &mut list {
            versions.sort_by_key(|v| (v.span.first, v.id));
            for v in versions.iter_mut() {
                v.senders.sort_unstable();
            }
        }
        list.sort_unstable_by_key(|(key, _)| *key);
        list
    }

    /// The MTA-STS mode of a version ("" when it names none).
    pub fn mode<'a>(&self, dataset: &'a Dataset, version: &Version) -> &'a str {
        dataset.text(self.modes.get(&version.id).copied().unwrap_or(Sym::NONE))
    }

    pub fn applied(
        &self,
        dataset: &Dataset,
        policy_type: Sym,
        version: &Version,
    ) -> PolicyVersionSeen {
        PolicyVersionSeen {
            policy_type: dataset.text(policy_type).to_string(),
            version: self.text(dataset, version.id).to_string(),
            first_seen: date_of_day(version.span.first),
            last_seen: date_of_day(version.span.last),
            reports: version.span.reports,
            senders: names(dataset, version.senders.iter().copied()),
        }
    }

    /// A policy string of a version, as a sender wrote it.
    pub fn text<'a>(&self, dataset: &'a Dataset, id: VersionId) -> &'a str {
        dataset.text(self.versions.shown(id))
    }
}

/// The current version (see the module's comment); ties go to the version
/// identified first.
pub(super) fn current(versions: &[Version]) -> Option<&Version> {
    versions.iter().max_by(|a, b| {
        (a.span.last, a.span.first, a.span.reports)
            .cmp(&(b.span.last, b.span.first, b.span.reports))
            .then(b.id.cmp(&a.id))
    })
}

/// Distinct names of symbols, in name order.
pub(super) fn names(dataset: &Dataset, syms: impl Iterator<Item = Sym>) -> Vec<String> {
    let mut names: Vec<String> = syms.map(|s| dataset.text(s).to_string()).collect();
    names.sort();
    names.dedup();
    names
}
