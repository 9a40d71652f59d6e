//! The dimensions reports can be grouped by.

use std::fmt;

use chrono::Datelike;

use crate::library::Sym;
use crate::library::{Dataset, DetailRow, PolicyRow, ReportRow, date_of_day};

/// What a dimension is a property of: the report, the (report, policy) pair, or a
/// failure detail. Grouping by a detail dimension counts failure details only; a
/// summary's session counts cannot be split by result type or MX host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Report,
    Policy,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Policy type and policy domain together.
    Policy,
    PolicyDomain,
    PolicyType,
    /// The MTA-STS mode of the applied policy string.
    PolicyMode,
    /// The applied policy string as a whole: which policy version a sender used.
    PolicyVersion,
    /// "organization-name": the sending organization.
    Organization,
    ResultType,
    /// The UTC day of the report's start.
    Day,
    /// The ISO week of the report's start.
    Week,
    Month,
    /// "receiving-mx-hostname".
    MxHost,
    /// "receiving-ip".
    ReceivingIp,
    /// "sending-mta-ip".
    SendingIp,
    FailureReasonCode,
    /// One report (organization and report-id).
    Report,
}

impl Dimension {
    pub const ALL: [Dimension; 15] = [
        Dimension::Policy,
        Dimension::PolicyDomain,
        Dimension::PolicyType,
        Dimension::PolicyMode,
        Dimension::PolicyVersion,
        Dimension::Organization,
        Dimension::ResultType,
        Dimension::Day,
        Dimension::Week,
        Dimension::Month,
        Dimension::MxHost,
        Dimension::ReceivingIp,
        Dimension::SendingIp,
        Dimension::FailureReasonCode,
        Dimension::Report,
    ];

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Policy => "policy",
            Dimension::PolicyDomain => "policy-domain",
            Dimension::PolicyType => "policy-type",
            Dimension::PolicyMode => "policy-mode",
            Dimension::PolicyVersion => "policy-version",
            Dimension::Organization => "organization",
            Dimension::ResultType => "result-type",
            Dimension::Day => "day",
            Dimension::Week => "week",
            Dimension::Month => "month",
            Dimension::MxHost => "mx-host",
            Dimension::ReceivingIp => "receiving-ip",
            Dimension::SendingIp => "sending-ip",
            Dimension::FailureReasonCode => "failure-reason-code",
            Dimension::Report => "report",
        }
    }

    /// A human title, for table headers.
    pub fn title(self) -> &'static str {
        match self {
            Dimension::Policy => "Policy",
            Dimension::PolicyDomain => "Policy domain",
            Dimension::PolicyType => "Policy type",
            Dimension::PolicyMode => "Policy mode",
            Dimension::PolicyVersion => "Policy version",
            Dimension::Organization => "Organization",
            Dimension::ResultType => "Result type",
            Dimension::Day => "Day",
            Dimension::Week => "Week",
            Dimension::Month => "Month",
            Dimension::MxHost => "MX host",
            Dimension::ReceivingIp => "Receiving IP",
            Dimension::SendingIp => "Sending MTA IP",
            Dimension::FailureReasonCode => "Failure reason code",
            Dimension::Report => "Report",
        }
    }

    pub fn parse(name: &str) -> Option<Dimension> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        Dimension::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The CSV and JSON columns of the dimension's value.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Dimension::Policy => &["policy_type", "policy_domain"],
            Dimension::PolicyDomain => &["policy_domain"],
            Dimension::PolicyType => &["policy_type"],
            Dimension::PolicyMode => &["policy_mode"],
            Dimension::PolicyVersion => &["policy_string"],
            Dimension::Organization => &["organization"],
            Dimension::ResultType => &["result_type"],
            Dimension::Day => &["day"],
            Dimension::Week => &["week"],
            Dimension::Month => &["month"],
            Dimension::MxHost => &["receiving_mx_hostname"],
            Dimension::ReceivingIp => &["receiving_ip"],
            Dimension::SendingIp => &["sending_mta_ip"],
            Dimension::FailureReasonCode => &["failure_reason_code"],
            Dimension::Report => &["organization", "report_id"],
        }
    }

    /// Whether the dimension is a time (day, week, month), whose keys order as
    /// the times do.
    pub fn is_time(self) -> bool {
        matches!(self, Dimension::Day | Dimension::Week | Dimension::Month)
    }

    pub fn level(self) -> Level {
        match self {
            Dimension::Organization
            | Dimension::Day
            | Dimension::Week
            | Dimension::Month
            | Dimension::Report => Level::Report,
            Dimension::Policy
            | Dimension::PolicyDomain
            | Dimension::PolicyType
            | Dimension::PolicyMode
            | Dimension::PolicyVersion => Level::Policy,
            Dimension::ResultType
            | Dimension::MxHost
            | Dimension::ReceivingIp
            | Dimension::SendingIp
            | Dimension::FailureReasonCode => Level::Detail,
        }
    }

    /// The group key of a row. Detail dimensions need the detail.
    pub fn key(
        self,
        report_index: u32,
        report: &ReportRow,
        policy: &PolicyRow,
        detail: Option<&DetailRow>,
    ) -> u64 {
        let sym = |s: Sym| s.0 as u64;
        let detail_sym = |f: fn(&DetailRow) -> Sym| detail.map_or(0, |d| sym(f(d)));
        match self {
            Dimension::Policy => (sym(policy.policy_type) << 32) | sym(policy.policy_domain),
            Dimension::PolicyDomain => sym(policy.policy_domain),
            Dimension::PolicyType => sym(policy.policy_type),
            Dimension::PolicyMode => sym(policy.mode),
            Dimension::PolicyVersion => sym(policy.version),
            Dimension::Organization => sym(report.organization),
            Dimension::Day => report.day as i64 as u64,
            Dimension::Week => week_start(report.day) as i64 as u64,
            Dimension::Month => {
                let date = date_of_day(report.day);
                (date.year() as i64 * 12 + date.month0() as i64) as u64
            }
            Dimension::Report => report_index as u64,
            Dimension::ResultType => detail_sym(|d| d.result_type),
            Dimension::MxHost => detail_sym(|d| d.receiving_mx_hostname),
            Dimension::ReceivingIp => detail_sym(|d| d.receiving_ip),
            Dimension::SendingIp => detail_sym(|d| d.sending_mta_ip),
            Dimension::FailureReasonCode => detail_sym(|d| d.failure_reason_code),
        }
    }

    /// The values of a key, one per column.
    pub fn labels(self, dataset: &Dataset, key: u64) -> Vec<String> {
        let text = |k: u64| dataset.text(Sym(k as u32)).to_string();
        match self {
            Dimension::Policy => vec![text(key >> 32), text(key & 0xFFFF_FFFF)],
            Dimension::Day => vec![
                date_of_day(key as i64 as i32)
                    .format("%Y-%m-%d")
                    .to_string(),
            ],
            Dimension::Week => {
                let week = date_of_day(key as i64 as i32).iso_week();
                vec![format!("{}-W{:02}", week.year(), week.week())]
            }
            Dimension::Month => {
                let months = key as i64;
                vec![format!(
                    "{:04}-{:02}",
                    months.div_euclid(12),
                    months.rem_euclid(12) + 1
                )]
            }
            Dimension::Report => {
                let report = &dataset.reports[key as usize];
                vec![
                    text(report.organization.0 as u64),
                    text(report.report_id.0 as u64),
                ]
            }
            _ => vec![text(key)],
        }
    }
}

/// The Monday starting the ISO week of a day.
pub fn week_start(day: i32) -> i32 {
    day - date_of_day(day).weekday().num_days_from_monday() as i32
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
