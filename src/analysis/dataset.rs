//! The loaded reports as compact rows for fast filtering and grouping.
//!
//! One [`ReportRow`] per report, one [`PolicyRow`] per (report, policy) with its
//! summary counts, one [`DetailRow`] per failure detail. Rows refer to their parent
//! by index and hold interned [`Sym`]s. Rows are in the store's input order, so
//! the details of a policy and the policies of a report are contiguous.

use std::fmt::Write;
use std::ops::Range;

use chrono::{DateTime, NaiveDate};

use super::strings::{Strings, Sym};
use crate::ingest::{LoadedReport, ReportStore};
use crate::report::{DecodedPolicy, FailureDetail, IpText, PolicyResult};

#[derive(Debug, Clone)]
pub struct ReportRow {
    /// Index in [`ReportStore::reports`].
    pub store_index: u32,
    pub organization: Sym,
    pub report_id: Sym,
    pub contact_info: Sym,
    /// "start-datetime" and "end-datetime", Unix seconds.
    pub start: i64,
    pub end: i64,
    /// The UTC day of the start, as days since 1970-01-01.
    pub day: i32,
    pub policies: Range<u32>,
}

#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub report: u32,
    pub policy_type: Sym,
    /// [`Sym::NONE`] when the report names no policy domain.
    pub policy_domain: Sym,
    /// The MTA-STS mode from the policy string.
    pub mode: Sym,
    /// The policy string as a whole (lines joined with `\n`): the policy version
    /// the sender applied.
    pub version: Sym,
    /// The policy's MX patterns, space-separated ("mx-host", or the policy
    /// string's `mx` lines).
    pub mx_patterns: Sym,
    pub successful: u64,
    pub failed: u64,
    /// Sum of the failure details' counts.
    pub detail_failed: u64,
    pub details: Range<u32>,
}

#[derive(Debug, Clone)]
pub struct DetailRow {
    pub policy: u32,
    pub result_type: Sym,
    pub sending_mta_ip: Sym,
    pub receiving_ip: Sym,
    pub receiving_mx_hostname: Sym,
    pub receiving_mx_helo: Sym,
    pub failed_session_count: u64,
    pub failure_reason_code: Sym,
    pub additional_information: Sym,
}

/// The analysis view of a [`ReportStore`].
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub strings: Strings,
    pub reports: Vec<ReportRow>,
    pub policies: Vec<PolicyRow>,
    pub details: Vec<DetailRow>,
    /// Where values that are not stored as text (IP addresses, joined lists) are
    /// formatted before interning, so that building rows allocates no strings.
    scratch: String,
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a Unix time.
pub fn day_number(unix_seconds: i64) -> i32 {
    unix_seconds.div_euclid(SECONDS_PER_DAY) as i32
}

/// The date of a day number.
pub fn day_date(day: i32) -> NaiveDate {
    DateTime::from_timestamp(day as i64 * SECONDS_PER_DAY, 0)
        .map(|dt| dt.date_naive())
        .unwrap_or_default()
}

/// The day number of a date.
pub fn date_day(date: NaiveDate) -> i32 {
    day_number(
        date.and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp(),
    )
}

impl Dataset {
    pub fn from_store(store: &ReportStore) -> Dataset {
        let mut dataset = Dataset::default();
        dataset.sync(store);
        dataset
    }

    /// Adds the reports the store gained since the last sync.
    ///
    /// Loads only ever append to a store (a later load's reports sort after an
    /// earlier one's), so the rows already built stay valid.
    pub fn sync(&mut self, store: &ReportStore) {
        let known = self.reports.len();
        let new = store.reports().get(known..).unwrap_or_default();
        let policies: usize = new.iter().map(|r| r.report.policies.len()).sum();
        let details: usize = new
            .iter()
            .flat_map(|r| &r.report.policies)
            .map(|p| p.failure_details.len())
            .sum();
        self.reports.reserve(new.len());
        self.policies.reserve(policies);
        self.details.reserve(details);
        for (index, loaded) in store.reports().iter().enumerate().skip(known) {
            self.add_report(index as u32, loaded);
        }
    }

    fn add_report(&mut self, store_index: u32, loaded: &LoadedReport) {
        let report = &loaded.report;
        let first_policy = self.policies.len() as u32;
        let row = self.reports.len() as u32;
        for policy in &report.policies {
            self.add_policy(row, policy);
        }
        let start = report.date_range.start.timestamp();
        let s = &mut self.strings;
        self.reports.push(ReportRow {
            store_index,
            organization: s.intern_text(&report.organization_name),
            report_id: s.intern_text(&report.report_id),
            contact_info: s.intern_text_opt(report.contact_info.as_ref()),
            start,
            end: report.date_range.end.timestamp(),
            day: day_number(start),
            policies: first_policy..self.policies.len() as u32,
        });
    }

    fn add_policy(&mut self, report: u32, result: &PolicyResult) {
        let policy = &result.policy;
        let decoded = policy.decoded();
        let row = self.policies.len() as u32;
        let first_detail = self.details.len() as u32;
        for detail in &result.failure_details {
            self.add_detail(row, detail);
        }
        let s = &mut self.strings;
        let scratch = &mut self.scratch;
        let mx_patterns = if !policy.mx_host.is_empty() {
            intern_joined(s, scratch, &policy.mx_host, " ")
        } else if let DecodedPolicy::Sts(sts) = &decoded {
            intern_joined(s, scratch, &sts.mx, " ")
        } else {
            Sym::NONE
        };
        self.policies.push(PolicyRow {
            report,
            policy_type: s.intern(policy.policy_type.as_str()),
            policy_domain: s.intern_text_opt(policy.policy_domain.as_ref()),
            mode: s.intern_opt(decoded.mode().map(|m| m.as_str())),
            version: intern_joined(s, scratch, &policy.policy_string, "\n"),
            mx_patterns,
            successful: result.summary.total_successful_session_count,
            failed: result.summary.total_failure_session_count,
            detail_failed: result.detail_failure_count(),
            details: first_detail..self.details.len() as u32,
        });
    }

    fn add_detail(&mut self, policy: u32, detail: &FailureDetail) {
        let s = &mut self.strings;
        let scratch = &mut self.scratch;
        let mut ip = |s: &mut Strings, ip: &Option<IpText>| match ip {
            Some(IpText::Malformed(text)) => s.intern_text(text),
            Some(ip) => {
                scratch.clear();
                let _ = write!(scratch, "{ip}");
                s.intern(scratch)
            }
            None => Sym::NONE,
        };
        let row = DetailRow {
            policy,
            result_type: s.intern(detail.result_type.as_str()),
            sending_mta_ip: ip(s, &detail.sending_mta_ip),
            receiving_ip: ip(s, &detail.receiving_ip),
            receiving_mx_hostname: s.intern_text_opt(detail.receiving_mx_hostname.as_ref()),
            receiving_mx_helo: s.intern_text_opt(detail.receiving_mx_helo.as_ref()),
            failed_session_count: detail.failed_session_count,
            failure_reason_code: s.intern_text_opt(detail.failure_reason_code.as_ref()),
            additional_information: s.intern_text_opt(detail.additional_information.as_ref()),
        };
        self.details.push(row);
    }

    /// Where the report of a row was read from, as a reader shows it.
    pub fn source(&self, store: &ReportStore, report: &ReportRow) -> String {
        store
            .reports()
            .get(report.store_index as usize)
            .map(|r| r.source.to_string())
            .unwrap_or_default()
    }

    /// The report a policy row belongs to.
    pub fn report_of(&self, policy: &PolicyRow) -> &ReportRow {
        &self.reports[policy.report as usize]
    }

    /// The text of a symbol.
    pub fn text(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }
}

/// Interns `parts` joined by `separator` (empty: [`Sym::NONE`]), formatted in
/// `scratch`.
fn intern_joined<T: AsRef<str>>(
    strings: &mut Strings,
    scratch: &mut String,
    parts: &[T],
    separator: &str,
) -> Sym {
    scratch.clear();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            scratch.push_str(separator);
        }
        scratch.push_str(part.as_ref());
    }
    strings.intern(scratch)
}
