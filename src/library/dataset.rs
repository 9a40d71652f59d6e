//! The loaded reports as compact rows for fast filtering and grouping.
//!
//! One [`ReportRow`] per report, one [`PolicyRow`] per (report, policy) with its
//! summary counts, one [`DetailRow`] per failure detail. Rows refer to their parent
//! by index and hold interned [`Sym`]s. Rows are in the store's input order, so
//! the details of a policy and the policies of a report are contiguous. Rows are
//! made by [`super::Loaded::finish_load`], with the strings the store shares.

use std::collections::HashMap;
use std::fmt::Write;
use std::ops::Range;

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use super::store::{LoadedReport, ReportStore};
use super::strings::{Strings, Sym};
use crate::report::{DecodedPolicy, FailureDetail, IpText, PolicyResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    /// Index in [`super::Loaded::reports`].
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

impl ReportRow {
    /// Every string the row names.
    pub fn syms(&self) -> [Sym; 3] {
        [self.organization, self.report_id, self.contact_info]
    }
}

impl PolicyRow {
    /// Every string the row names.
    pub fn syms(&self) -> [Sym; 5] {
        [
            self.policy_type,
            self.policy_domain,
            self.mode,
            self.version,
            self.mx_patterns,
        ]
    }
}

impl DetailRow {
    /// Every string the row names.
    pub fn syms(&self) -> [Sym; 7] {
        [
            self.result_type,
            self.sending_mta_ip,
            self.receiving_ip,
            self.receiving_mx_hostname,
            self.receiving_mx_helo,
            self.failure_reason_code,
            self.additional_information,
        ]
    }
}

/// The rows of the loaded reports, and the strings they share.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Every string of the reports and rows, shared with the store's reports.
    pub strings: Strings,
    pub reports: Vec<ReportRow>,
    pub policies: Vec<PolicyRow>,
    pub details: Vec<DetailRow>,
    /// Organization names that differ only in letter case are one sender
    /// ("Mail.ru" and "Mail.Ru"): rows hold the spelling seen first; the lowercase
    /// name leads to it.
    pub(super) senders: HashMap<Box<str>, Sym, foldhash::fast::RandomState>,
    /// The other spellings of a sender, by the symbol its rows hold.
    pub(super) spellings: HashMap<Sym, Vec<Sym>, foldhash::fast::RandomState>,
    /// Where values that are not stored as text (IP addresses, joined lists) are
    /// formatted before interning, so that building rows allocates no strings.
    scratch: String,
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a Unix time.
pub fn day_number(unix_seconds: i64) -> i32 {
    unix_seconds.div_euclid(SECONDS_PER_DAY) as i32
}

/// The date of a day number (days since 1970-01-01).
pub fn date_of_day(day: i32) -> NaiveDate {
    DateTime::from_timestamp(day as i64 * SECONDS_PER_DAY, 0)
        .map(|dt| dt.date_naive())
        .unwrap_or_default()
}

/// The day number (days since 1970-01-01) of a date.
pub fn day_of_date(date: NaiveDate) -> i32 {
    day_number(
        date.and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp(),
    )
}

impl Dataset {
    /// Adds the reports the store gained since the last sync.
    ///
    /// Loads only ever append to a store (a later load's reports sort after an
    /// earlier one's), so the rows already built stay valid.
    pub(super) fn sync(&mut self, store: &ReportStore) {
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
        let organization = self.sender(&report.organization_name);
        let s = &mut self.strings;
        self.reports.push(ReportRow {
            store_index,
            organization,
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
        let text = PolicyText::of(result);
        let row = self.policies.len() as u32;
        let first_detail = self.details.len() as u32;
        for detail in &result.failure_details {
            self.add_detail(row, detail);
        }
        let s = &mut self.strings;
        self.policies.push(PolicyRow {
            report,
            policy_type: s.intern(policy.policy_type.as_str()),
            policy_domain: s.intern_text_opt(policy.policy_domain.as_ref()),
            mode: s.intern_opt(text.mode.as_deref()),
            version: s.intern(&text.version),
            mx_patterns: s.intern(&text.mx_patterns),
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

    /// The symbol of the sender named `name`: the first spelling of it seen, in
    /// any letter case.
    fn sender(&mut self, name: &crate::report::Text) -> Sym {
        let spelled = self.strings.intern_text(name);
        self.sender_spelled(spelled)
    }

    fn sender_spelled(&mut self, spelled: Sym) -> Sym {
        let lower = self.strings.get(spelled).to_lowercase();
        match self.senders.get(lower.as_str()) {
            Some(&first) if first != spelled => {
                let others = self.spellings.entry(first).or_default();
                if !others.contains(&spelled) {
                    others.push(spelled);
                }
                first
            }
            Some(&first) => first,
            None => {
                self.senders.insert(lower.into(), spelled);
                spelled
            }
        }
    }

    /// Adds a detail row, of the policy row pushed next, from stored values.
    pub(super) fn push_stored_detail(&mut self, v: StoredDetail<'_>) {
        let s = &mut self.strings;
        let row = DetailRow {
            policy: self.policies.len() as u32,
            result_type: s.intern(v.result_type),
            sending_mta_ip: s.intern_opt(v.sending_mta_ip),
            receiving_ip: s.intern_opt(v.receiving_ip),
            receiving_mx_hostname: s.intern_opt(v.receiving_mx_hostname),
            receiving_mx_helo: s.intern_opt(v.receiving_mx_helo),
            failed_session_count: v.failed_session_count,
            failure_reason_code: s.intern_opt(v.failure_reason_code),
            additional_information: s.intern_opt(v.additional_information),
        };
        self.details.push(row);
    }

    /// Adds a policy row, of the report row pushed next, from stored values; its
    /// details are those pushed since the previous policy.
    pub(super) fn push_stored_policy(&mut self, v: StoredPolicy<'_>) {
        let first_detail = self.policies.last().map_or(0, |p| p.details.end);
        let s = &mut self.strings;
        self.policies.push(PolicyRow {
            report: self.reports.len() as u32,
            policy_type: s.intern(v.policy_type),
            policy_domain: s.intern_opt(v.policy_domain),
            mode: s.intern_opt(v.mode),
            version: s.intern_opt(v.version),
            mx_patterns: s.intern_opt(v.mx_patterns),
            successful: v.successful,
            failed: v.failed,
            detail_failed: v.detail_failed,
            details: first_detail..self.details.len() as u32,
        });
    }

    /// Adds a report row from stored values; its policies are those pushed since
    /// the previous report.
    pub(super) fn push_stored_report(&mut self, v: StoredReport<'_>) {
        let first_policy = self.reports.last().map_or(0, |r| r.policies.end);
        let spelled = self.strings.intern(v.organization);
        let organization = self.sender_spelled(spelled);
        let s = &mut self.strings;
        self.reports.push(ReportRow {
            store_index: v.store_index,
            organization,
            report_id: s.intern(v.report_id),
            contact_info: s.intern_opt(v.contact_info),
            start: v.start,
            end: v.end,
            day: day_number(v.start),
            policies: first_policy..self.policies.len() as u32,
        });
    }

    /// The other spellings (letter case) of the sender a row names.
    pub fn spellings(&self, sender: Sym) -> &[Sym] {
        self.spellings.get(&sender).map_or(&[], Vec::as_slice)
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

/// A report row's values as a library stores them.
pub(super) struct StoredReport<'a> {
    pub store_index: u32,
    pub organization: &'a str,
    pub report_id: &'a str,
    pub contact_info: Option<&'a str>,
    pub start: i64,
    pub end: i64,
}

/// A policy row's values as a library stores them (`version`: the policy string's
/// lines joined with `\n`; `mx_patterns`: space-separated).
pub(super) struct StoredPolicy<'a> {
    pub policy_type: &'a str,
    pub policy_domain: Option<&'a str>,
    pub mode: Option<&'a str>,
    pub version: Option<&'a str>,
    pub mx_patterns: Option<&'a str>,
    pub successful: u64,
    pub failed: u64,
    pub detail_failed: u64,
}

/// A failure detail row's values as a library stores them.
pub(super) struct StoredDetail<'a> {
    pub result_type: &'a str,
    pub sending_mta_ip: Option<&'a str>,
    pub receiving_ip: Option<&'a str>,
    pub receiving_mx_hostname: Option<&'a str>,
    pub receiving_mx_helo: Option<&'a str>,
    pub failed_session_count: u64,
    pub failure_reason_code: Option<&'a str>,
    pub additional_information: Option<&'a str>,
}

/// What a policy row shows of a policy besides its fields: the one home of these
/// rules, for rows made from reports and rows a library stores.
pub struct PolicyText {
    /// The MTA-STS mode from the policy string.
    pub mode: Option<String>,
    /// The policy string's lines joined with `\n` (empty: none).
    pub version: String,
    /// The MX patterns, space-separated: "mx-host", or the policy string's `mx`
    /// lines (empty: none).
    pub mx_patterns: String,
}

impl PolicyText {
    pub fn of(result: &PolicyResult) -> PolicyText {
        let policy = &result.policy;
        let decoded = policy.decoded();
        let mx_patterns = if !policy.mx_host.is_empty() {
            joined(&policy.mx_host, " ")
        } else if let DecodedPolicy::Sts(sts) = &decoded {
            joined(&sts.mx, " ")
        } else {
            String::new()
        };
        PolicyText {
            mode: decoded.mode().map(|m| m.as_str().to_string()),
            version: joined(&policy.policy_string, "\n"),
            mx_patterns,
        }
    }
}

fn joined<T: AsRef<str>>(parts: &[T], separator: &str) -> String {
    let mut text = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            text.push_str(separator);
        }
        text.push_str(part.as_ref());
    }
    text
}
