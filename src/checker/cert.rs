//! Certificates as evidence: subject, issuer, DNS names and dates of each
//! certificate a server presents, and the problems a sender would see.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use rustls::pki_types::CertificateDer;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// What one certificate says about itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// The DNS-ID subject alternative names.
    pub dns_names: Vec<String>,
    /// The subject's common name, shown when there is no DNS-ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl CertInfo {
    /// Reads a DER certificate; `None` when it does not parse.
    pub fn parse(der: &[u8]) -> Option<CertInfo> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let validity = cert.validity();
        Some(CertInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            dns_names: dns_names(&cert),
            common_name: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(str::to_string),
            not_before: DateTime::from_timestamp(validity.not_before.timestamp(), 0)?,
            not_after: DateTime::from_timestamp(validity.not_after.timestamp(), 0)?,
        })
    }

    /// Whole days until `not_after`, negative once expired.
    pub fn days_left(&self, now: SystemTime) -> i64 {
        (self.not_after - to_datetime(now)).num_days()
    }

    /// An instant inside the validity period, to test the chain apart from dates.
    pub fn midpoint(&self) -> SystemTime {
        let middle = self.not_before + (self.not_after - self.not_before) / 2;
        UNIX_EPOCH + Duration::from_secs(u64::try_from(middle.timestamp()).unwrap_or(0))
    }

    /// RFC 6125 §6.4: a DNS-ID equal to the name, or a wildcard that is the whole
    /// leftmost label and stands for exactly one label. The common name does not
    /// count: "Matching is performed only against the DNS-ID identifiers" (RFC 8461
    /// §3.3, and §4.2 for MX hosts).
    pub fn matches_name(&self, host: &str) -> bool {
        self.dns_names.iter().any(|id| dns_id_matches(id, host))
    }

    /// One line for evidence.
    pub fn summary(&self, now: SystemTime) -> String {
        let names = if self.dns_names.is_empty() {
            format!(
                "no DNS names (CN {})",
                self.common_name.as_deref().unwrap_or("none")
            )
        } else {
            self.dns_names.join(", ")
        };
        let days = self.days_left(now);
        let left = match days {
            0.. => format!("{days} days left"),
            _ => format!("expired {} days ago", -days),
        };
        format!(
            "subject {}; DNS names {names}; issuer {}; valid {} to {} ({left})",
            self.subject,
            self.issuer,
            self.not_before.format("%Y-%m-%d"),
            self.not_after.format("%Y-%m-%d"),
        )
    }
}

fn dns_names(cert: &X509Certificate) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn dns_id_matches(id: &str, host: &str) -> bool {
    let id = id.strip_suffix('.').unwrap_or(id).to_ascii_lowercase();
    match id.strip_prefix("*.") {
        Some(base) => super::domain::name_matches(true, base, host),
        None => super::domain::name_matches(false, &id, host),
    }
}

pub fn to_datetime(time: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(time)
}

/// A reason a sender would refuse the certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertProblem {
    /// The chain does not lead to a trusted root (or a signature is bad).
    Untrusted(String),
    /// A certificate of the chain is past its `notAfter`.
    Expired(String),
    /// A certificate of the chain is before its `notBefore`.
    NotYetValid(String),
    /// No DNS-ID matches the host name.
    NameMismatch(String),
    /// Any other verification error.
    Other(String),
}

impl CertProblem {
    /// What is wrong, in words.
    pub fn detail(&self) -> &str {
        match self {
            CertProblem::Untrusted(d)
            | CertProblem::Expired(d)
            | CertProblem::NotYetValid(d)
            | CertProblem::NameMismatch(d)
            | CertProblem::Other(d) => d,
        }
    }
}

/// The certificate chain a server presented, and what is wrong with it.
#[derive(Clone, Debug, Default)]
pub struct CertCheck {
    /// Leaf first. A certificate that does not parse is left out.
    pub chain: Vec<CertInfo>,
    pub problems: Vec<CertProblem>,
    /// The chain as sent, leaf first, for matching against TLSA records.
    pub der: Vec<CertificateDer<'static>>,
}

impl CertCheck {
    pub fn leaf(&self) -> Option<&CertInfo> {
        self.chain.first()
    }

    /// The chain for evidence, one certificate a line.
    pub fn evidence(&self, now: SystemTime) -> String {
        self.chain
            .iter()
            .enumerate()
            .map(|(i, cert)| format!("#{i} {}", cert.summary(now)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::dns_id_matches;

    #[test]
    fn c3_wildcard_dns_id_covers_one_label() {
        assert!(dns_id_matches("*.example.com", "mta-sts.example.com"));
        assert!(!dns_id_matches("*.example.com", "example.com"));
        assert!(!dns_id_matches("*.example.com", "a.mta-sts.example.com"));
        assert!(dns_id_matches(
            "MTA-STS.example.com",
            "mta-sts.EXAMPLE.com."
        ));
        assert!(!dns_id_matches("mta*.example.com", "mta-sts.example.com"));
    }
}
