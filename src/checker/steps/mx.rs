//! Step 4: the MX records and the policy's `mx` patterns (RFC 8461 §4.1, §8.4,
//! §10.4; RFC 5321 §5.1; RFC 7505).

use std::net::{IpAddr, Ipv4Addr};

use super::super::context::Context;
use super::super::dns::{Lookup, MxRecord, chain_text};
use super::super::domain::Domain;
use super::super::error::CheckError;
use super::super::finding::{Findings, Severity, Step, result_type};
use super::super::policy::{Mode, Policy};

const RFC_MATCH: &str = "RFC 8461 §4.1";
const RFC_MX: &str = "RFC 5321 §5.1";

/// One MX host as the rest of the check needs it.
#[derive(Debug)]
pub(crate) struct MxHost {
    pub(crate) host: String,
    /// `None` for the implicit MX.
    pub(crate) preference: Option<u16>,
    pub(crate) matches_policy: Option<bool>,
    pub(crate) addresses: Vec<IpAddr>,
}

/// The MX hosts; `None` when the MX lookup failed and they are unknown.
pub(crate) fn run(
    ctx: &Context,
    domain: &Domain,
    policy: Option<&Policy>,
    f: &mut Findings,
) -> Result<Option<Vec<MxHost>>, CheckError> {
    ctx.step(Step::Mx, &domain.ascii)?;
    let Some(mut hosts) = lookup(ctx, domain, f) else {
        return Ok(None);
    };
    for host in &mut hosts {
        ctx.step(Step::Mx, &host.host)?;
        host.addresses = addresses(ctx, &host.host, f);
    }
    // In mode none senders match nothing (RFC 8461 §5).
    if let Some(policy) = policy.filter(|p| p.mode != Mode::None) {
        match_policy(&mut hosts, policy, f);
    }
    Ok(Some(hosts))
}

/// E1: MX records, the implicit MX, the null MX.
fn lookup(ctx: &Context, domain: &Domain, f: &mut Findings) -> Option<Vec<MxHost>> {
    let records = match ctx.dns.mx(&domain.ascii) {
        Lookup::Found(answer) => answer.records,
        Lookup::NoData(_) => return Some(implicit(domain, f)),
        Lookup::NxDomain(_) if !ctx.dns.knows_the_root() => {
            f.add(
                "dns-resolver-broken",
                Severity::Fail,
                RFC_MX,
                format!(
                    "the resolver says {} does not exist, and that the root zone does not either: it is broken, filtering or offline, so nothing could be checked (try another resolver with --dns-server)",
                    domain.ascii
                ),
            );
            return None;
        }
        Lookup::NxDomain(_) => {
            f.add(
                "mx-domain-nxdomain",
                Severity::Fail,
                RFC_MX,
                format!("{} does not exist (NXDOMAIN)", domain.ascii),
            );
            return Some(Vec::new());
        }
        Lookup::Failed(error) => {
            f.add(
                "mx-dns-error",
                Severity::Fail,
                RFC_MX,
                "the MX lookup failed: senders cannot deliver until DNS answers",
            )
            .with_evidence(error);
            return None;
        }
    };
    if records.iter().any(|r| r.exchange.is_empty()) {
        f.add(
            "mx-null",
            Severity::Info,
            "RFC 7505",
            format!(
                "{} has a null MX: it accepts no mail, so MTA-STS does not apply",
                domain.ascii
            ),
        )
        .with_evidence(mx_text(&records));
        return Some(Vec::new());
    }
    Some(explicit(records, f))
}

fn implicit(domain: &Domain, f: &mut Findings) -> Vec<MxHost> {
    f.add(
        "mx-implicit",
        Severity::Info,
        RFC_MX,
        format!(
            "no MX record: senders deliver to {} itself (the implicit MX)",
            domain.ascii
        ),
    );
    vec![MxHost {
        host: domain.ascii.clone(),
        preference: None,
        matches_policy: None,
        addresses: Vec::new(),
    }]
}

fn explicit(mut records: Vec<MxRecord>, f: &mut Findings) -> Vec<MxHost> {
    records.sort_by(|a, b| (a.preference, &a.exchange).cmp(&(b.preference, &b.exchange)));
    let mut hosts = Vec::new();
    for record in &records {
        if record.exchange.parse::<Ipv4Addr>().is_ok() {
            f.add(
                "mx-ip-literal",
                Severity::Fail,
                "RFC 5321 §5.1, RFC 8461 §4.1",
                format!(
                    "MX {} is an IP address; an MX must name a host",
                    record.exchange
                ),
            )
            .with_evidence(mx_text(&records));
            continue;
        }
        hosts.push(MxHost {
            host: record.exchange.clone(),
            preference: Some(record.preference),
            matches_policy: None,
            addresses: Vec::new(),
        });
    }
    f.add(
        "mx-records",
        Severity::Info,
        RFC_MX,
        format!("{} MX host(s)", hosts.len()),
    )
    .with_evidence(mx_text(&records));
    hosts
}

fn mx_text(records: &[MxRecord]) -> String {
    records
        .iter()
        .map(|r| {
            format!(
                "MX {} {}",
                r.preference,
                if r.exchange.is_empty() {
                    "."
                } else {
                    &r.exchange
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The addresses of one MX host; an MX target that is a CNAME is a warning.
fn addresses(ctx: &Context, host: &str, f: &mut Findings) -> Vec<IpAddr> {
    match ctx.dns.addresses(host) {
        Lookup::Found(answer) => {
            if !answer.cnames.is_empty() {
                f.add(
                    "mx-cname",
                    Severity::Warn,
                    "RFC 5321 §5.1, RFC 2181 §10.3",
                    format!("MX host {host} is a CNAME; an MX must name a host with addresses"),
                )
                .with_evidence(chain_text(&answer.cnames));
            }
            answer.records
        }
        other => {
            let why = match other {
                Lookup::Failed(error) => format!("DNS error: {error}"),
                Lookup::NxDomain(_) => "NXDOMAIN".to_string(),
                _ => "no A or AAAA record".to_string(),
            };
            f.add(
                "mx-host-no-address",
                Severity::Warn,
                RFC_MX,
                format!("MX host {host} has no address; senders skip it"),
            )
            .with_evidence(why);
            Vec::new()
        }
    }
}

/// E2-E4: every MX host must match a pattern.
fn match_policy(hosts: &mut [MxHost], policy: &Policy, f: &mut Findings) {
    let primary = hosts.iter().filter_map(|h| h.preference).min();
    for host in hosts.iter_mut() {
        let matched = policy.matches(&host.host);
        host.matches_policy = Some(matched);
        if matched {
            f.add(
                "mx-matches-policy",
                Severity::Pass,
                RFC_MATCH,
                format!("MX {} matches the policy", host.host),
            );
        } else {
            unmatched(host, primary, policy, f);
        }
    }
    for pattern in &policy.mx {
        if !hosts.iter().any(|h| pattern.matches(&h.host)) {
            f.add(
                "mx-pattern-unused",
                Severity::Info,
                RFC_MATCH,
                format!("mx pattern {pattern} matches no MX host (a stale entry?)"),
            );
        }
        if pattern.is_overbroad() {
            f.add(
                "mx-pattern-broad",
                Severity::Info,
                "RFC 8461 §10.4",
                format!("mx pattern {pattern} allows any host under a top-level domain"),
            );
        }
    }
}

fn unmatched(host: &MxHost, primary: Option<u16>, policy: &Policy, f: &mut Findings) {
    let (severity, effect) = match policy.mode {
        Mode::Enforce => (
            Severity::Fail,
            "senders that apply MTA-STS will not deliver to it",
        ),
        _ => (
            Severity::Warn,
            "senders deliver anyway but report a failure",
        ),
    };
    let backup = match host.preference {
        Some(p) if Some(p) != primary => {
            " It is a backup MX: the problem shows only when the primary fails (RFC 8461 §8.4)."
        }
        _ => "",
    };
    let patterns: Vec<String> = policy.mx.iter().map(|p| p.to_string()).collect();
    f.add(
        "mx-unmatched",
        severity,
        RFC_MATCH,
        format!(
            "MX {} matches no mx pattern of the policy: {effect}.{backup}",
            host.host
        ),
    )
    .with_evidence(format!("patterns: {}", patterns.join(", ")))
    .with_result_type(result_type::CERTIFICATE_HOST_MISMATCH);
}
