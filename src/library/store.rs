//! The loaded reports, deduplicated by (organization-name, report-id).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::LazyLock;

use foldhash::fast::RandomState;

use super::problem::{Problem, Skipped};
use super::source::{Order, Source};
use super::strings::Strings;

use crate::report::{FailureDetail, IpText, Policy, PolicyType, Report, ResultType, Text};

/// A report with where it was read from.
#[derive(Debug, Clone)]
pub struct LoadedReport {
    pub report: Report,
    pub source: Source,
    pub order: Order,
    /// Hash of the report's content, to tell identical copies from conflicting ones.
    fingerprint: u64,
}

impl LoadedReport {
    /// A report with where it came from.
    pub fn new(report: Report, source: Source, order: Order) -> LoadedReport {
        let fingerprint = fingerprint(&report);
        LoadedReport {
            report,
            source,
            order,
            fingerprint,
        }
    }
}

/// A second copy of a loaded report whose content differs from the kept copy.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub organization_name: Text,
    pub report_id: Text,
    /// The copy whose content is used: the first in input order.
    pub kept: Source,
    /// The copy passed over.
    pub dropped: Source,
}

/// Everything loaded so far. Later loads merge into it with the same dedupe.
#[derive(Debug, Clone, Default)]
pub struct ReportStore {
    reports: Vec<LoadedReport>,
    /// Keyed by values from reports: a seeded hash, so that a sender cannot make
    /// every key collide.
    index: HashMap<(Text, Text), usize, RandomState>,
    duplicates: u64,
    /// Copies dropped during the current load; turned into conflicts by
    /// [`ReportStore::finish_load`], once the kept copy of each report is final.
    dropped: Vec<DroppedCopy>,
    conflicts: Vec<Conflict>,
    problems: Vec<(Order, Problem)>,
    skipped: Vec<(Order, Skipped)>,
    /// Equal policies of many reports share one allocation.
    policies: HashSet<Arc<Policy>, RandomState>,
    next_generation: u32,
}

/// A copy passed over during a load, kept until the load ends.
#[derive(Debug, Clone)]
struct DroppedCopy {
    key: (Text, Text),
    source: Source,
    order: Order,
    fingerprint: u64,
}

/// Whether [`super::Loaded::insert`] kept a report as new or counted it as a copy.
///
/// Whether a copy's content differs is only final after
/// [`ReportStore::finish_load`] (a later copy may come first in input order); it
/// is then listed in [`ReportStore::conflicts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The first report with its (organization-name, report-id).
    New,
    /// A report with the same (organization-name, report-id) was loaded already.
    Copy,
    /// The same report from the same input is held already: a library reading
    /// an input again (an import resumed, a file touched) counts it nowhere.
    Again,
}

impl ReportStore {
    /// Unique reports, in input order once [`ReportStore::finish_load`] has run.
    pub fn reports(&self) -> &[LoadedReport] {
        &self.reports
    }

    /// Copies dropped because their (organization-name, report-id) was loaded already,
    /// identical or not.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Dropped copies whose content differs from the kept copy, complete and in input
    /// order once [`ReportStore::finish_load`] has run.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Inputs that could not be read, in input order.
    pub fn problems(&self) -> impl ExactSizeIterator<Item = &Problem> {
        self.problems.iter().map(|(_, p)| p)
    }

    /// Inputs passed over because they hold no TLS report, in input order.
    pub fn skipped(&self) -> impl ExactSizeIterator<Item = &Skipped> {
        self.skipped.iter().map(|(_, s)| s)
    }

    pub(super) fn add_problem(&mut self, problem: Problem, order: Order) {
        self.problems.push((order, problem));
    }

    pub(super) fn add_skipped(&mut self, skipped: Skipped, order: Order) {
        self.skipped.push((order, skipped));
    }

    /// Adds a conflict as a library recorded it (in its place in the list).
    pub(super) fn push_conflict(&mut self, conflict: Conflict) {
        self.conflicts.push(conflict);
    }

    /// Adds copies a library recorded.
    pub(super) fn add_duplicates(&mut self, copies: u64) {
        self.duplicates += copies;
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty() && self.problems.is_empty() && self.skipped.is_empty()
    }

    /// The generation number for the next load; items of later loads sort after
    /// those of earlier ones.
    pub(super) fn begin_load(&mut self) -> u32 {
        let generation = self.next_generation;
        self.next_generation += 1;
        generation
    }

    /// Adds a report unless a report with its (organization-name, report-id) is loaded;
    /// its strings and policy are shared with the loaded ones (`strings`).
    ///
    /// Of two copies, the one first in input order is kept, whatever order they
    /// arrive in. A report without a report-id is identified by its content, its
    /// [`fingerprint`] (computed by the decoder thread that parsed it, not by the
    /// one collecting).
    pub(super) fn insert(
        &mut self,
        strings: &mut Strings,
        mut report: Report,
        source: Source,
        order: Order,
        fingerprint: u64,
    ) -> Inserted {
        self.share_report(strings, &mut report);
        let report = relocate(report);
        let key = dedupe_key(&report, fingerprint);
        let incoming = LoadedReport {
            report,
            // A deep copy, allocated on this thread like the report (see `relocate`).
            source: source.clone(),
            order,
            fingerprint,
        };
        let Some(&slot) = self.index.get(&key) else {
            self.index.insert(key, self.reports.len());
            self.reports.push(incoming);
            return Inserted::New;
        };
        self.duplicates += 1;
        let kept = &mut self.reports[slot];
        let dropped = if incoming.order < kept.order {
            std::mem::replace(kept, incoming)
        } else {
            incoming
        };
        self.dropped.push(DroppedCopy {
            key,
            source: dropped.source,
            order: dropped.order,
            fingerprint: dropped.fingerprint,
        });
        Inserted::Copy
    }

    /// Sorts what a load added into input order, so that output does not depend on
    /// thread timing, and lists the conflicting copies.
    pub(super) fn finish_load(&mut self) {
        // Orders are unique, so an unstable sort (in place, no buffer) is exact.
        self.reports.sort_unstable_by_key(|r| r.order);
        self.index.clear();
        for (slot, loaded) in self.reports.iter().enumerate() {
            self.index
                .insert(dedupe_key(&loaded.report, loaded.fingerprint), slot);
        }
        self.problems.sort_by_key(|(order, _)| *order);
        self.skipped.sort_by_key(|(order, _)| *order);
        // Only now is the kept copy of every report final: a copy that arrives later
        // but comes first in input order replaces the one kept so far.
        let mut dropped = std::mem::take(&mut self.dropped);
        dropped.sort_by_key(|d| d.order);
        for copy in dropped {
            let Some(kept) = self.index.get(&copy.key).map(|&slot| &self.reports[slot]) else {
                continue;
            };
            if kept.fingerprint == copy.fingerprint {
                continue;
            }
            self.conflicts.push(Conflict {
                organization_name: copy.key.0,
                report_id: kept.report.report_id.clone(),
                kept: kept.source.clone(),
                dropped: copy.source,
            });
        }
        // Stable: copies of one report stay in input order, earlier loads first.
        self.conflicts.sort_by(|a, b| {
            (&a.organization_name, &a.report_id).cmp(&(&b.organization_name, &b.report_id))
        });
    }
}

/// Copies what a report owns alone into allocations made on the calling thread.
///
/// Reports are parsed on decoder threads, between many short-lived allocations;
/// kept there, each long-lived piece pins a page of freed memory, and resident
/// memory ends up twice the data. Copied here, they sit densely together.
fn relocate(report: Report) -> Report {
    Report {
        report_id: Text::from(&*report.report_id),
        policies: report.policies.to_vec(),
        ..report
    }
}

/// (organization-name, report-id); a report without a report-id is keyed by content.
fn dedupe_key(report: &Report, fingerprint: u64) -> (Text, Text) {
    let id = if report.report_id.is_empty() {
        format!("\u{0}content-{fingerprint:016x}").into()
    } else {
        report.report_id.clone()
    };
    (report.organization_name.clone(), id)
}

/// A hash of a report's content, to tell identical copies from conflicting ones.
/// Sharing strings does not change it: shared strings and policies hash as their
/// content.
pub fn fingerprint(report: &Report) -> u64 {
    // SipHash with keys drawn once per process: a sender who cannot know them
    // cannot make a conflicting copy pass for an identical one.
    static KEYS: LazyLock<std::hash::RandomState> = LazyLock::new(std::hash::RandomState::new);
    KEYS.hash_one(report)
}

impl ReportStore {
    /// Makes a report's strings and policy share the allocations of equal ones
    /// already loaded.
    fn share_report(&mut self, strings: &mut Strings, report: &mut Report) {
        strings.share(&mut report.organization_name);
        share_opt(strings, &mut report.contact_info);
        for policy in &mut report.policies {
            self.share_policy(strings, &mut policy.policy);
            for detail in &mut policy.failure_details {
                share_detail(strings, detail);
            }
        }
    }

    /// Equal policies share one allocation; a new one has its strings shared.
    fn share_policy(&mut self, strings: &mut Strings, policy: &mut Arc<Policy>) {
        if let Some(shared) = self.policies.get(policy) {
            *policy = shared.clone();
            return;
        }
        let p = Arc::make_mut(policy);
        if let PolicyType::Other(t) = &mut p.policy_type {
            strings.share(t);
        }
        p.policy_string.iter_mut().for_each(|t| strings.share(t));
        share_opt(strings, &mut p.policy_domain);
        p.mx_host.iter_mut().for_each(|t| strings.share(t));
        self.policies.insert(policy.clone());
    }
}

fn share_opt(strings: &mut Strings, text: &mut Option<Text>) {
    if let Some(text) = text {
        strings.share(text);
    }
}

fn share_detail(strings: &mut Strings, d: &mut FailureDetail) {
    if let ResultType::Other(t) = &mut d.result_type {
        strings.share(t);
    }
    for ip in [&mut d.sending_mta_ip, &mut d.receiving_ip]
        .into_iter()
        .flatten()
    {
        if let IpText::Malformed(t) = ip {
            strings.share(t);
        }
    }
    share_opt(strings, &mut d.receiving_mx_hostname);
    share_opt(strings, &mut d.receiving_mx_helo);
    share_opt(strings, &mut d.additional_information);
    share_opt(strings, &mut d.failure_reason_code);
}
