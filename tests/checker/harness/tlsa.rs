//! TLSA records for the certificates the world serves. Zone fixtures name them by
//! placeholder, since the keys are made when the world starts:
//!
//! - `{{U S M SNI}}`: the record of usage U, selector S and matching type M for
//!   the certificate served for SNI: its leaf for DANE-EE (3), the test CA for
//!   DANE-TA (2);
//! - `{{U 1 M key:NAME}}`: the same for the key NAME of the test PKI, served or
//!   not (a next key, an old key).
//!
//! The digests are computed here from rcgen's DER and ring, apart from the
//! checker's own matching code.

use std::collections::HashMap;
use std::sync::Arc;

use rcgen::PublicKeyData;
use ring::digest::{SHA256, SHA512, digest};
use rustls::sign::CertifiedKey;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::pki::pki;

/// The zone text with every placeholder replaced.
pub fn expand(zone: &str, served: &HashMap<String, Arc<CertifiedKey>>) -> String {
    let mut out = String::new();
    let mut rest = zone;
    while let Some(start) = rest.find("{{") {
        let end = start + rest[start..].find("}}").expect("a closed placeholder");
        out.push_str(&rest[..start]);
        out.push_str(&record(&rest[start + 2..end], served));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn record(placeholder: &str, served: &HashMap<String, Arc<CertifiedKey>>) -> String {
    let fields: Vec<&str> = placeholder.split_whitespace().collect();
    let [usage, selector, matching, subject] = fields[..] else {
        panic!("not a TLSA placeholder: {placeholder}");
    };
    let selected = match subject.strip_prefix("key:") {
        Some(name) => {
            assert_eq!(selector, "1", "a bare key has only its SPKI");
            pki().named_key(name).subject_public_key_info()
        }
        None => {
            let cert = match usage {
                "2" => pki().ca_der.to_vec(),
                _ => served
                    .get(subject)
                    .unwrap_or_else(|| panic!("no certificate served for {subject}"))
                    .cert[0]
                    .to_vec(),
            };
            match selector {
                "0" => cert,
                _ => spki(&cert),
            }
        }
    };
    let data = match matching {
        "0" => selected,
        "1" => digest(&SHA256, &selected).as_ref().to_vec(),
        _ => digest(&SHA512, &selected).as_ref().to_vec(),
    };
    let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
    format!("{usage} {selector} {matching} {hex}")
}

fn spki(cert: &[u8]) -> Vec<u8> {
    let (_, cert) = X509Certificate::from_der(cert).expect("certificate");
    cert.public_key().raw.to_vec()
}
