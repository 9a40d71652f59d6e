//! The result of a check, serialized as the JSON contract of the `check` command.

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::policy::{Mode, Policy};
use super::records::ProposedRecords;
use super::steps::starttls::{AddressResult, Starttls};

/// The overall verdict: the worst severity among the findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// The state of a record as a sender sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A sender would apply this policy (MTA-STS) or send reports (TLS-RPT).
    Valid,
    /// A sender treats the domain as having none: no usable TXT record (none,
    /// several, a syntax error, a DNS error).
    Absent,
    /// MTA-STS: a usable record exists but the policy cannot be fetched, trusted or
    /// parsed. TLS-RPT: records exist but none is usable.
    Invalid,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Absent => "absent",
            Status::Invalid => "invalid",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// The domain checked, in A-labels.
    pub domain: String,
    pub verdict: Verdict,
    pub mta_sts: MtaStsState,
    pub tls_rpt: TlsRptState,
    pub mx: Vec<MxState>,
    pub findings: Vec<Finding>,
    /// The records to publish.
    pub records: ProposedRecords,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MtaStsState {
    pub status: Status,
    /// For `invalid`: the RFC 8460 result type senders log.
    pub tlsrpt_result_type: Option<&'static str>,
    /// The `_mta-sts` record, when exactly one begins with `v=STSv1`.
    pub record: Option<String>,
    /// The policy, when `valid`.
    pub policy: Option<PolicyState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyState {
    pub mode: Mode,
    pub mx: Vec<String>,
    pub max_age: u64,
}

impl From<&Policy> for PolicyState {
    fn from(policy: &Policy) -> Self {
        PolicyState {
            mode: policy.mode,
            mx: policy.mx.iter().map(|p| p.to_string()).collect(),
            max_age: policy.max_age,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsRptState {
    pub status: Status,
    /// The URIs reports go to (empty unless `valid`).
    pub rua: Vec<String>,
    /// The `_smtp._tls` record, when exactly one begins with `v=TLSRPTv1`.
    pub record: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxState {
    pub host: String,
    /// `null` for the implicit MX.
    pub preference: Option<u16>,
    /// `null` when there is no valid policy to match against.
    pub matches_policy: Option<bool>,
    /// `failed` if any address failed, then `missing`, then `ok`; `untested`
    /// when no address could be tested.
    pub starttls: Starttls,
    pub addresses: Vec<AddressResult>,
}

impl CheckReport {
    pub fn verdict_of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Fail) => Verdict::Fail,
            Some(Severity::Warn) => Verdict::Warn,
            _ => Verdict::Pass,
        }
    }

    /// True when a finding is a failure: the exit status of `check` is then 1.
    pub fn has_failure(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Fail)
    }
}
