//! Each probed address's chain against the host's usable TLSA records (RFC 7672
//! §3.1), with the chain's own association data as evidence, so that a
//! mismatch shows which record the server would need.

use rustls::pki_types::CertificateDer;

use super::super::super::cert::CertInfo;
use super::super::super::context::Context;
use super::super::super::dane_match::{Matched, match_chain};
use super::super::super::finding::{Findings, Severity, result_type};
use super::super::super::tlsa::{DANE_TA, Tlsa, association, hex};
use super::super::policy_host::EXPIRY_WARNING_DAYS;
use super::super::starttls::Probed;
use super::Dane;
use super::lookup::HostDns;
use super::records::listing;

const RFC_EE: &str = "RFC 7672 §3.1.1";
const RFC_TA: &str = "RFC 7672 §3.1.2";
const RFC_MATCH: &str = "RFC 7672 §3.1";

/// The host's state from its addresses, and the first record that matched.
pub(super) fn host(
    ctx: &Context,
    host: &HostDns,
    usable: &[Tlsa],
    probed: &[Probed],
    names: &[String],
    f: &mut Findings,
) -> (Dane, Option<Tlsa>) {
    let mut first = None;
    let mut failed = false;
    let mut tested = 0;
    for probe in probed.iter().filter(|p| !p.chain.is_empty()) {
        tested += 1;
        let target = format!("{} at {}", host.host, probe.result.ip);
        let evidence = format!(
            "{}\n{}",
            chain_evidence(&probe.chain),
            listing(&host.tlsa_name(), usable)
        );
        match match_chain(usable, &probe.chain, names, &ctx.tls) {
            Matched::Yes(record) => {
                matched(ctx, &target, &record, &probe.chain, &evidence, f);
                first.get_or_insert(record);
            }
            Matched::No(reasons) => {
                failed = true;
                f.add(
                    "dane-mismatch",
                    Severity::Fail,
                    RFC_MATCH,
                    format!(
                        "{target}: no usable TLSA record matches the certificate chain; DANE \
                         senders will not deliver to it"
                    ),
                )
                .with_evidence(format!("{}\n{evidence}", reasons.join("\n")))
                .with_result_type(result_type::TLSA_INVALID);
            }
        }
    }
    if tested == 0 {
        untested(host, usable, f);
        return (Dane::Untested, None);
    }
    match failed {
        true => (Dane::Mismatch, None),
        false => (Dane::Match, first),
    }
}

fn matched(
    ctx: &Context,
    target: &str,
    record: &Tlsa,
    chain: &[CertificateDer<'static>],
    evidence: &str,
    f: &mut Findings,
) {
    let (rfc, checked) = match record.usage {
        DANE_TA => (
            RFC_TA,
            "a trust anchor of the chain; the leaf chains to it, names the host and is in date",
        ),
        _ => (
            RFC_EE,
            "the server's own key; names and dates are not checked",
        ),
    };
    f.add(
        "dane-match",
        Severity::Pass,
        rfc,
        format!(
            "{target}: the certificate matches TLSA {record} ({}: {checked})",
            record.usage_name()
        ),
    )
    .with_evidence(evidence.to_string());
    let leaf = chain.first().and_then(|der| CertInfo::parse(der));
    let days = leaf.map(|leaf| leaf.days_left(ctx.tls.now()));
    if let Some(days) = days.filter(|d| record.usage == DANE_TA && *d < EXPIRY_WARNING_DAYS) {
        f.add(
            "dane-ta-expires-soon",
            Severity::Warn,
            RFC_TA,
            format!(
                "{target}: the certificate, checked in date for DANE-TA, expires in {days} days"
            ),
        )
        .with_evidence(evidence.to_string());
    }
}

fn untested(host: &HostDns, usable: &[Tlsa], f: &mut Findings) {
    f.add(
        "dane-untested",
        Severity::Info,
        RFC_MATCH,
        format!(
            "{} has usable TLSA records, but no certificate was seen to match them \
             (STARTTLS not probed or not reached)",
            host.host
        ),
    )
    .with_evidence(listing(&host.tlsa_name(), usable));
}

/// Each certificate of the chain with the `3 1 1` and `3 0 1` data it would have
/// (`2 1 1` and `2 0 1` for the others), to compare with the records.
fn chain_evidence(chain: &[CertificateDer<'static>]) -> String {
    chain
        .iter()
        .enumerate()
        .map(|(i, der)| {
            let usage = if i == 0 { 3 } else { 2 };
            let subject = CertInfo::parse(der).map_or("unreadable".to_string(), |c| c.subject);
            let spki = association(der, 1, 1).map_or("-".to_string(), |d| hex(&d));
            let full = association(der, 0, 1).map_or("-".to_string(), |d| hex(&d));
            format!("#{i} {subject}\n   {usage} 1 1 {spki}\n   {usage} 0 1 {full}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
