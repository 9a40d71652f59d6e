//! The chain a server presents against its usable TLSA records, as a DANE sender
//! matches them (RFC 7672 §3.1): a DANE-EE record must name the leaf, and then
//! neither its names nor its dates count; a DANE-TA record must name a
//! certificate of the chain, which becomes the one trust anchor the leaf must
//! chain to, valid for a reference identifier and in date.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::tls::TlsClient;
use super::tlsa::{DANE_EE, DANE_TA, Tlsa};
use super::verifier::classify;

/// The outcome for one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Matched {
    /// The first record that matched.
    Yes(Tlsa),
    /// No record matched; why each candidate failed, one line each.
    No(Vec<String>),
}

/// Matches `chain` (leaf first) against `records`, the usable ones. `names` are
/// the reference identifiers a DANE-TA leaf may be valid for (RFC 7672 §3.2.2).
pub(crate) fn match_chain(
    records: &[Tlsa],
    chain: &[CertificateDer<'static>],
    names: &[String],
    tls: &TlsClient,
) -> Matched {
    let Some(leaf) = chain.first() else {
        return Matched::No(vec!["the server sent no certificate".to_string()]);
    };
    let mut reasons = Vec::new();
    for record in records {
        match record.usage {
            DANE_EE if record.matches(leaf) => return Matched::Yes(record.clone()),
            DANE_TA => match chain.iter().find(|cert| record.matches(cert)) {
                None => {}
                Some(anchor) => match chains_to(chain, anchor, names, tls) {
                    Ok(()) => return Matched::Yes(record.clone()),
                    Err(why) => reasons.push(format!("{record}: {why}")),
                },
            },
            _ => {}
        }
    }
    if reasons.is_empty() {
        reasons.push("no usable record names a certificate of the chain".to_string());
    }
    Matched::No(reasons)
}

/// Verifies the leaf against `anchor` alone, for each name until one passes:
/// signatures, dates and the name, as WebPKI does with a root.
fn chains_to(
    chain: &[CertificateDer<'static>],
    anchor: &CertificateDer<'static>,
    names: &[String],
    tls: &TlsClient,
) -> Result<(), String> {
    let mut store = RootCertStore::empty();
    store
        .add(anchor.clone())
        .map_err(|e| format!("the matching certificate cannot be a trust anchor: {e}"))?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(store), tls.provider())
        .build()
        .map_err(|e| e.to_string())?;
    let seconds = tls.now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let now = UnixTime::since_unix_epoch(seconds);
    let (leaf, intermediates) = chain.split_first().ok_or("no certificate")?;
    // The first name's error: the host's own name says most.
    let mut first = None;
    for name in names {
        let Ok(server_name) = ServerName::try_from(name.clone()) else {
            continue;
        };
        match verifier.verify_server_cert(leaf, intermediates, &server_name, &[], now) {
            Ok(_) => return Ok(()),
            Err(error) => {
                first.get_or_insert_with(|| classify(&error).detail().to_string());
            }
        }
    }
    let why = first.unwrap_or_else(|| "no reference identifier to check".to_string());
    Err(format!("{why} (names tried: {})", names.join(", ")))
}
