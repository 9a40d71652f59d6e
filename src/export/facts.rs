//! The three fact tables of the warehouse export (`reports`, `policies`,
//! `failure-details`): one row per report, per policy, per failure detail, with
//! typed columns named as in the CSV tables (README, "Warehouse export").
//!
//! A [`FactReport`] is made from a decoded report (the streaming export) or from
//! the rows of a loaded set ([`loaded_facts`]); either way the same columns follow.

use crate::analysis::Selection;
use crate::library::{Loaded, Order, PolicyText, Source, Sym, content_digest, day_number};
use crate::report::{IpText, PolicyResult, Report};

/// The type of a column: UTF-8 text, a 64-bit count, or a UTC timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Count,
    /// Unix seconds; Parquet stores milliseconds, NDJSON RFC 3339 text.
    Time,
}

/// One column of a fact table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Text,
    }
}

const fn count(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Count,
    }
}

const fn time(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Time,
    }
}

/// The columns every table starts with: who sent the report and for when.
const REPORT_HEAD: [Column; 5] = [
    text("organization"),
    text("report_id"),
    time("start_datetime"),
    time("end_datetime"),
    text("contact_info"),
];

/// The columns every table ends with: where the copy was read, and its place in
/// input order, by which copies across shards are told apart (the first one in
/// (shard, input_order) is the one `summary` of all inputs keeps).
const ORIGIN: [Column; 3] = [text("source"), count("shard"), text("input_order")];

/// A fact table: its name (folder and file name) and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactTable {
    Reports,
    Policies,
    FailureDetails,
}

impl FactTable {
    pub const ALL: [FactTable; 3] = [
        FactTable::Reports,
        FactTable::Policies,
        FactTable::FailureDetails,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FactTable::Reports => "reports",
            FactTable::Policies => "policies",
            FactTable::FailureDetails => "failure-details",
        }
    }

    /// The columns in order (README, "Warehouse export").
    pub fn columns(self) -> Vec<Column> {
        let middle: &[Column] = match self {
            FactTable::Reports => &[
                text("policy_domains"),
                count("policies"),
                count("successful_sessions"),
                count("failed_sessions"),
                count("detail_failed_sessions"),
            ],
            FactTable::Policies => &[
                count("policy_index"),
                text("policy_type"),
                text("policy_domain"),
                text("policy_mode"),
                text("policy_mx"),
                count("successful_sessions"),
                count("failed_sessions"),
                count("detail_failed_sessions"),
            ],
            FactTable::FailureDetails => &[
                text("policy_type"),
                text("policy_domain"),
                text("policy_mode"),
                text("policy_mx"),
                text("result_type"),
                text("sending_mta_ip"),
                text("receiving_ip"),
                text("receiving_mx_hostname"),
                text("receiving_mx_helo"),
                count("failed_session_count"),
                text("failure_reason_code"),
                text("additional_information"),
            ],
        };
        // What identifies a report across shards: its report-id, or its content.
        let key: &[Column] = match self {
            FactTable::Reports => &[text("report_key")],
            _ => &[],
        };
        REPORT_HEAD
            .iter()
            .chain(middle)
            .chain(&ORIGIN)
            .chain(key)
            .copied()
            .collect()
    }

    /// The index of this table in [`FactTable::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One value of a row, in its column's [`Kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Text(&'a str),
    Count(i64),
    Time(i64),
}

/// A report with its policies and their failure details, as the fact tables
/// show it. Absent texts are empty, as in the CSV tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactReport {
    pub organization: String,
    pub report_id: String,
    /// Unix seconds.
    pub start: i64,
    pub end: i64,
    pub contact_info: String,
    pub source: String,
    pub shard: u32,
    pub input_order: String,
    /// The report-id; for a report without one, `sha256:` and the SHA-256 of its
    /// content, so that identical copies in different shards are one report.
    pub report_key: String,
    pub policies: Vec<FactPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactPolicy {
    pub policy_type: String,
    pub policy_domain: String,
    pub policy_mode: String,
    pub policy_mx: String,
    pub successful_sessions: u64,
    pub failed_sessions: u64,
    /// The sum of the failure details' counts (of the details exported).
    pub detail_failed_sessions: u64,
    pub details: Vec<FactDetail>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactDetail {
    pub result_type: String,
    pub sending_mta_ip: String,
    pub receiving_ip: String,
    pub receiving_mx_hostname: String,
    pub receiving_mx_helo: String,
    pub failed_session_count: u64,
    pub failure_reason_code: String,
    pub additional_information: String,
}

/// An [`Order`] as text that sorts as the order does: four zero-padded numbers
/// (load, file, message in an mbox, item), exact for every value.
pub fn input_order_text(order: Order) -> String {
    format!(
        "{:010}-{:010}-{:020}-{:010}",
        order.generation, order.file, order.message, order.item
    )
}

/// A count as a 64-bit integer. Counts are at most 2^53 (a report's bounds), sums
/// of a report's counts too; a larger one is clamped, never wrapped.
pub fn count_value(n: u64) -> Value<'static> {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

impl FactReport {
    /// A decoded report as the fact tables show it.
    pub fn of_report(report: &Report, source: &Source, shard: u32, order: Order) -> FactReport {
        FactReport {
            organization: report.organization_name.to_string(),
            report_id: report.report_id.to_string(),
            start: report.date_range.start.timestamp(),
            end: report.date_range.end.timestamp(),
            contact_info: report.contact_info.as_deref().unwrap_or("").to_string(),
            source: source.to_string(),
            shard,
            input_order: input_order_text(order),
            report_key: report_key(report),
            policies: report.policies.iter().map(FactPolicy::of_result).collect(),
        }
    }

    /// The UTC day of the report's start (days since 1970-01-01): its partition.
    pub fn day(&self) -> i32 {
        day_number(self.start)
    }

    /// The `reports` row, with `with_row` given its values.
    pub fn report_row<R>(&self, with_row: impl FnOnce(&[Value]) -> R) -> R {
        let domains = self
            .policies
            .iter()
            .map(|p| p.policy_domain.as_str())
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        // Sums of up to 2^53 each cannot wrap in u128.
        let sum = |f: fn(&FactPolicy) -> u64| {
            let total: u128 = self.policies.iter().map(|p| u128::from(f(p))).sum();
            count_value(u64::try_from(total).unwrap_or(u64::MAX))
        };
        let values = [
            Value::Text(&domains),
            count_value(self.policies.len() as u64),
            sum(|p| p.successful_sessions),
            sum(|p| p.failed_sessions),
            sum(|p| p.detail_failed_sessions),
        ];
        let mut row = self.row(&values);
        row.push(Value::Text(&self.report_key));
        with_row(&row)
    }

    /// Each `policies` row in turn.
    pub fn policy_rows(&self, mut each: impl FnMut(&[Value])) {
        for (index, p) in self.policies.iter().enumerate() {
            let values = [
                count_value(index as u64),
                Value::Text(&p.policy_type),
                Value::Text(&p.policy_domain),
                Value::Text(&p.policy_mode),
                Value::Text(&p.policy_mx),
                count_value(p.successful_sessions),
                count_value(p.failed_sessions),
                count_value(p.detail_failed_sessions),
            ];
            each(&self.row(&values));
        }
    }

    /// Each `failure-details` row in turn.
    pub fn detail_rows(&self, mut each: impl FnMut(&[Value])) {
        for p in &self.policies {
            for d in &p.details {
                let values = [
                    Value::Text(&p.policy_type),
                    Value::Text(&p.policy_domain),
                    Value::Text(&p.policy_mode),
                    Value::Text(&p.policy_mx),
                    Value::Text(&d.result_type),
                    Value::Text(&d.sending_mta_ip),
                    Value::Text(&d.receiving_ip),
                    Value::Text(&d.receiving_mx_hostname),
                    Value::Text(&d.receiving_mx_helo),
                    count_value(d.failed_session_count),
                    Value::Text(&d.failure_reason_code),
                    Value::Text(&d.additional_information),
                ];
                each(&self.row(&values));
            }
        }
    }

    /// The report's head columns, `middle`, then the origin columns.
    fn row<'a>(&'a self, middle: &[Value<'a>]) -> Vec<Value<'a>> {
        let mut row = Vec::with_capacity(middle.len() + 8);
        row.extend([
            Value::Text(&self.organization),
            Value::Text(&self.report_id),
            Value::Time(self.start),
            Value::Time(self.end),
            Value::Text(&self.contact_info),
        ]);
        row.extend_from_slice(middle);
        row.extend([
            Value::Text(&self.source),
            count_value(u64::from(self.shard)),
            Value::Text(&self.input_order),
        ]);
        row
    }
}

impl FactPolicy {
    fn of_result(result: &PolicyResult) -> FactPolicy {
        let policy = &result.policy;
        let shown = PolicyText::of(result);
        FactPolicy {
            policy_type: policy.policy_type.as_str().to_string(),
            policy_domain: policy.policy_domain.as_deref().unwrap_or("").to_string(),
            policy_mode: shown.mode.unwrap_or_default(),
            policy_mx: shown.mx_patterns,
            successful_sessions: result.summary.total_successful_session_count,
            failed_sessions: result.summary.total_failure_session_count,
            detail_failed_sessions: result.detail_failure_count(),
            details: result
                .failure_details
                .iter()
                .map(|d| FactDetail {
                    result_type: d.result_type.as_str().to_string(),
                    sending_mta_ip: ip_text(&d.sending_mta_ip),
                    receiving_ip: ip_text(&d.receiving_ip),
                    receiving_mx_hostname: opt_text(&d.receiving_mx_hostname),
                    receiving_mx_helo: opt_text(&d.receiving_mx_helo),
                    failed_session_count: d.failed_session_count,
                    failure_reason_code: opt_text(&d.failure_reason_code),
                    additional_information: opt_text(&d.additional_information),
                })
                .collect(),
        }
    }
}

/// The report-id, or `sha256:` and the digest of the content of a report
/// without one.
pub fn report_key(report: &Report) -> String {
    if !report.report_id.is_empty() {
        return report.report_id.to_string();
    }
    let digest = content_digest(report);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn ip_text(ip: &Option<IpText>) -> String {
    ip.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn opt_text(text: &Option<crate::report::Text>) -> String {
    text.as_deref().unwrap_or("").to_string()
}

/// The selected reports of a loaded set (in memory or read from a library), in
/// input order, each with its selected policies and details, handed to `each`.
pub fn loaded_facts<E>(
    loaded: &Loaded,
    selection: &Selection,
    shard: u32,
    mut each: impl FnMut(FactReport) -> Result<(), E>,
) -> Result<(), E> {
    let dataset = loaded.dataset();
    let text = |sym: Sym| dataset.text(sym).to_string();
    for (index, report) in dataset.reports.iter().enumerate() {
        if !selection.reports[index] {
            continue;
        }
        let policies = report
            .policies
            .clone()
            .filter(|&p| selection.policies[p as usize])
            .map(|p| {
                let row = &dataset.policies[p as usize];
                let details = row
                    .details
                    .clone()
                    .filter(|&d| selection.details[d as usize]);
                FactPolicy {
                    policy_type: text(row.policy_type),
                    policy_domain: text(row.policy_domain),
                    policy_mode: text(row.mode),
                    policy_mx: text(row.mx_patterns),
                    successful_sessions: row.successful,
                    failed_sessions: row.failed,
                    detail_failed_sessions: selection.policy_detail_failed[p as usize],
                    details: details
                        .map(|d| {
                            let d = &dataset.details[d as usize];
                            FactDetail {
                                result_type: text(d.result_type),
                                sending_mta_ip: text(d.sending_mta_ip),
                                receiving_ip: text(d.receiving_ip),
                                receiving_mx_hostname: text(d.receiving_mx_hostname),
                                receiving_mx_helo: text(d.receiving_mx_helo),
                                failed_session_count: d.failed_session_count,
                                failure_reason_code: text(d.failure_reason_code),
                                additional_information: text(d.additional_information),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let input_order = input_order_text(loaded.order_of(report).unwrap_or_default());
        // A library keeps no report in memory: one without report-id is then
        // told apart by its place, within the shard only.
        let report_key = match loaded.report_of(report) {
            Some(kept) if loaded.library().is_none() => self::report_key(&kept.report),
            _ if dataset.text(report.report_id).is_empty() => {
                format!("input:{shard}:{input_order}")
            }
            _ => text(report.report_id),
        };
        each(FactReport {
            organization: loaded.organization_name(report),
            report_id: text(report.report_id),
            start: report.start,
            end: report.end,
            contact_info: text(report.contact_info),
            source: loaded.source_of(report),
            shard,
            input_order,
            report_key,
            policies,
        })?;
    }
    Ok(())
}
