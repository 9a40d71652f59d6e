//! DANE for the domain as a whole: its state and result type, the hosts a sender
//! that requires DANE would skip (RFC 7672 §6), and how DANE meets MTA-STS (RFC
//! 8461 §2) and TLS-RPT (RFC 8460 §3).

use super::super::super::finding::{Findings, Severity, result_type};
use super::super::super::report::{DaneState, DaneStatus, Status};
use super::super::super::secure_dns::Dnssec;
use super::lookup::DaneDns;
use super::{Around, Dane, DaneOutcome, HostDane};

pub(super) fn run(
    dns: &DaneDns,
    hosts: &[HostDane],
    mx_bogus: bool,
    around: &Around,
    f: &mut Findings,
) -> DaneState {
    let names = |keep: &dyn Fn(&HostDane) -> bool| -> Vec<&str> {
        dns.hosts
            .iter()
            .zip(hosts)
            .filter(|(_, h)| keep(h))
            .map(|(d, _)| d.host.as_str())
            .collect()
    };
    let applies = names(&|h| {
        h.dnssec == Some(Dnssec::Secure)
            && matches!(h.dane, Dane::Match | Dane::Mismatch | Dane::Untested)
    });
    let lacking = names(&|h| h.dane == Dane::Absent);
    let bogus = mx_bogus || hosts.iter().any(|h| h.dnssec == Some(Dnssec::Bogus));
    let broken = hosts
        .iter()
        .any(|h| matches!(h.dane, Dane::Mismatch | Dane::Unusable));
    let insecure = dns
        .hosts
        .iter()
        .any(|h| !h.records().is_empty() && h.dnssec() == Dnssec::Insecure);
    let (status, result_type) = match () {
        _ if bogus => (DaneStatus::Invalid, Some(result_type::DNSSEC_INVALID)),
        _ if broken => (DaneStatus::Invalid, Some(result_type::TLSA_INVALID)),
        _ if !applies.is_empty() && !lacking.is_empty() => {
            (DaneStatus::Invalid, Some(result_type::DANE_REQUIRED))
        }
        _ if !applies.is_empty() => (DaneStatus::Valid, None),
        _ if insecure => (DaneStatus::Insecure, None),
        _ => (DaneStatus::Absent, None),
    };
    if status == DaneStatus::Absent {
        absent(dns, around, f);
    }
    if !applies.is_empty() {
        required(&lacking, f);
        mx_insecure(dns, around, f);
        mta_sts(&applies, around, f);
    }
    if matches!(status, DaneStatus::Valid | DaneStatus::Invalid) {
        tls_rpt(around, f);
    }
    DaneState {
        status,
        tlsrpt_result_type: result_type,
    }
}

/// No answer could be validated through the DNS server: the checker's path, not
/// the domain, is at fault, as when port 25 is blocked. Whether TLSA records
/// exist is still known.
pub(super) fn unvalidated(dns: &DaneDns, why: &str, f: &mut Findings) -> DaneOutcome {
    let hosts: Vec<HostDane> = dns
        .hosts
        .iter()
        .map(|host| HostDane {
            dnssec: None,
            dane: match host.records().is_empty() {
                true => Dane::Absent,
                false => Dane::Untested,
            },
            matched: None,
        })
        .collect();
    let status = match hosts.iter().all(|h| h.dane == Dane::Absent) {
        true => DaneStatus::Absent,
        false => DaneStatus::Untested,
    };
    let mut evidence = vec![why.to_string()];
    evidence.extend(dns.hosts.iter().map(|h| h.evidence()));
    f.add(
        "dane-not-validated",
        Severity::Info,
        "RFC 7672 §2.1.3, RFC 4035 §4.3",
        "DANE was not checked: DNSSEC does not validate through this DNS server (it does \
         not pass signatures on, or the trust anchor is not the root's); use --dns-server \
         with a DNSSEC-aware resolver",
    )
    .with_evidence(evidence.join("\n"));
    DaneOutcome {
        state: DaneState {
            status,
            tlsrpt_result_type: None,
        },
        hosts,
    }
}

fn absent(dns: &DaneDns, around: &Around, f: &mut Findings) {
    let mut evidence = vec![dns.mx.evidence(&format!("MX {}", around.domain.ascii))];
    evidence.extend(dns.hosts.iter().map(|h| h.evidence()));
    f.add(
        "dane-absent",
        Severity::Info,
        "RFC 7672 §2.2",
        "no MX host has TLSA records that senders use: DANE is not deployed",
    )
    .with_evidence(evidence.join("\n"));
}

fn required(lacking: &[&str], f: &mut Findings) {
    for host in lacking {
        f.add(
            "dane-required",
            Severity::Warn,
            "RFC 7672 §6, RFC 8460 §4.3.2.1",
            format!(
                "{host} has no DNSSEC-signed TLSA records while other MX hosts do: senders \
                 that require DANE for this domain will not deliver to it"
            ),
        )
        .with_result_type(result_type::DANE_REQUIRED);
    }
}

fn mx_insecure(dns: &DaneDns, around: &Around, f: &mut Findings) {
    if dns.mx.dnssec == Dnssec::Insecure {
        f.add(
            "dane-mx-insecure",
            Severity::Info,
            "RFC 7672 §2.2.1",
            format!(
                "the MX records of {} are not DNSSEC-signed: DANE senders still authenticate \
                 the MX hosts with their TLSA records, by the host names alone",
                around.domain.ascii
            ),
        )
        .with_evidence(dns.mx.evidence(&format!("MX {}", around.domain.ascii)));
    }
}

fn mta_sts(applies: &[&str], around: &Around, f: &mut Findings) {
    if around.mta_sts.status == Status::Valid {
        f.add(
            "dane-over-mta-sts",
            Severity::Info,
            "RFC 8461 §2",
            format!(
                "DANE-capable senders use DANE for {} and do not apply the MTA-STS policy \
                 to it",
                applies.join(", ")
            ),
        );
    }
}

fn tls_rpt(around: &Around, f: &mut Findings) {
    match around.rua {
        Some(rua) => {
            f.add(
                "dane-tlsrpt",
                Severity::Info,
                "RFC 8460 §3",
                format!(
                    "DANE senders report failures (tlsa-invalid, dnssec-invalid, \
                     dane-required) to {}",
                    rua.join(", ")
                ),
            );
        }
        None => {
            f.add(
                "dane-tlsrpt-missing",
                Severity::Warn,
                "RFC 8460 §3",
                "DANE is deployed but there is no usable TLS-RPT record: no sender will \
                 report DANE failures",
            );
        }
    }
}
