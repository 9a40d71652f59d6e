//! The normalized RFC 8460 report model.
//!
//! Everything a producer sent is kept: unknown policy and result types verbatim,
//! malformed IP addresses as text, both the summary counts and the failure details.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::policy_string::DecodedPolicy;

/// Shared, immutable text. Values that repeat across reports (organization names,
/// policy domains, policy strings) are interned so a million reports stay small.
pub type Text = Arc<str>;

/// One SMTP TLS report (RFC 8460 §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Report {
    /// "organization-name": "The name of the organization responsible for the report."
    pub organization_name: Text,
    /// "date-range": the period the report covers.
    pub date_range: DateRange,
    /// "contact-info": null or missing in some producers' reports.
    pub contact_info: Option<Text>,
    /// "report-id": "A unique identifier for the report." With the organization it
    /// identifies copies of the same report.
    pub report_id: Text,
    /// "policies": one entry per policy the sender applied.
    pub policies: Vec<PolicyResult>,
}

/// RFC 8460 §4.4 "date-range": "start-datetime" and "end-datetime".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl DateRange {
    /// The UTC day a report's sessions are counted on: the day of its start.
    pub fn day(&self) -> NaiveDate {
        self.start.date_naive()
    }
}

/// One entry of "policies": the policy, its summary and its failure details.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyResult {
    /// Shared: the same policy appears in many reports (every sender, every day).
    pub policy: Arc<Policy>,
    pub summary: SessionSummary,
    /// "failure-details": absent, `[]` or a list; absent and `[]` mean the same.
    pub failure_details: Vec<FailureDetail>,
}

/// Sum of "failed-session-count" over failure details, at most `u64::MAX`.
pub(crate) fn failed_session_sum(details: &[FailureDetail]) -> u64 {
    details
        .iter()
        .fold(0, |sum, d| sum.saturating_add(d.failed_session_count))
}

impl PolicyResult {
    /// Sum of "failed-session-count" over the failure details (at most `u64::MAX`:
    /// counts are whatever a report says).
    pub fn detail_failure_count(&self) -> u64 {
        failed_session_sum(&self.failure_details)
    }

    /// True when the failure details do not add up to "total-failure-session-count".
    ///
    /// Producers do this (Mail.ru sends two details summing 2 under a total of 1);
    /// totals come from the summary, breakdowns from the details, and the user sees both.
    pub fn details_disagree(&self) -> bool {
        self.detail_failure_count() != self.summary.total_failure_session_count
    }
}

/// RFC 8460 §4.4 "summary".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SessionSummary {
    /// "total-successful-session-count"
    pub total_successful_session_count: u64,
    /// "total-failure-session-count"; when a producer omits it, the sum of the
    /// failure details.
    pub total_failure_session_count: u64,
}

/// RFC 8460 §4.4 "policy".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Policy {
    /// "policy-type": "sts", "tlsa" or "no-policy-found".
    pub policy_type: PolicyType,
    /// "policy-string": "An encoding of the applied policy as a JSON array of strings".
    pub policy_string: Vec<Text>,
    /// "policy-domain": "The Policy Domain against which the MTA-STS or DANE policy is
    /// defined." Postfix omits it when no policy was found.
    pub policy_domain: Option<Text>,
    /// "mx-host": "the pattern of MX hostnames from the applied policy" (MTA-STS only).
    pub mx_host: Vec<Text>,
}

impl Policy {
    /// The policy string decoded into mode, MX patterns and max_age (MTA-STS) or TLSA
    /// records (DANE).
    pub fn decoded(&self) -> DecodedPolicy {
        DecodedPolicy::decode(&self.policy_type, &self.policy_string)
    }
}

/// RFC 8460 §4.4 "policy-type". Unknown types are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyType {
    /// "sts": an MTA-STS policy (RFC 8461) was applied.
    Sts,
    /// "tlsa": a DANE TLSA policy (RFC 6698) was applied.
    Tlsa,
    /// "no-policy-found": neither policy was found.
    NoPolicyFound,
    /// Any other value, as the producer sent it.
    Other(Text),
}

impl PolicyType {
    pub fn parse(value: &str) -> PolicyType {
        let trimmed = value.trim();
        [PolicyType::Sts, PolicyType::Tlsa, PolicyType::NoPolicyFound]
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(trimmed))
            .unwrap_or_else(|| PolicyType::Other(value.into()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            PolicyType::Sts => "sts",
            PolicyType::Tlsa => "tlsa",
            PolicyType::NoPolicyFound => "no-policy-found",
            PolicyType::Other(other) => other,
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 8460 §4.3 result types. Unknown types are kept verbatim, never rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResultType {
    // §4.3.1 Negotiation failures
    StarttlsNotSupported,
    CertificateHostMismatch,
    CertificateExpired,
    CertificateNotTrusted,
    ValidationFailure,
    // §4.3.2 Policy failures: DANE
    TlsaInvalid,
    DnssecInvalid,
    DaneRequired,
    // §4.3.2 Policy failures: MTA-STS
    StsPolicyFetchError,
    StsPolicyInvalid,
    StsWebpkiInvalid,
    /// Any other value, as the producer sent it.
    Other(Text),
}

impl ResultType {
    /// Every result type of the RFC 8460 registry, in RFC order.
    pub const REGISTERED: [ResultType; 11] = [
        ResultType::StarttlsNotSupported,
        ResultType::CertificateHostMismatch,
        ResultType::CertificateExpired,
        ResultType::CertificateNotTrusted,
        ResultType::ValidationFailure,
        ResultType::TlsaInvalid,
        ResultType::DnssecInvalid,
        ResultType::DaneRequired,
        ResultType::StsPolicyFetchError,
        ResultType::StsPolicyInvalid,
        ResultType::StsWebpkiInvalid,
    ];

    pub fn parse(value: &str) -> ResultType {
        // The registered names are lowercase ASCII: comparing without ASCII case is
        // comparing the lowercased value, without allocating it.
        let trimmed = value.trim();
        ResultType::REGISTERED
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(trimmed))
            .unwrap_or_else(|| ResultType::Other(value.into()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            ResultType::StarttlsNotSupported => "starttls-not-supported",
            ResultType::CertificateHostMismatch => "certificate-host-mismatch",
            ResultType::CertificateExpired => "certificate-expired",
            ResultType::CertificateNotTrusted => "certificate-not-trusted",
            ResultType::ValidationFailure => "validation-failure",
            ResultType::TlsaInvalid => "tlsa-invalid",
            ResultType::DnssecInvalid => "dnssec-invalid",
            ResultType::DaneRequired => "dane-required",
            ResultType::StsPolicyFetchError => "sts-policy-fetch-error",
            ResultType::StsPolicyInvalid => "sts-policy-invalid",
            ResultType::StsWebpkiInvalid => "sts-webpki-invalid",
            ResultType::Other(other) => other,
        }
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IP address as reported: parsed when valid, kept as text when not
/// (`"x.x.x.x"` in an edited Microsoft report).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpText {
    Ip(IpAddr),
    Malformed(Text),
}

impl IpText {
    /// `None` for an empty or blank value, which producers send for "unknown".
    pub fn parse(value: &str) -> Option<IpText> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        Some(match value.parse::<IpAddr>() {
            Ok(ip) => IpText::Ip(ip),
            Err(_) => IpText::Malformed(value.into()),
        })
    }
}

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpText::Ip(ip) => ip.fmt(f),
            IpText::Malformed(text) => f.write_str(text),
        }
    }
}

/// RFC 8460 §4.4 "failure-details" entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FailureDetail {
    /// "result-type": "A value from Section 4.3".
    pub result_type: ResultType,
    /// "sending-mta-ip": "The IP address of the Sending MTA that attempted the STARTTLS
    /// connection."
    pub sending_mta_ip: Option<IpText>,
    /// "receiving-mx-hostname": "The hostname of the receiving MTA MX record with which
    /// the Sending MTA attempted to negotiate a STARTTLS connection."
    pub receiving_mx_hostname: Option<Text>,
    /// "receiving-mx-helo": "The HELO or EHLO string from the banner announced during
    /// the reported session."
    pub receiving_mx_helo: Option<Text>,
    /// "receiving-ip": "The destination IP address that was used when creating the
    /// outbound session."
    pub receiving_ip: Option<IpText>,
    /// "failed-session-count": "The number of (attempted) sessions that match the
    /// relevant "result-type" for this section."
    pub failed_session_count: u64,
    /// "additional-information": "A URI that points to additional information around
    /// the relevant "result-type"."
    pub additional_information: Option<Text>,
    /// "failure-reason-code": "A text field to include a TLS-related error code or error
    /// message."
    pub failure_reason_code: Option<Text>,
}

/// A link found in a report ("additional-information") as one to open: only an
/// `http` or `https` URI, without spaces or control characters. Anything else
/// (`javascript:`, `file:`, `data:`, a network share) stays text: a report is
/// anyone's to send.
pub fn web_link(text: &str) -> Option<&str> {
    let link = text.trim();
    let scheme_end = link.find("://")?;
    let scheme = &link[..scheme_end];
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    let host_starts = link.len() > scheme_end + 3;
    let clean = !link.chars().any(|c| c.is_whitespace() || c.is_control());
    (web && host_starts && clean).then_some(link)
}

impl Report {
    /// Total successful sessions over all policies, from the summaries (at most
    /// `u64::MAX`).
    pub fn successful_sessions(&self) -> u64 {
        self.policies.iter().fold(0, |sum, p| {
            sum.saturating_add(p.summary.total_successful_session_count)
        })
    }

    /// Total failed sessions over all policies, from the summaries (at most
    /// `u64::MAX`).
    pub fn failed_sessions(&self) -> u64 {
        self.policies.iter().fold(0, |sum, p| {
            sum.saturating_add(p.summary.total_failure_session_count)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::web_link;

    #[test]
    fn only_http_and_https_links_are_links() {
        for link in [
            "https://example.com/tls",
            "HTTP://example.com",
            " http://x.example/a?b=c ",
        ] {
            assert_eq!(web_link(link), Some(link.trim()), "{link}");
        }
        for text in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>x</script>",
            "\\\\server\\share",
            "https://",
            "https://example.com/a b",
            "https://example.com/\u{7}",
            "ftp://example.com",
            "see https://example.com",
            "",
        ] {
            assert_eq!(web_link(text), None, "{text:?}");
        }
    }
}
