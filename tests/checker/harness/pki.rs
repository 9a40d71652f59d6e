//! The test PKI: a harness root CA that the checker trusts, a rogue CA that it
//! does not, and leaf certificates made on demand, with fresh or named keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{Datelike, Days, NaiveDate, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

/// Who signs a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// The root the checker is told to trust.
    Ca,
    /// A root the checker does not know.
    Rogue,
    /// The leaf signs itself.
    SelfSigned,
}

/// The validity period of a leaf, relative to today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// From 30 days ago to 90 days ahead.
    Good,
    /// Ended yesterday.
    Expired,
    /// Starts in 10 days.
    NotYet,
}

/// What a leaf certificate says, and how it is served.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub dns_names: Vec<String>,
    pub signer: Signer,
    pub validity: Validity,
    /// The key, by name: the same name is the same key in every certificate of
    /// the test run. `None`: a fresh key.
    pub key: Option<&'static str>,
    /// The server sends the CA certificate after the leaf.
    pub with_ca: bool,
}

impl Leaf {
    pub fn good(name: &str) -> Leaf {
        Leaf {
            dns_names: vec![name.to_string()],
            signer: Signer::Ca,
            validity: Validity::Good,
            key: None,
            with_ca: false,
        }
    }

    pub fn expired(name: &str) -> Leaf {
        Leaf {
            validity: Validity::Expired,
            ..Leaf::good(name)
        }
    }

    pub fn rogue(name: &str) -> Leaf {
        Leaf {
            signer: Signer::Rogue,
            ..Leaf::good(name)
        }
    }

    /// A certificate for another host than the one asked for.
    pub fn other_host(other: &str) -> Leaf {
        Leaf::good(other)
    }
}

pub struct Pki {
    pub ca_pem: String,
    pub ca_der: CertificateDer<'static>,
    ca: Issuer<'static, KeyPair>,
    rogue: Issuer<'static, KeyPair>,
    /// PKCS #8 keys by name.
    keys: Mutex<HashMap<String, Vec<u8>>>,
}

/// The PKI of the test run, made once.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let (ca_pem, ca_der, ca) = root("TLS-RPT Analyzer test CA");
        let (_, _, rogue) = root("Rogue CA");
        Pki {
            ca_pem,
            ca_der,
            ca,
            rogue,
            keys: Mutex::default(),
        }
    })
}

fn root(name: &str) -> (String, CertificateDer<'static>, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    set_validity(
        &mut params,
        today() - Days::new(365),
        today() + Days::new(3650),
    );
    let key = KeyPair::generate().expect("CA key");
    let cert = params.self_signed(&key).expect("CA certificate");
    (cert.pem(), cert.der().clone(), Issuer::new(params, key))
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn set_validity(params: &mut CertificateParams, from: NaiveDate, to: NaiveDate) {
    let ymd = |date: NaiveDate| {
        let month = u8::try_from(date.month()).expect("month");
        let day = u8::try_from(date.day()).expect("day");
        date_time_ymd(date.year(), month, day)
    };
    params.not_before = ymd(from);
    params.not_after = ymd(to);
}

impl Pki {
    /// Makes the leaf and its key, ready for a rustls server.
    pub fn certified(&self, leaf: &Leaf) -> Arc<CertifiedKey> {
        let mut params = CertificateParams::default();
        let first = leaf.dns_names.first().cloned().unwrap_or_default();
        params.distinguished_name = distinguished_name(&first);
        params.subject_alt_names = leaf
            .dns_names
            .iter()
            .map(|n| SanType::DnsName(n.clone().try_into().expect("DNS name")))
            .collect();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let (from, to) = match leaf.validity {
            Validity::Good => (today() - Days::new(30), today() + Days::new(90)),
            Validity::Expired => (today() - Days::new(120), today() - Days::new(1)),
            Validity::NotYet => (today() + Days::new(10), today() + Days::new(100)),
        };
        set_validity(&mut params, from, to);
        let key = match leaf.key {
            Some(name) => self.named_key(name),
            None => KeyPair::generate().expect("leaf key"),
        };
        let cert = match leaf.signer {
            Signer::Ca => params.signed_by(&key, &self.ca),
            Signer::Rogue => params.signed_by(&key, &self.rogue),
            Signer::SelfSigned => params.self_signed(&key),
        }
        .expect("leaf certificate");
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = rustls::crypto::ring::default_provider();
        let mut chain = vec![cert.der().clone()];
        if leaf.with_ca {
            chain.push(self.ca_der.clone());
        }
        let certified = CertifiedKey::from_der(chain, key_der, &provider).expect("certified key");
        Arc::new(certified)
    }

    /// The key of this name, the same for the whole test run.
    pub fn named_key(&self, name: &str) -> KeyPair {
        let mut keys = self.keys.lock().expect("keys");
        let pkcs8 = keys
            .entry(name.to_string())
            .or_insert_with(|| KeyPair::generate().expect("key").serialize_der());
        KeyPair::try_from(pkcs8.as_slice()).expect("key")
    }
}
