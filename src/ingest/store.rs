//! The loaded reports, deduplicated by (organization-name, report-id).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::LazyLock;

use foldhash::fast::RandomState;

use super::error::{Problem, Skipped};
use super::source::{Order, Source};

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
    interner: Interner,
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

/// Whether [`ReportStore::insert`] kept a report as new or counted it as a copy.
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
}

impl ReportStore {
    pub fn new() -> ReportStore {
        ReportStore::default()
    }

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

    pub fn add_problem(&mut self, problem: Problem, order: Order) {
        self.problems.push((order, problem));
    }

    pub fn add_skipped(&mut self, skipped: Skipped, order: Order) {
        self.skipped.push((order, skipped));
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty() && self.problems.is_empty() && self.skipped.is_empty()
    }

    /// The generation number for the next load; items of later loads sort after
    /// those of earlier ones.
    pub fn begin_load(&mut self) -> u32 {
        let generation = self.next_generation;
        self.next_generation += 1;
        generation
    }

    /// Adds a report unless a report with its (organization-name, report-id) is loaded.
    ///
    /// Of two copies, the one first in input order is kept, whatever order they
    /// arrive in. A report without a report-id is identified by its content.
    pub fn insert(&mut self, report: Report, source: Source, order: Order) -> Inserted {
        let fingerprint = fingerprint(&report);
        self.insert_fingerprinted(report, source, order, fingerprint)
    }

    /// [`ReportStore::insert`] with the report's [`fingerprint`], computed by the
    /// decoder thread that parsed it rather than by the one collecting.
    pub(super) fn insert_fingerprinted(
        &mut self,
        mut report: Report,
        source: Source,
        order: Order,
        fingerprint: u64,
    ) -> Inserted {
        self.interner.intern_report(&mut report);
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
    pub fn finish_load(&mut self) {
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
/// Interning does not change it: shared strings and policies hash as their content.
pub(super) fn fingerprint(report: &Report) -> u64 {
    // SipHash with keys drawn once per process: a sender who cannot know them
    // cannot make a conflicting copy pass for an identical one.
    static KEYS: LazyLock<std::hash::RandomState> = LazyLock::new(std::hash::RandomState::new);
    KEYS.hash_one(report)
}

/// Shares one allocation among equal strings of many reports.
#[derive(Debug, Clone, Default)]
struct Interner {
    set: HashSet<Text, RandomState>,
    policies: HashSet<Arc<Policy>, RandomState>,
}

impl Interner {
    fn intern(&mut self, text: &mut Text) {
        match self.set.get(text.as_ref()) {
            Some(shared) => *text = shared.clone(),
            None => {
                self.set.insert(text.clone());
            }
        }
    }

    fn intern_opt(&mut self, text: &mut Option<Text>) {
        if let Some(text) = text {
            self.intern(text);
        }
    }

    fn intern_report(&mut self, report: &mut Report) {
        self.intern(&mut report.organization_name);
        self.intern_opt(&mut report.contact_info);
        for policy in &mut report.policies {
            self.intern_policy(&mut policy.policy);
            for detail in &mut policy.failure_details {
                self.intern_detail(detail);
            }
        }
    }

    /// Equal policies share one allocation; a new one has its strings interned.
    fn intern_policy(&mut self, policy: &mut Arc<Policy>) {
        if let Some(shared) = self.policies.get(policy) {
            *policy = shared.clone();
            return;
        }
        let p = Arc::make_mut(policy);
        if let PolicyType::Other(t) = &mut p.policy_type {
            self.intern(t);
        }
        p.policy_string.iter_mut().for_each(|t| self.intern(t));
        self.intern_opt(&mut p.policy_domain);
        p.mx_host.iter_mut().for_each(|t| self.intern(t));
        self.policies.insert(policy.clone());
    }

    fn intern_detail(&mut self, d: &mut FailureDetail) {
        if let ResultType::Other(t) = &mut d.result_type {
            self.intern(t);
        }
        for ip in [&mut d.sending_mta_ip, &mut d.receiving_ip]
            .into_iter()
            .flatten()
        {
            if let IpText::Malformed(t) = ip {
                self.intern(t);
            }
        }
        self.intern_opt(&mut d.receiving_mx_hostname);
        self.intern_opt(&mut d.receiving_mx_helo);
        self.intern_opt(&mut d.additional_information);
        self.intern_opt(&mut d.failure_reason_code);
    }
}
