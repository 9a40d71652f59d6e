//! TLSA records as DANE for SMTP reads them (RFC 6698 §2.1; RFC 7672 §3.1): which
//! records a sender can use, and the certificate association data of a
//! certificate, to match one against the other.

use std::fmt;

use hickory_resolver::proto::rr::rdata::TLSA;
use ring::digest::{SHA256, SHA512, digest};
use x509_parser::prelude::{FromDer, X509Certificate};

/// DANE-TA: the record names a trust anchor of the server's chain (RFC 7672 §3.1.2).
pub const DANE_TA: u8 = 2;
/// DANE-EE: the record names the server's own certificate or key (§3.1.1).
pub const DANE_EE: u8 = 3;

/// One TLSA record, its fields as numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlsa {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    pub data: Vec<u8>,
}

/// Why a sender cannot use a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// PKIX-TA (0) or PKIX-EE (1): SMTP has no set of trusted CAs to check them
    /// against, so senders treat them as unusable (RFC 7672 §3.1.3).
    Pkix,
    /// A usage, selector or matching type that RFC 6698 does not define.
    Unknown,
    /// A SHA-256 or SHA-512 digest of the wrong length: it can match nothing.
    DigestLength { expected: usize },
}

impl Tlsa {
    pub fn from_rdata(tlsa: &TLSA) -> Tlsa {
        Tlsa {
            usage: tlsa.cert_usage.into(),
            selector: tlsa.selector.into(),
            matching: tlsa.matching.into(),
            data: tlsa.cert_data.clone(),
        }
    }

    /// Why senders skip the record; `None` when they can use it.
    pub fn unusable(&self) -> Option<Unusable> {
        match (self.usage, self.selector, self.matching) {
            (0 | 1, ..) => Some(Unusable::Pkix),
            (DANE_TA | DANE_EE, 0 | 1, 0) => None,
            (DANE_TA | DANE_EE, 0 | 1, 1 | 2) => {
                let expected = if self.matching == 1 { 32 } else { 64 };
                (self.data.len() != expected).then_some(Unusable::DigestLength { expected })
            }
            _ => Some(Unusable::Unknown),
        }
    }

    /// Whether the certificate (DER) is the one the record describes, under its
    /// selector and matching type.
    pub fn matches(&self, certificate: &[u8]) -> bool {
        association(certificate, self.selector, self.matching).is_some_and(|data| data == self.data)
    }

    /// The record as it is published, e.g. `3 1 1 2b3c…` (all of the data).
    pub fn text(&self) -> String {
        format!(
            "{} {} {} {}",
            self.usage,
            self.selector,
            self.matching,
            hex(&self.data)
        )
    }

    /// The usage by its RFC 7218 acronym.
    pub fn usage_name(&self) -> &'static str {
        match self.usage {
            0 => "PKIX-TA",
            1 => "PKIX-EE",
            DANE_TA => "DANE-TA",
            DANE_EE => "DANE-EE",
            _ => "unassigned",
        }
    }
}

impl fmt::Display for Tlsa {
    /// The record with the data cut to 16 hex digits, for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = hex(&self.data);
        let short = data.get(..16).map_or(data.clone(), |s| format!("{s}…"));
        write!(
            f,
            "{} {} {} {short}",
            self.usage, self.selector, self.matching
        )
    }
}

/// The certificate association data of a certificate (RFC 6698 §2.1.2, §2.1.3):
/// the whole certificate (selector 0) or its SubjectPublicKeyInfo (1), as is
/// (matching type 0) or hashed with SHA-256 (1) or SHA-512 (2). `None` for
/// other values, or a certificate that does not parse.
pub fn association(certificate: &[u8], selector: u8, matching: u8) -> Option<Vec<u8>> {
    let selected = match selector {
        0 => certificate.to_vec(),
        1 => {
            let (_, cert) = X509Certificate::from_der(certificate).ok()?;
            cert.public_key().raw.to_vec()
        }
        _ => return None,
    };
    match matching {
        0 => Some(selected),
        1 => Some(digest(&SHA256, &selected).as_ref().to_vec()),
        2 => Some(digest(&SHA512, &selected).as_ref().to_vec()),
        _ => None,
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(usage: u8, selector: u8, matching: u8, len: usize) -> Tlsa {
        Tlsa {
            usage,
            selector,
            matching,
            data: vec![0xab; len],
        }
    }

    #[test]
    fn rfc7672_3_1_3_pkix_usages_are_unusable_for_smtp() {
        assert_eq!(record(0, 1, 1, 32).unusable(), Some(Unusable::Pkix));
        assert_eq!(record(1, 0, 1, 32).unusable(), Some(Unusable::Pkix));
        assert_eq!(record(3, 1, 1, 32).unusable(), None);
        assert_eq!(record(2, 0, 2, 64).unusable(), None);
        assert_eq!(record(3, 1, 0, 91).unusable(), None);
    }

    #[test]
    fn rfc6698_2_1_unknown_fields_and_short_digests_are_unusable() {
        assert_eq!(record(4, 1, 1, 32).unusable(), Some(Unusable::Unknown));
        assert_eq!(record(3, 2, 1, 32).unusable(), Some(Unusable::Unknown));
        assert_eq!(record(3, 1, 3, 32).unusable(), Some(Unusable::Unknown));
        assert_eq!(
            record(3, 1, 1, 20).unusable(),
            Some(Unusable::DigestLength { expected: 32 })
        );
        assert_eq!(
            record(3, 1, 2, 32).unusable(),
            Some(Unusable::DigestLength { expected: 64 })
        );
    }

    #[test]
    fn rfc6698_2_1_3_full_certificate_digests_are_of_the_der() {
        let der = b"not a certificate, but bytes to hash";
        let sha256 = association(der, 0, 1).expect("a digest");
        assert_eq!(
            hex(&sha256),
            hex(digest(&SHA256, der).as_ref()),
            "selector 0 hashes the whole DER"
        );
        assert_eq!(association(der, 0, 0).as_deref(), Some(&der[..]));
        assert_eq!(
            association(der, 1, 1),
            None,
            "no SPKI in bytes that do not parse"
        );
        assert_eq!(association(der, 0, 3), None);
    }

    #[test]
    fn tlsa_text_is_the_presentation_format() {
        let tlsa = Tlsa {
            usage: 3,
            selector: 1,
            matching: 1,
            data: vec![0x01, 0xfe],
        };
        assert_eq!(tlsa.text(), "3 1 1 01fe");
        assert_eq!(tlsa.to_string(), "3 1 1 01fe");
        assert_eq!(tlsa.usage_name(), "DANE-EE");
        let long = record(3, 1, 1, 32);
        assert_eq!(long.to_string(), "3 1 1 abababababababab…");
    }
}
