//! One MX host's TLSA records as a DANE sender reads them: whether it may trust
//! them (DNSSEC), which it can use (RFC 7672 §3.1.3; RFC 6698 §2.1), and whether
//! a key change would break delivery (RFC 7672 §4).

use super::super::super::context::Context;
use super::super::super::finding::{Findings, Severity, result_type};
use super::super::super::secure_dns::Dnssec;
use super::super::super::tlsa::{DANE_EE, Tlsa, Unusable};
use super::super::starttls::Probed;
use super::lookup::{HostDns, RFC_DNSSEC};
use super::matching;
use super::{Dane, HostDane};

/// Records listed, and unusable records reported one by one, at most: a huge
/// RRset must not make a huge report.
const MAX_LISTED: usize = 10;

/// The findings of one host and its DANE state.
pub(super) fn host(
    ctx: &Context,
    host: &HostDns,
    probed: &[Probed],
    names: &[String],
    f: &mut Findings,
) -> HostDane {
    let dnssec = host.dnssec();
    let state = |dane| HostDane {
        dnssec: Some(dnssec),
        dane,
        matched: None,
    };
    if dnssec == Dnssec::Bogus {
        bogus(host, f);
        return state(Dane::Untested);
    }
    if host.records().is_empty() {
        return state(Dane::Absent);
    }
    if dnssec == Dnssec::Insecure {
        insecure(host, f);
        return state(Dane::Absent);
    }
    let usable = usable(host, f);
    if usable.is_empty() {
        return state(Dane::Unusable);
    }
    rollover(host, &usable, f);
    let (dane, matched) = matching::host(ctx, host, &usable, probed, names, f);
    HostDane {
        dnssec: Some(dnssec),
        dane,
        matched: matched.map(|record| record.text()),
    }
}

fn bogus(host: &HostDns, f: &mut Findings) {
    f.add(
        "dane-dnssec-bogus",
        Severity::Fail,
        RFC_DNSSEC,
        format!(
            "the DNSSEC answers about {} do not validate: DANE senders defer mail to it",
            host.host
        ),
    )
    .with_evidence(host.evidence())
    .with_result_type(result_type::DNSSEC_INVALID);
}

fn insecure(host: &HostDns, f: &mut Findings) {
    f.add(
        "dane-tlsa-insecure",
        Severity::Warn,
        "RFC 7672 §2.2, RFC 4035 §4.3",
        format!(
            "{} has TLSA records, but not in a DNSSEC-signed zone: senders ignore them and \
             deliver with opportunistic TLS",
            host.host
        ),
    )
    .with_evidence(host.evidence());
}

/// The usable records; a finding for each unusable one and, when none is left,
/// one for the host.
fn usable(host: &HostDns, f: &mut Findings) -> Vec<Tlsa> {
    let name = host.tlsa_name();
    f.add(
        "dane-tlsa",
        Severity::Info,
        "RFC 7672 §2.2",
        format!(
            "{} has {} DNSSEC-signed TLSA record(s) at {name}",
            host.host,
            host.records().len()
        ),
    )
    .with_evidence(format!(
        "{}\n{}",
        host.evidence(),
        listing(&name, host.records())
    ));
    let (usable, unusable): (Vec<&Tlsa>, Vec<&Tlsa>) =
        host.records().iter().partition(|r| r.unusable().is_none());
    for (i, record) in unusable.iter().take(MAX_LISTED).enumerate() {
        let more = match i + 1 == MAX_LISTED {
            true => unusable.len() - MAX_LISTED,
            false => 0,
        };
        unusable_record(&name, record, more, f);
    }
    let usable: Vec<Tlsa> = usable.into_iter().cloned().collect();
    if usable.is_empty() {
        f.add(
            "dane-tlsa-unusable",
            Severity::Warn,
            "RFC 7672 §2.2, §3.1.3",
            format!(
                "none of the TLSA records of {} is usable: DANE senders insist on TLS but \
                 cannot authenticate the server",
                host.host
            ),
        )
        .with_evidence(listing(&name, host.records()))
        .with_result_type(result_type::TLSA_INVALID);
    }
    usable
}

/// A finding for an unusable record; `more` like it are not listed.
fn unusable_record(name: &str, record: &Tlsa, more: usize, f: &mut Findings) {
    let Some(why) = record.unusable() else {
        return;
    };
    let (id, rfc, reason) = match why {
        Unusable::Pkix => (
            "dane-tlsa-pkix",
            "RFC 7672 §3.1.3",
            format!(
                "usage {} ({}) needs a set of trusted CAs that SMTP does not have: senders \
                 ignore it; publish DANE-EE (3) or DANE-TA (2) instead",
                record.usage,
                record.usage_name()
            ),
        ),
        Unusable::Unknown => (
            "dane-tlsa-malformed",
            "RFC 6698 §2.1, RFC 7672 §2.2",
            "a usage, selector or matching type that RFC 6698 does not define: senders \
             ignore it"
                .to_string(),
        ),
        Unusable::DigestLength { expected } => (
            "dane-tlsa-malformed",
            "RFC 6698 §2.1.3, RFC 7672 §2.2",
            format!(
                "{} bytes of digest where matching type {} has {expected}: it matches nothing",
                record.data.len(),
                record.matching
            ),
        ),
    };
    let mut message = format!("{name} TLSA {record}: {reason}");
    if more > 0 {
        message.push_str(&format!(" (and {more} more unusable records, not listed)"));
    }
    f.add(id, Severity::Warn, rfc, message)
        .with_evidence(format!("{name} TLSA {}", record.text()));
}

/// A single DANE-EE record and nothing else usable: the next key has no record,
/// so a key change breaks DANE delivery until DNS catches up.
fn rollover(host: &HostDns, usable: &[Tlsa], f: &mut Findings) {
    if let [only] = usable
        && only.usage == DANE_EE
    {
        f.add(
            "dane-rollover",
            Severity::Info,
            "RFC 7672 §4",
            format!(
                "{} has one usable TLSA record: publish the next key's 3 1 1 record (or a \
                 2 1 1 record of the issuing CA) beside it, TTLs before the key changes",
                host.host
            ),
        )
        .with_evidence(listing(&host.tlsa_name(), usable));
    }
}

/// The records as published, one a line, the first [`MAX_LISTED`] of them.
pub(super) fn listing(name: &str, records: &[Tlsa]) -> String {
    let mut lines: Vec<String> = records
        .iter()
        .take(MAX_LISTED)
        .map(|r| format!("{name} TLSA {}", r.text()))
        .collect();
    if records.len() > MAX_LISTED {
        lines.push(format!("… and {} more", records.len() - MAX_LISTED));
    }
    lines.join("\n")
}
