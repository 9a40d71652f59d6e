//! The DNSSEC-validated lookups of DANE: the MX records, then per MX host its
//! addresses and its TLSA records (RFC 7672 §2.2). When the host's name is a
//! CNAME whose chain is secure, the TLSA records are looked for at the expanded
//! name first, then at the host's own (§2.2.3).

use std::net::IpAddr;

use super::super::super::context::Context;
use super::super::super::dns::{Lookup, MxRecord, chain_text};
use super::super::super::domain::Domain;
use super::super::super::error::CheckError;
use super::super::super::finding::{Findings, Severity, Step, result_type};
use super::super::super::secure_dns::{Dnssec, SecureDns, Validated};
use super::super::super::tlsa::Tlsa;
use super::super::mx::MxHost;
use super::super::starttls::MAX_HOSTS;

pub(super) const RFC_DNSSEC: &str = "RFC 7672 §2.1.1, RFC 4035 §5.3";

/// What DNS says about DANE, before any certificate is seen.
pub(crate) struct DaneDns {
    /// Why no answer can be validated through the configured DNS server (its
    /// answer for the trust anchor's own zone is not secure); `None` when
    /// validation works.
    pub(crate) unvalidated: Option<String>,
    pub(crate) mx: Validated<MxRecord>,
    /// The first hosts, in MX order, as many as the STARTTLS step probes.
    pub(crate) hosts: Vec<HostDns>,
}

/// The answers about one MX host.
pub(crate) struct HostDns {
    pub(crate) host: String,
    pub(crate) addresses: Validated<IpAddr>,
    /// The TLSA base domain: the host, or its CNAME-expanded name.
    pub(crate) base: String,
    pub(crate) tlsa: Validated<Tlsa>,
}

impl HostDns {
    /// The weaker status of the addresses and the TLSA records: DANE applies
    /// only when both are secure (§2.2).
    pub(crate) fn dnssec(&self) -> Dnssec {
        self.addresses.dnssec.min(self.tlsa.dnssec)
    }

    pub(crate) fn tlsa_name(&self) -> String {
        format!("_25._tcp.{}", self.base)
    }

    /// The records, when there are any.
    pub(crate) fn records(&self) -> &[Tlsa] {
        match &self.tlsa.lookup {
            Lookup::Found(answer) => &answer.records,
            _ => &[],
        }
    }

    /// The answers as evidence, one line each, with the CNAMEs followed.
    pub(crate) fn evidence(&self) -> String {
        let mut lines = vec![
            self.addresses.evidence(&format!("A/AAAA {}", self.host)),
            self.tlsa.evidence(&format!("TLSA {}", self.tlsa_name())),
        ];
        for cnames in [self.addresses.cnames(), self.tlsa.cnames()] {
            if !cnames.is_empty() {
                lines.push(format!("CNAME {}", chain_text(cnames)));
            }
        }
        lines.join("\n")
    }

    /// The names a DANE-TA leaf may be valid for (RFC 7672 §3.2.2): the TLSA
    /// base domain, the MX host name, and the domain itself when its MX records
    /// are secure.
    pub(crate) fn reference_names(&self, domain: &str, mx_secure: bool) -> Vec<String> {
        let mut names = vec![self.base.clone()];
        if self.host != self.base {
            names.push(self.host.clone());
        }
        if mx_secure && !names.iter().any(|n| n == domain) {
            names.push(domain.to_string());
        }
        names
    }
}

/// Looks up what DANE needs, reporting progress under the MX step: these are
/// lookups of the MX hosts. `hosts` is `None` when the MX lookup failed.
pub(crate) fn lookups(
    ctx: &Context,
    domain: &Domain,
    hosts: Option<&[MxHost]>,
) -> Result<DaneDns, CheckError> {
    ctx.step(Step::Mx, &format!("MX {} with DNSSEC", domain.ascii))?;
    let secure = SecureDns::new(&ctx.dns, ctx.config, ctx.anchor.trust(&ctx.dns)?)?;
    let unvalidated = ctx.anchor.zones().iter().find_map(|zone| {
        let soa = secure.soa(zone);
        let shown = if zone.is_empty() { "." } else { zone };
        (soa.dnssec != Dnssec::Secure).then(|| soa.evidence(&format!("SOA {shown}")))
    });
    let mx = secure.mx(&domain.ascii);
    let mut looked_up = Vec::new();
    for host in hosts.unwrap_or_default().iter().take(MAX_HOSTS) {
        ctx.step(
            Step::Mx,
            &format!("TLSA _25._tcp.{} with DNSSEC", host.host),
        )?;
        looked_up.push(host_dns(&secure, &host.host));
    }
    Ok(DaneDns {
        unvalidated,
        mx,
        hosts: looked_up,
    })
}

fn host_dns(secure: &SecureDns, host: &str) -> HostDns {
    let addresses = secure.addresses(host);
    let expanded = match addresses.dnssec {
        Dnssec::Secure => addresses.cnames().last().map(|link| link.to.clone()),
        _ => None,
    };
    if let Some(expanded) = expanded {
        let tlsa = secure.tlsa(&format!("_25._tcp.{expanded}"));
        if !matches!(tlsa.lookup, Lookup::NxDomain(_) | Lookup::NoData(_)) {
            return HostDns {
                host: host.to_string(),
                addresses,
                base: expanded,
                tlsa,
            };
        }
    }
    HostDns {
        host: host.to_string(),
        addresses,
        base: host.to_string(),
        tlsa: secure.tlsa(&format!("_25._tcp.{host}")),
    }
}

/// A bogus MX answer: DANE senders defer all mail to the domain. True when so.
pub(super) fn mx_bogus(dns: &DaneDns, domain: &str, f: &mut Findings) -> bool {
    if dns.mx.dnssec != Dnssec::Bogus {
        return false;
    }
    f.add(
        "dane-mx-bogus",
        Severity::Fail,
        RFC_DNSSEC,
        format!(
            "the MX records of {domain} do not validate (DNSSEC bogus): senders that \
             validate DNSSEC defer all mail to the domain"
        ),
    )
    .with_evidence(dns.mx.evidence(&format!("MX {domain}")))
    .with_result_type(result_type::DNSSEC_INVALID);
    true
}
