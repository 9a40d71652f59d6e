//! The exported tables as records: one struct per table, whose field names are the
//! documented CSV columns and JSON keys (README, "Exported tables").

use serde::Serialize;

use crate::analysis::{DomainHealth, GroupTable, Point, Selection};
use crate::library::{Loaded, Sym};
use crate::report::SessionSum;

/// A failure detail with every column of its report and policy repeated.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FailureDetailRecord {
    pub organization: String,
    pub report_id: String,
    pub start_datetime: String,
    pub end_datetime: String,
    pub contact_info: String,
    pub policy_type: String,
    pub policy_domain: String,
    pub policy_mode: String,
    /// The policy's MX patterns, space-separated.
    pub policy_mx: String,
    pub result_type: String,
    pub sending_mta_ip: String,
    pub receiving_ip: String,
    pub receiving_mx_hostname: String,
    pub receiving_mx_helo: String,
    pub failed_session_count: u64,
    pub failure_reason_code: String,
    pub additional_information: String,
    pub source: String,
}

/// One report with its totals.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ReportRecord {
    pub organization: String,
    pub report_id: String,
    pub start_datetime: String,
    pub end_datetime: String,
    pub contact_info: String,
    /// Policy domains of the report's selected policies, space-separated.
    pub policy_domains: String,
    pub policies: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    pub detail_failed_sessions: SessionSum,
    pub source: String,
}

/// One day (or week) of a time series; `reports` 0 marks a gap.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SeriesRecord {
    pub start: String,
    pub reports: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    pub total_sessions: SessionSum,
    pub success_rate: Option<f64>,
    pub detail_failed_sessions: SessionSum,
}

/// One policy domain's health.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HealthRecord {
    pub policy_domain: String,
    pub reports: u64,
    pub successful_sessions: SessionSum,
    pub failed_sessions: SessionSum,
    pub failure_share: Option<f64>,
    pub grade: String,
    pub top_result_type: String,
    pub top_result_type_sessions: SessionSum,
    pub top_result_type_sender: String,
}

/// Column names of each record type, in field order (also written for empty tables).
pub const FAILURE_DETAIL_COLUMNS: [&str; 18] = [
    "organization",
    "report_id",
    "start_datetime",
    "end_datetime",
    "contact_info",
    "policy_type",
    "policy_domain",
    "policy_mode",
    "policy_mx",
    "result_type",
    "sending_mta_ip",
    "receiving_ip",
    "receiving_mx_hostname",
    "receiving_mx_helo",
    "failed_session_count",
    "failure_reason_code",
    "additional_information",
    "source",
];
pub const REPORT_COLUMNS: [&str; 11] = [
    "organization",
    "report_id",
    "start_datetime",
    "end_datetime",
    "contact_info",
    "policy_domains",
    "policies",
    "successful_sessions",
    "failed_sessions",
    "detail_failed_sessions",
    "source",
];
pub const SERIES_COLUMNS: [&str; 7] = [
    "start",
    "reports",
    "successful_sessions",
    "failed_sessions",
    "total_sessions",
    "success_rate",
    "detail_failed_sessions",
];
pub const HEALTH_COLUMNS: [&str; 9] = [
    "policy_domain",
    "reports",
    "successful_sessions",
    "failed_sessions",
    "failure_share",
    "grade",
    "top_result_type",
    "top_result_type_sessions",
    "top_result_type_sender",
];

/// The measure columns of a grouped table, after the dimension columns.
pub const MEASURE_COLUMNS: [&str; 11] = [
    "reports",
    "successful_sessions",
    "failed_sessions",
    "total_sessions",
    "success_rate",
    "detail_failed_sessions",
    "detail_share",
    "first_day",
    "last_day",
    "distinct_successful_sessions",
    "distinct_failed_sessions",
];

/// One cell of a grouped table, typed: JSON writes counts and rates as numbers
/// and empty measures as `null`; CSV writes them as text.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupCell {
    /// A dimension's value, or a first/last day.
    Text(String),
    Count(SessionSum),
    /// A rate or share, a fraction from 0 to 1.
    Fraction(f64),
    /// A measure the table has not (session counts of a detail table, the rate of
    /// a group without sessions).
    Empty,
}

impl GroupCell {
    /// The cell as CSV text.
    pub fn text(&self) -> String {
        match self {
            GroupCell::Text(text) => text.clone(),
            GroupCell::Count(n) => n.to_string(),
            GroupCell::Fraction(f) => f.to_string(),
            GroupCell::Empty => String::new(),
        }
    }
}

impl Serialize for GroupCell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            GroupCell::Text(text) => s.serialize_str(text),
            GroupCell::Count(n) => s.serialize_u128(*n),
            // Whole fractions (0 and 1) as integers, as the JSON tables have
            // always written them.
            GroupCell::Fraction(f) if f.fract() == 0.0 && (0.0..=1.0).contains(f) => {
                s.serialize_u64(*f as u64)
            }
            GroupCell::Fraction(f) => s.serialize_f64(*f),
            GroupCell::Empty => s.serialize_none(),
        }
    }
}

/// The cells of a grouped table: header, then one row per group. Session columns
/// are empty in tables grouped by a detail dimension.
pub fn group_rows(table: &GroupTable) -> (Vec<String>, Vec<Vec<GroupCell>>) {
    let header: Vec<String> = table
        .key_columns()
        .into_iter()
        .chain(MEASURE_COLUMNS)
        .map(String::from)
        .collect();
    let sessions = table.has_session_counts();
    let count = |n: SessionSum| {
        if sessions {
            GroupCell::Count(n)
        } else {
            GroupCell::Empty
        }
    };
    let fraction = |f: Option<f64>| f.map_or(GroupCell::Empty, GroupCell::Fraction);
    let date = |d: Option<chrono::NaiveDate>| {
        d.map_or(GroupCell::Empty, |d| {
            GroupCell::Text(d.format("%Y-%m-%d").to_string())
        })
    };
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let m = &row.measures;
            let mut cells: Vec<GroupCell> =
                row.labels.iter().cloned().map(GroupCell::Text).collect();
            cells.extend([
                GroupCell::Count(SessionSum::from(m.reports)),
                count(m.successful_sessions),
                count(m.failed_sessions),
                count(m.total_sessions()),
                if sessions {
                    fraction(m.success_rate())
                } else {
                    GroupCell::Empty
                },
                GroupCell::Count(m.detail_failed_sessions),
                fraction(table.detail_share(row)),
                date(m.first_date()),
                date(m.last_date()),
                count(m.distinct_successful_sessions),
                count(m.distinct_failed_sessions),
            ]);
            cells
        })
        .collect();
    (header, rows)
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|dt| dt.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Every selected failure detail, in input order.
pub fn failure_detail_records(loaded: &Loaded, selection: &Selection) -> Vec<FailureDetailRecord> {
    let dataset = loaded.dataset();
    let text = |sym: Sym| dataset.text(sym).to_string();
    let mut records = Vec::new();
    for (d, detail) in dataset.details.iter().enumerate() {
        if !selection.details[d] || !selection.policies[detail.policy as usize] {
            continue;
        }
        let policy = &dataset.policies[detail.policy as usize];
        let report = dataset.report_of(policy);
        records.push(FailureDetailRecord {
            organization: text(report.organization),
            report_id: text(report.report_id),
            start_datetime: rfc3339(report.start),
            end_datetime: rfc3339(report.end),
            contact_info: text(report.contact_info),
            policy_type: text(policy.policy_type),
            policy_domain: text(policy.policy_domain),
            policy_mode: text(policy.mode),
            policy_mx: text(policy.mx_patterns),
            result_type: text(detail.result_type),
            sending_mta_ip: text(detail.sending_mta_ip),
            receiving_ip: text(detail.receiving_ip),
            receiving_mx_hostname: text(detail.receiving_mx_hostname),
            receiving_mx_helo: text(detail.receiving_mx_helo),
            failed_session_count: detail.failed_session_count,
            failure_reason_code: text(detail.failure_reason_code),
            additional_information: text(detail.additional_information),
            source: loaded.source_of(report),
        });
    }
    records
}

/// Every report with a selected policy, with the selected policies' totals.
pub fn report_records(loaded: &Loaded, selection: &Selection) -> Vec<ReportRecord> {
    let dataset = loaded.dataset();
    let text = |sym: Sym| dataset.text(sym).to_string();
    let mut records = Vec::new();
    for (index, report) in dataset.reports.iter().enumerate() {
        if !selection.reports[index] {
            continue;
        }
        let selected: Vec<u32> = report
            .policies
            .clone()
            .filter(|&p| selection.policies[p as usize])
            .collect();
        let policies = selected.iter().map(|&p| &dataset.policies[p as usize]);
        let domains: Vec<&str> = policies
            .clone()
            .map(|p| dataset.text(p.policy_domain))
            .filter(|d| !d.is_empty())
            .collect();
        records.push(ReportRecord {
            organization: text(report.organization),
            report_id: text(report.report_id),
            start_datetime: rfc3339(report.start),
            end_datetime: rfc3339(report.end),
            contact_info: text(report.contact_info),
            policy_domains: domains.join(" "),
            policies: selected.len() as u64,
            successful_sessions: policies
                .clone()
                .map(|p| SessionSum::from(p.successful))
                .sum(),
            failed_sessions: policies.clone().map(|p| SessionSum::from(p.failed)).sum(),
            detail_failed_sessions: selected
                .iter()
                .map(|&p| SessionSum::from(selection.policy_detail_failed[p as usize]))
                .sum(),
            source: loaded.source_of(report),
        });
    }
    records
}

pub fn series_records(points: &[Point]) -> Vec<SeriesRecord> {
    points
        .iter()
        .map(|p| SeriesRecord {
            start: p.start.format("%Y-%m-%d").to_string(),
            reports: p.reports,
            successful_sessions: p.successful_sessions,
            failed_sessions: p.failed_sessions,
            total_sessions: p.successful_sessions + p.failed_sessions,
            success_rate: p.success_rate(),
            detail_failed_sessions: p.detail_failed_sessions,
        })
        .collect()
}

pub fn health_records(rows: &[DomainHealth]) -> Vec<HealthRecord> {
    rows.iter()
        .map(|h| HealthRecord {
            policy_domain: h.policy_domain.clone(),
            reports: h.reports,
            successful_sessions: h.successful_sessions,
            failed_sessions: h.failed_sessions,
            failure_share: h.failure_share,
            grade: h.grade.as_str().to_string(),
            top_result_type: h.top_result_type.clone().unwrap_or_default(),
            top_result_type_sessions: h.top_result_type_sessions,
            top_result_type_sender: h.top_result_type_sender.clone().unwrap_or_default(),
        })
        .collect()
}
