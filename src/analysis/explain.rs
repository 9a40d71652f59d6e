//! Plain-language explanations of RFC 8460 §4.3 result types, for the receiving
//! side: what a sender saw, and what to check or fix.

use serde::Serialize;

/// What a result type means and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub result_type: &'static str,
    /// False for result types outside the RFC 8460 registry.
    pub registered: bool,
    pub meaning: &'static str,
    pub fix: &'static str,
}

const EXPLANATIONS: [Explanation; 11] = [
    Explanation {
        result_type: "starttls-not-supported",
        registered: true,
        meaning: "The sender connected to your MX host, but it did not offer STARTTLS (or refused it).",
        fix: "Enable STARTTLS on every MX host and on every IP address of each (check load balancers and backup MX hosts, which are often forgotten). Test with: openssl s_client -starttls smtp -connect MX:25.",
    },
    Explanation {
        result_type: "certificate-host-mismatch",
        registered: true,
        meaning: "The certificate your MX host presented does not name the MX hostname the sender connected to.",
        fix: "Issue a certificate whose subjectAltName contains each MX hostname exactly as published in DNS (a wildcard covers one label only). With MTA-STS, the name must also match an mx pattern of the policy.",
    },
    Explanation {
        result_type: "certificate-expired",
        registered: true,
        meaning: "The certificate your MX host presented has expired (or is not yet valid).",
        fix: "Renew the certificate and make sure the SMTP server reloads it; automate renewal and monitor expiry on every MX host.",
    },
    Explanation {
        result_type: "certificate-not-trusted",
        registered: true,
        meaning: "The sender could not build a chain from your MX host's certificate to a trusted root: self-signed, a private CA, or a missing intermediate certificate.",
        fix: "Use a certificate from a public CA and configure the server to send the full chain (leaf plus intermediates).",
    },
    Explanation {
        result_type: "validation-failure",
        registered: true,
        meaning: "A general failure to validate the TLS session that none of the other types describes (for example a handshake failure or no shared cipher or protocol version).",
        fix: "Check the failure-reason-code for detail; make sure the server supports TLS 1.2 or later with current cipher suites and completes handshakes from the sender's IP range.",
    },
    Explanation {
        result_type: "tlsa-invalid",
        registered: true,
        meaning: "DANE: the TLSA records published for your MX host do not match the certificate it presented, or are malformed.",
        fix: "Regenerate the TLSA records from the certificate or key in use; when rotating keys, publish the new TLSA record before deploying the new certificate.",
    },
    Explanation {
        result_type: "dnssec-invalid",
        registered: true,
        meaning: "DANE: the sender could not validate the DNSSEC signatures of your TLSA or MX records.",
        fix: "Check the DNSSEC chain of your zone (DS at the parent, signatures not expired) with a DNSSEC debugger.",
    },
    Explanation {
        result_type: "dane-required",
        registered: true,
        meaning: "DANE: the sender required DANE but found no usable TLSA records for your MX host.",
        fix: "Publish TLSA records for each MX host in a DNSSEC-signed zone, or stop advertising DANE.",
    },
    Explanation {
        result_type: "sts-policy-fetch-error",
        registered: true,
        meaning: "MTA-STS: the sender found your _mta-sts TXT record but could not fetch the policy from https://mta-sts.DOMAIN/.well-known/mta-sts.txt (DNS, connection, TLS or HTTP error).",
        fix: "Make sure mta-sts.DOMAIN resolves, serves HTTPS with a valid public certificate for that name, and answers the policy path with HTTP 200 without redirects. Run the domain checker.",
    },
    Explanation {
        result_type: "sts-policy-invalid",
        registered: true,
        meaning: "MTA-STS: the policy file was fetched but could not be parsed (bad version, mode, mx or max_age line).",
        fix: "Fix the policy syntax: version: STSv1, mode: enforce|testing|none, one mx line per pattern, max_age up to 31557600; served as text/plain. Then change the id in the _mta-sts TXT record.",
    },
    Explanation {
        result_type: "sts-webpki-invalid",
        registered: true,
        meaning: "MTA-STS: the certificate of the policy host mta-sts.DOMAIN could not be validated (expired, untrusted or wrong name).",
        fix: "Serve https://mta-sts.DOMAIN with a valid public certificate naming mta-sts.DOMAIN, including intermediates.",
    },
];

const UNKNOWN: Explanation = Explanation {
    result_type: "",
    registered: false,
    meaning: "This result type is not in the RFC 8460 registry; the sender uses its own name.",
    fix: "Look at the failure-reason-code and additional-information of the failure details, or ask the sending organization.",
};

/// The explanation of a result type; unknown types say so.
pub fn explain(result_type: &str) -> Explanation {
    let lower = result_type.trim().to_ascii_lowercase();
    EXPLANATIONS
        .iter()
        .find(|e| e.result_type == lower)
        .copied()
        .unwrap_or(UNKNOWN)
}

/// Every registered result type's explanation.
pub fn registered() -> &'static [Explanation] {
    &EXPLANATIONS
}
