//! The loaded reports, deduplicated by (organization-name, report-id).

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::error::{Problem, Skipped};
use super::source::{Order, Source};
use crate::report::{FailureDetail, IpText, PolicyType, Report, ResultType, Text};

/// A report with where it was read from.
#[derive(Debug, Clone)]
pub struct LoadedReport {
    pub report: Report,
    pub source: Source,
    pub order: Order,
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
#[derive(Debug, Default)]
pub struct ReportStore {
    reports: Vec<LoadedReport>,
    fingerprints: Vec<u64>,
    index: HashMap<(Text, Text), usize>,
    duplicates: u64,
    conflicts: Vec<Conflict>,
    problems: Vec<(Order, Problem)>,
    skipped: Vec<(Order, Skipped)>,
    interner: Interner,
    next_generation: u32,
}

/// Whether a report was new, a copy, or a copy with different content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New,
    Duplicate,
    Conflict,
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

    /// Dropped copies whose content differs from the kept copy.
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
    pub fn insert(&mut self, mut report: Report, source: Source, order: Order) -> Inserted {
        self.interner.intern_report(&mut report);
        let fingerprint = fingerprint(&report);
        let key = dedupe_key(&report, fingerprint);
        let Some(&slot) = self.index.get(&key) else {
            self.index.insert(key, self.reports.len());
            self.fingerprints.push(fingerprint);
            self.reports.push(LoadedReport {
                report,
                source,
                order,
            });
            return Inserted::New;
        };
        self.duplicates += 1;
        let same = self.fingerprints[slot] == fingerprint;
        let kept = &mut self.reports[slot];
        let incoming_first = order < kept.order;
        let (kept_source, dropped_source) = if incoming_first {
            let old = std::mem::replace(
                kept,
                LoadedReport {
                    report,
                    source,
                    order,
                },
            );
            self.fingerprints[slot] = fingerprint;
            (kept.source.clone(), old.source)
        } else {
            (kept.source.clone(), source)
        };
        if same {
            return Inserted::Duplicate;
        }
        self.conflicts.push(Conflict {
            organization_name: key.0,
            report_id: kept.report.report_id.clone(),
            kept: kept_source,
            dropped: dropped_source,
        });
        Inserted::Conflict
    }

    /// Sorts what a load added into input order, so that output does not depend on
    /// thread timing.
    pub fn finish_load(&mut self) {
        let mut entries: Vec<(LoadedReport, u64)> = self
            .reports
            .drain(..)
            .zip(self.fingerprints.drain(..))
            .collect();
        entries.sort_by_key(|(r, _)| r.order);
        self.index.clear();
        for (slot, (loaded, fingerprint)) in entries.into_iter().enumerate() {
            self.index
                .insert(dedupe_key(&loaded.report, fingerprint), slot);
            self.reports.push(loaded);
            self.fingerprints.push(fingerprint);
        }
        self.problems.sort_by_key(|(order, _)| *order);
        self.skipped.sort_by_key(|(order, _)| *order);
        self.conflicts.sort_by(|a, b| {
            (&a.organization_name, &a.report_id).cmp(&(&b.organization_name, &b.report_id))
        });
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
fn fingerprint(report: &Report) -> u64 {
    let mut hasher = DefaultHasher::new();
    report.hash(&mut hasher);
    hasher.finish()
}

/// Shares one allocation among equal strings of many reports.
#[derive(Debug, Default)]
struct Interner {
    set: HashSet<Text>,
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
            let p = &mut policy.policy;
            if let PolicyType::Other(t) = &mut p.policy_type {
                self.intern(t);
            }
            p.policy_string.iter_mut().for_each(|t| self.intern(t));
            self.intern_opt(&mut p.policy_domain);
            p.mx_host.iter_mut().for_each(|t| self.intern(t));
            for detail in &mut policy.failure_details {
                self.intern_detail(detail);
            }
        }
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
