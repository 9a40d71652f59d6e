//! The result of a check, serialized as the JSON contract of the `check` command.

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::policy::{Mode, Policy};
use super::records::ProposedRecords;
use super::secure_dns::Dnssec;
use super::steps::dane::Dane;
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
    pub dane: DaneState,
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

/// DANE for the domain as a whole, from its MX hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DaneStatus {
    /// DANE senders authenticate every MX host with DNSSEC-validated TLSA records
    /// (or would: a host not probed counts as long as nothing failed).
    Valid,
    /// No MX host has TLSA records.
    Absent,
    /// Some DANE sender fails: a bogus answer, a certificate no record matches,
    /// only unusable records, or a host without TLSA beside hosts with them.
    Invalid,
    /// TLSA records exist, but not in DNSSEC-signed zones: senders ignore them.
    Insecure,
    /// TLSA records exist, but DNSSEC does not validate through the DNS server
    /// used, so they could not be judged.
    Untested,
}

impl DaneStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DaneStatus::Valid => "valid",
            DaneStatus::Absent => "absent",
            DaneStatus::Invalid => "invalid",
            DaneStatus::Insecure => "insecure",
            DaneStatus::Untested => "untested",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DaneState {
    pub status: DaneStatus,
    /// For `invalid`: the RFC 8460 result type DANE senders log (`dnssec-invalid`,
    /// `tlsa-invalid` or `dane-required`).
    pub tlsrpt_result_type: Option<&'static str>,
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
    /// The DNSSEC status of the host's addresses and TLSA records (bogus, too,
    /// when the MX records are); `null` beyond the hosts that were looked up, or
    /// when DNSSEC does not validate through the DNS server used.
    pub dnssec: Option<Dnssec>,
    pub dane: Dane,
    /// The TLSA record that matched the host's certificate, as published.
    pub tlsa_matched: Option<String>,
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
