//! The DANE step (RFC 7672). The MX records, each MX host's addresses and its TLSA
//! records at `_25._tcp.<host>` are looked up with DNSSEC validation before the
//! STARTTLS probes; the chain each probed address served is then matched against
//! the usable records. Where DANE applies to a host, DANE senders use it instead
//! of MTA-STS (RFC 8461 §2).

mod lookup;
mod matching;
mod records;
mod summary;

use serde::Serialize;

use super::super::context::Context;
use super::super::domain::Domain;
use super::super::error::CheckError;
use super::super::finding::Findings;
use super::super::report::{DaneState, MtaStsState};
use super::super::secure_dns::Dnssec;
use super::starttls::Probed;

pub(crate) use lookup::{DaneDns, lookups};

/// DANE on one MX host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dane {
    /// Secure, usable TLSA records, and every address probed served a chain
    /// that one of them matches.
    Match,
    /// Secure, usable TLSA records, and an address served a chain that none
    /// matches: DANE senders defer the mail.
    Mismatch,
    /// No TLSA records that senders use: none, or none in a signed zone.
    Absent,
    /// Secure TLSA records of which none is usable: senders use TLS without
    /// authenticating the server.
    Unusable,
    /// Nothing was matched: no probe reached TLS (port 25 blocked, or
    /// `--no-smtp`), the DNSSEC answers were bogus, or DNSSEC could not be
    /// validated through the DNS server used.
    Untested,
}

impl Dane {
    pub fn as_str(self) -> &'static str {
        match self {
            Dane::Match => "match",
            Dane::Mismatch => "mismatch",
            Dane::Absent => "absent",
            Dane::Unusable => "unusable",
            Dane::Untested => "untested",
        }
    }
}

/// DANE for one MX host, for its JSON entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostDane {
    pub(crate) dnssec: Option<Dnssec>,
    pub(crate) dane: Dane,
    pub(crate) matched: Option<String>,
}

/// The domain's DANE state and each looked-up host's, in MX order.
pub(crate) struct DaneOutcome {
    pub(crate) state: DaneState,
    pub(crate) hosts: Vec<HostDane>,
}

/// What the other steps found that DANE findings refer to.
pub(crate) struct Around<'a> {
    pub(crate) domain: &'a Domain,
    pub(crate) mta_sts: &'a MtaStsState,
    /// The TLS-RPT `rua` URIs, when the record is usable.
    pub(crate) rua: Option<&'a [String]>,
}

/// Reports DANE: the DNS answers, each probed chain against the records, and the
/// domain's state.
pub(crate) fn run(
    ctx: &Context,
    dns: &DaneDns,
    probes: &[Vec<Probed>],
    around: &Around,
    f: &mut Findings,
) -> Result<DaneOutcome, CheckError> {
    if let Some(why) = &dns.unvalidated {
        return Ok(summary::unvalidated(dns, why, f));
    }
    let mx_secure = dns.mx.dnssec == Dnssec::Secure;
    let mx_bogus = lookup::mx_bogus(dns, &around.domain.ascii, f);
    let mut hosts = Vec::new();
    for (i, host) in dns.hosts.iter().enumerate() {
        let names = host.reference_names(&around.domain.ascii, mx_secure);
        let probed = probes.get(i).map_or(&[][..], Vec::as_slice);
        let outcome = match mx_bogus {
            true => HostDane {
                dnssec: Some(Dnssec::Bogus),
                dane: Dane::Untested,
                matched: None,
            },
            false => records::host(ctx, host, probed, &names, f),
        };
        hosts.push(outcome);
    }
    let state = summary::run(dns, &hosts, mx_bogus, around, f);
    Ok(DaneOutcome { state, hosts })
}
