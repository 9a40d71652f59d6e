//! Findings: one observation of the checker, with its evidence, the RFC section
//! behind it and the TLS-RPT result type a sending MTA would log for it.

use serde::Serialize;

/// How bad a finding is, as seen from a sending MTA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The check succeeded.
    Pass,
    /// Advice; nothing breaks.
    Info,
    /// An interoperability risk, or an RFC "SHOULD" that is not met.
    Warn,
    /// Senders will treat the domain as having no policy, or will refuse or skip
    /// delivery.
    Fail,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Pass => "pass",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }
}

/// The step of the check a finding belongs to, in the order the steps run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The domain name given by the user.
    Domain,
    /// The `_mta-sts` TXT record (RFC 8461 §3.1).
    StsRecord,
    /// The HTTPS fetch of the policy (RFC 8461 §3.3).
    PolicyFetch,
    /// The policy file (RFC 8461 §3.2).
    Policy,
    /// The MX records against the policy (RFC 8461 §4.1).
    Mx,
    /// STARTTLS on each MX host (RFC 8461 §4.2, RFC 3207).
    Smtp,
    /// DANE: the DNSSEC-validated TLSA records of each MX host, matched against
    /// the certificates the hosts serve (RFC 7672).
    Dane,
    /// The `_smtp._tls` TXT record (RFC 8460 §3).
    TlsRpt,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Domain => "Domain",
            Step::StsRecord => "MTA-STS record (_mta-sts TXT)",
            Step::PolicyFetch => "Policy fetch (HTTPS)",
            Step::Policy => "Policy file",
            Step::Mx => "MX records and policy",
            Step::Smtp => "STARTTLS on the MX hosts",
            Step::Dane => "DANE (TLSA records of the MX hosts)",
            Step::TlsRpt => "TLS-RPT record (_smtp._tls TXT)",
        }
    }
}

/// The `result-type` values of RFC 8460 §4.3 that the checker can predict.
pub mod result_type {
    /// §4.3.1: the receiving MTA does not offer STARTTLS.
    pub const STARTTLS_NOT_SUPPORTED: &str = "starttls-not-supported";
    /// §4.3.1: the certificate presented does not match the MX hostname.
    pub const CERTIFICATE_HOST_MISMATCH: &str = "certificate-host-mismatch";
    /// §4.3.1: the certificate has expired.
    pub const CERTIFICATE_EXPIRED: &str = "certificate-expired";
    /// §4.3.1: the certificate does not chain to a trusted root.
    pub const CERTIFICATE_NOT_TRUSTED: &str = "certificate-not-trusted";
    /// §4.3.1: "a general failure for a reason not matching a category above".
    pub const VALIDATION_FAILURE: &str = "validation-failure";
    /// §4.3.2.2: "a failure to retrieve an MTA-STS policy".
    pub const STS_POLICY_FETCH_ERROR: &str = "sts-policy-fetch-error";
    /// §4.3.2.2: "a validation error for the policy retrieved".
    pub const STS_POLICY_INVALID: &str = "sts-policy-invalid";
    /// §4.3.2.2: "the MTA-STS policy could not be authenticated using PKIX
    /// validation".
    pub const STS_WEBPKI_INVALID: &str = "sts-webpki-invalid";
    /// §4.3.2.1: "a validation error in the TLSA record associated with a DANE
    /// policy. None of the records in the RRset were found to be valid."
    pub const TLSA_INVALID: &str = "tlsa-invalid";
    /// §4.3.2.1: "no valid records were returned from the recursive resolver",
    /// for a sender that validates DNSSEC.
    pub const DNSSEC_INVALID: &str = "dnssec-invalid";
    /// §4.3.2.1: the sender requires DANE for the domain, but "no
    /// DNSSEC-validated TLSA records were present for the MX host".
    pub const DANE_REQUIRED: &str = "dane-required";
}

/// One observation of the checker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable identifier, such as `policy-mx-missing`.
    pub id: &'static str,
    pub severity: Severity,
    pub step: Step,
    /// What it means, in words a postmaster can act on.
    pub message: String,
    /// The raw material: records, headers, certificate subjects and dates, SMTP
    /// replies. Empty when there is nothing more to show.
    pub evidence: String,
    /// The section of the RFC that the finding rests on, e.g. `RFC 8461 §3.2`.
    pub rfc_section: &'static str,
    /// The RFC 8460 `result-type` a sending MTA would log for this failure.
    pub tlsrpt_result_type: Option<&'static str>,
}

impl Finding {
    pub(crate) fn new(
        step: Step,
        id: &'static str,
        severity: Severity,
        rfc_section: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            id,
            severity,
            step,
            message: message.into(),
            evidence: String::new(),
            rfc_section,
            tlsrpt_result_type: None,
        }
    }
}

/// The findings of one step, collected in order.
#[derive(Debug)]
pub(crate) struct Findings {
    step: Step,
    pub(crate) list: Vec<Finding>,
}

impl Findings {
    pub(crate) fn new(step: Step) -> Self {
        Findings {
            step,
            list: Vec::new(),
        }
    }

    /// Records a finding of this step and returns it for evidence and result type.
    pub(crate) fn add(
        &mut self,
        id: &'static str,
        severity: Severity,
        rfc_section: &'static str,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.list
            .push(Finding::new(self.step, id, severity, rfc_section, message));
        let last = self.list.len() - 1;
        &mut self.list[last]
    }

    pub(crate) fn has_fail(&self) -> bool {
        self.list.iter().any(|f| f.severity == Severity::Fail)
    }

    /// The result type of the first failure, for the `mta_sts` status.
    pub(crate) fn first_fail_result_type(&self) -> Option<&'static str> {
        self.list
            .iter()
            .filter(|f| f.severity == Severity::Fail)
            .find_map(|f| f.tlsrpt_result_type)
    }
}

impl Finding {
    /// Builder-style setters for findings returned as `&mut` by [`Findings::add`].
    pub(crate) fn with_evidence(&mut self, evidence: impl Into<String>) -> &mut Self {
        self.evidence = evidence.into();
        self
    }

    pub(crate) fn with_result_type(&mut self, result_type: &'static str) -> &mut Self {
        self.tlsrpt_result_type = Some(result_type);
        self
    }
}
