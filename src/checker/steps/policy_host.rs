//! Step 2: the policy host `mta-sts.<domain>` and the HTTPS fetch of the policy
//! (RFC 8461 §3.3, §7.1, §7.2, §8.2).

use std::net::{IpAddr, SocketAddr};

use super::super::cert::{CertCheck, CertProblem};
use super::super::context::Context;
use super::super::dns::{Lookup, chain_text};
use super::super::domain::Domain;
use super::super::error::CheckError;
use super::super::fetch::{self, FetchError, Probe, ProbeError, Response};
use super::super::finding::{Findings, Severity, Step, result_type};
use super::super::tls::HandshakeError;
use super::response;

const RFC: &str = "RFC 8461 §3.3";
const RFC_TLS: &str = "RFC 8461 §3.3, §7.2";
/// Addresses of the policy host that are tried, at most.
const MAX_ADDRESSES: usize = 4;
/// Certificates closer than this to expiry are a warning.
pub(crate) const EXPIRY_WARNING_DAYS: i64 = 14;

/// Fetches the policy as a sender would; the body when a sender would parse it.
pub(crate) fn run(
    ctx: &Context,
    domain: &Domain,
    f: &mut Findings,
) -> Result<Option<Vec<u8>>, CheckError> {
    let host = domain.policy_host();
    ctx.step(Step::PolicyFetch, &host)?;
    let Some(addresses) = resolve(ctx, &host, f) else {
        return Ok(None);
    };
    let mut unreachable = Vec::new();
    for (i, ip) in addresses.iter().enumerate() {
        let addr = SocketAddr::new(*ip, ctx.config.https_port);
        ctx.step(Step::PolicyFetch, &format!("{host} {addr}"))?;
        match fetch::probe(addr, &host, &ctx.tls, ctx.config.timeout) {
            Err(ProbeError::Connect(why) | ProbeError::NoRoute(why)) => {
                unreachable.push(format!("{addr}: {why}"))
            }
            Err(ProbeError::Handshake(e)) => return Ok(handshake_failed(addr, &e, f)),
            Ok(probe) => {
                let body = fetch_at(ctx, &host, addr, &probe, f);
                let rest = &addresses[i + 1..];
                unreachable.extend(compare_others(ctx, &host, rest, body.as_deref(), f)?);
                report_unreachable(&unreachable, Severity::Warn, f);
                return Ok(body);
            }
        }
    }
    report_unreachable(&unreachable, Severity::Fail, f);
    Ok(None)
}

/// C1: the policy host resolves (CNAMEs allowed, shown).
fn resolve(ctx: &Context, host: &str, f: &mut Findings) -> Option<Vec<IpAddr>> {
    let failure = match ctx.dns.addresses(host) {
        Lookup::Found(answer) => {
            let mut evidence = answer
                .records
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            if !answer.cnames.is_empty() {
                evidence.push_str(&format!(
                    "\nCNAME chain: {}; the certificate must still name {host} (RFC 8461 §8.2)",
                    chain_text(&answer.cnames)
                ));
            }
            f.add(
                "policy-host-resolves",
                Severity::Pass,
                RFC,
                format!("{host} resolves"),
            )
            .with_evidence(evidence);
            return Some(answer.records.into_iter().take(MAX_ADDRESSES).collect());
        }
        Lookup::NxDomain(_) => "NXDOMAIN: the name does not exist".to_string(),
        Lookup::NoData(_) => "no A or AAAA record".to_string(),
        Lookup::Failed(error) => format!("DNS error: {error}"),
    };
    f.add(
        "policy-host-dns",
        Severity::Fail,
        RFC,
        format!("the policy host {host} does not resolve, so senders cannot fetch the policy"),
    )
    .with_evidence(failure)
    .with_result_type(result_type::STS_POLICY_FETCH_ERROR);
    None
}

fn report_unreachable(unreachable: &[String], severity: Severity, f: &mut Findings) {
    if unreachable.is_empty() {
        return;
    }
    let message = match severity {
        Severity::Fail => "no address of the policy host accepts HTTPS connections",
        _ => {
            "some addresses of the policy host do not accept HTTPS connections; senders that \
              try them first retry the others or fail"
        }
    };
    let finding = f
        .add("policy-host-unreachable", severity, RFC, message)
        .with_evidence(unreachable.join("\n"));
    if severity == Severity::Fail {
        finding.with_result_type(result_type::STS_POLICY_FETCH_ERROR);
    }
}

fn handshake_failed(addr: SocketAddr, error: &HandshakeError, f: &mut Findings) -> Option<Vec<u8>> {
    let id = match error {
        HandshakeError::Version(_) => "policy-tls-version",
        _ => "policy-tls-handshake",
    };
    f.add(
        id,
        Severity::Fail,
        RFC_TLS,
        "the TLS handshake with the policy host failed (senders require TLS 1.2 or later)",
    )
    .with_evidence(format!("{addr}: {error}"))
    .with_result_type(result_type::STS_POLICY_FETCH_ERROR);
    None
}

/// C2-C9 at the first reachable address.
fn fetch_at(
    ctx: &Context,
    host: &str,
    addr: SocketAddr,
    probe: &Probe,
    f: &mut Findings,
) -> Option<Vec<u8>> {
    if !certificate(ctx, host, probe, f) {
        return None;
    }
    match fetch::get_policy(host, addr, &ctx.tls, ctx.config.timeout) {
        Err(error) => {
            fetch_failed(host, &error, "", f);
            None
        }
        Ok(response) => response::check(host, &response, f),
    }
}

/// C3: the certificate of the policy host. `false` when senders refuse it.
fn certificate(ctx: &Context, host: &str, probe: &Probe, f: &mut Findings) -> bool {
    let now = ctx.tls.now();
    let evidence = format!("{}\n{}", probe.tls_version, probe.cert.evidence(now));
    for problem in &probe.cert.problems {
        let (id, detail) = problem_id(problem);
        f.add(
            id,
            Severity::Fail,
            RFC,
            format!("the certificate of {host} is refused by senders: {detail}"),
        )
        .with_evidence(evidence.clone())
        .with_result_type(result_type::STS_WEBPKI_INVALID);
    }
    if !probe.cert.problems.is_empty() {
        return false;
    }
    certificate_valid(host, &probe.cert, now, &evidence, f);
    true
}

fn certificate_valid(
    host: &str,
    cert: &CertCheck,
    now: std::time::SystemTime,
    evidence: &str,
    f: &mut Findings,
) {
    let days = cert.leaf().map_or(0, |leaf| leaf.days_left(now));
    f.add(
        "policy-cert-valid",
        Severity::Pass,
        RFC,
        format!("the certificate of {host} is trusted, in date and valid for the name"),
    )
    .with_evidence(evidence.to_string());
    if days < EXPIRY_WARNING_DAYS {
        f.add(
            "policy-cert-expires-soon",
            Severity::Warn,
            RFC,
            format!("the certificate of {host} expires in {days} days"),
        )
        .with_evidence(evidence.to_string());
    }
}

fn problem_id(problem: &CertProblem) -> (&'static str, &str) {
    match problem {
        CertProblem::Untrusted(d) => ("policy-cert-untrusted", d),
        CertProblem::Expired(d) => ("policy-cert-expired", d),
        CertProblem::NotYetValid(d) => ("policy-cert-not-yet-valid", d),
        CertProblem::NameMismatch(d) => ("policy-cert-name-mismatch", d),
        CertProblem::Other(d) => ("policy-cert-invalid", d),
    }
}

pub(crate) fn fetch_failed(host: &str, error: &FetchError, head: &str, f: &mut Findings) {
    let (id, message) = match error {
        FetchError::Timeout(limit) => (
            "policy-fetch-timeout",
            format!(
                "the policy fetch from {host} did not complete within {limit:?} (a silent or slow server)"
            ),
        ),
        FetchError::TooLarge => (
            "policy-too-large",
            format!(
                "the policy is larger than {} bytes, the limit senders apply",
                fetch::MAX_POLICY_SIZE
            ),
        ),
        FetchError::Other(_) => (
            "policy-fetch-error",
            format!("the policy fetch from {host} failed"),
        ),
    };
    let evidence = match head.is_empty() {
        true => error.to_string(),
        false => format!("{head}\n{error}"),
    };
    f.add(id, Severity::Fail, RFC, message)
        .with_evidence(evidence)
        .with_result_type(result_type::STS_POLICY_FETCH_ERROR);
}

/// C1: every address should serve the same policy.
fn compare_others(
    ctx: &Context,
    host: &str,
    others: &[IpAddr],
    body: Option<&[u8]>,
    f: &mut Findings,
) -> Result<Vec<String>, CheckError> {
    let mut differences = Vec::new();
    let mut unreachable = Vec::new();
    let mut untested = Vec::new();
    for ip in others {
        let addr = SocketAddr::new(*ip, ctx.config.https_port);
        ctx.step(Step::PolicyFetch, &format!("{host} {addr}"))?;
        match difference_at(ctx, host, addr, body) {
            Ok(None) => {}
            Ok(Some(difference)) => differences.push(format!("{addr}: {difference}")),
            Err(ProbeError::NoRoute(why)) => untested.push(format!("{addr}: {why}")),
            Err(other) => unreachable.push(format!("{addr}: {other}")),
        }
    }
    if !untested.is_empty() {
        f.add(
            "policy-host-untested",
            Severity::Info,
            RFC,
            "some addresses of the policy host cannot be reached from this network",
        )
        .with_evidence(untested.join("\n"));
    }
    if !differences.is_empty() {
        f.add(
            "policy-host-addresses-differ",
            Severity::Warn,
            RFC,
            "the addresses of the policy host do not all serve the same policy; senders get \
             one or the other",
        )
        .with_evidence(differences.join("\n"));
    }
    Ok(unreachable)
}

/// How the policy at `addr` differs from `body`; `Err` when no TCP connection
/// could be made.
fn difference_at(
    ctx: &Context,
    host: &str,
    addr: SocketAddr,
    body: Option<&[u8]>,
) -> Result<Option<String>, ProbeError> {
    let probe = match fetch::probe(addr, host, &ctx.tls, ctx.config.timeout) {
        Err(e @ (ProbeError::NoRoute(_) | ProbeError::Connect(_))) => return Err(e),
        Err(e) => return Ok(Some(e.to_string())),
        Ok(probe) => probe,
    };
    if let Some(problem) = probe.cert.problems.first() {
        return Ok(Some(format!(
            "certificate refused: {}",
            problem_id(problem).1
        )));
    }
    let other = fetch::get_policy(host, addr, &ctx.tls, ctx.config.timeout);
    Ok(match other {
        Err(e) => Some(e.to_string()),
        Ok(Response { status, .. }) if status != 200 => Some(format!("HTTP {status}")),
        Ok(Response {
            body: Ok(other), ..
        }) if Some(other.as_slice()) == body => None,
        Ok(Response { body: Ok(_), .. }) => Some("a different policy body".to_string()),
        Ok(Response { body: Err(e), .. }) => Some(e.to_string()),
    })
}
