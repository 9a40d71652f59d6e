//! Step 5: STARTTLS on each MX host, per address (RFC 8461 §4.2, §5, §7; RFC
//! 3207). A host that cannot be reached is "untested", never a failure: many
//! networks block outgoing port 25.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rustls::pki_types::CertificateDer;

use super::super::cert::{CertCheck, CertInfo, CertProblem};
use super::super::context::Context;
use super::super::error::CheckError;
use super::super::finding::{Findings, Severity, Step, result_type};
use super::super::smtp::{self, Outcome, Probe};
use super::mx::MxHost;
use super::policy_host::EXPIRY_WARNING_DAYS;

const RFC: &str = "RFC 8461 §4.2";
const RFC_STARTTLS: &str = "RFC 3207, RFC 8461 §4.2";
/// MX hosts probed, and looked up for DANE, at most.
pub(crate) const MAX_HOSTS: usize = 5;
const MAX_ADDRESSES: usize = 2;

/// The state of STARTTLS on one address or one host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Starttls {
    Untested,
    Ok,
    Missing,
    Failed,
}

impl Starttls {
    pub fn as_str(self) -> &'static str {
        match self {
            Starttls::Untested => "untested",
            Starttls::Ok => "ok",
            Starttls::Missing => "missing",
            Starttls::Failed => "failed",
        }
    }
}

/// What the probe of one address found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AddressResult {
    pub ip: IpAddr,
    pub starttls: Starttls,
    pub tls_version: Option<String>,
    pub certificate: Option<CertInfo>,
}

/// One address's result, with the chain it served (empty until TLS is up) for
/// the DANE step.
#[derive(Clone, Debug)]
pub(crate) struct Probed {
    pub(crate) result: AddressResult,
    pub(crate) chain: Vec<CertificateDer<'static>>,
}

/// Probes the hosts; `policy_applies` (a testing or enforce policy) makes
/// certificate problems failures rather than warnings.
pub(crate) fn run(
    ctx: &Context,
    hosts: &[MxHost],
    policy_applies: bool,
    f: &mut Findings,
) -> Result<Vec<Vec<Probed>>, CheckError> {
    report_cap(hosts, f);
    let port = ctx.config.smtp_port;
    let targets = |host: &MxHost| -> Vec<SocketAddr> {
        let ips = host.addresses.iter().take(MAX_ADDRESSES);
        ips.map(|ip| SocketAddr::new(*ip, port)).collect()
    };
    let all: Vec<Target> = hosts
        .iter()
        .take(MAX_HOSTS)
        .flat_map(|host| {
            targets(host).into_iter().map(|addr| Target {
                host: &host.host,
                addr,
            })
        })
        .collect();
    let list: Vec<String> = all.iter().map(Target::to_string).collect();
    ctx.step(Step::Smtp, &list.join(", "))?;
    let mut probes = probe_all(ctx, &all).into_iter();
    let mut results_by_host = Vec::new();
    for host in hosts.iter().take(MAX_HOSTS) {
        let mut results = Vec::new();
        for (addr, probe) in targets(host).into_iter().zip(probes.by_ref()) {
            let target = Target {
                host: &host.host,
                addr,
            };
            results.push(Probed {
                result: report(ctx, &target, &probe, policy_applies, f),
                chain: match probe.outcome {
                    Outcome::Tls { cert, .. } => cert.der,
                    _ => Vec::new(),
                },
            });
        }
        let addresses: Vec<AddressResult> = results.iter().map(|p| p.result.clone()).collect();
        consistency(&host.host, &addresses, f);
        results_by_host.push(results);
    }
    Ok(results_by_host)
}

/// Probes every address at once: where port 25 is blocked, each probe waits
/// for its timeout, and they should not add up.
fn probe_all(ctx: &Context, targets: &[Target]) -> Vec<Probe> {
    let tls = &ctx.tls;
    let timeout = ctx.config.timeout;
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| scope.spawn(move || smtp::probe(t.addr, t.host, tls, timeout)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| Probe {
                    outcome: Outcome::Broken("the probe thread failed".to_string()),
                    transcript: Vec::new(),
                })
            })
            .collect()
    })
}

fn report_cap(hosts: &[MxHost], f: &mut Findings) {
    let capped = hosts.len() > MAX_HOSTS || hosts.iter().any(|h| h.addresses.len() > MAX_ADDRESSES);
    if capped {
        f.add(
            "smtp-probe-capped",
            Severity::Info,
            RFC,
            format!("only the first {MAX_HOSTS} MX hosts and {MAX_ADDRESSES} addresses of each were probed"),
        );
    }
}

/// Where a probe went, shown as `host at address`.
struct Target<'a> {
    host: &'a str,
    addr: SocketAddr,
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.host, self.addr)
    }
}

fn report(
    ctx: &Context,
    target: &Target,
    probe: &Probe,
    policy_applies: bool,
    f: &mut Findings,
) -> AddressResult {
    let transcript = probe.transcript.join("\n");
    let ip = target.addr.ip();
    let Outcome::Tls { version, cert } = &probe.outcome else {
        let short = short_of_tls(&probe.outcome, target, ctx.config.timeout);
        let finding = f
            .add(short.id, short.severity, RFC_STARTTLS, short.message)
            .with_evidence(transcript);
        if let Some(result_type) = short.result_type {
            finding.with_result_type(result_type);
        }
        return AddressResult {
            ip,
            starttls: short.state,
            tls_version: None,
            certificate: None,
        };
    };
    let evidence = format!("{transcript}\n{}", cert.evidence(ctx.tls.now()));
    AddressResult {
        ip,
        starttls: certificate(ctx, target, version, cert, &evidence, policy_applies, f),
        tls_version: Some(version.clone()),
        certificate: cert.leaf().cloned(),
    }
}

/// The finding for a dialog that did not reach TLS.
struct Short {
    state: Starttls,
    id: &'static str,
    severity: Severity,
    result_type: Option<&'static str>,
    message: String,
}

fn short_of_tls(outcome: &Outcome, target: &Target, timeout: Duration) -> Short {
    let short = |state, id, severity, result_type, message| Short {
        state,
        id,
        severity,
        result_type,
        message,
    };
    let not_supported = Some(result_type::STARTTLS_NOT_SUPPORTED);
    match outcome {
        Outcome::Unreachable(why) => short(
            Starttls::Untested,
            "smtp-unreachable",
            Severity::Info,
            None,
            format!("could not test {target}: {why} (is port 25 blocked on this network?)"),
        ),
        Outcome::Silent => short(
            Starttls::Untested,
            "smtp-silent",
            Severity::Warn,
            None,
            format!(
                "{target} accepted the connection but sent no banner within {timeout:?}: the \
                 server hangs, or a firewall intercepts port 25"
            ),
        ),
        Outcome::BannerRefused(reply) => short(
            Starttls::Untested,
            "smtp-banner-refused",
            Severity::Warn,
            None,
            format!(
                "{target} refused the session with {} (busy, or blocking this client?)",
                reply.code
            ),
        ),
        Outcome::EhloRefused(reply) => short(
            Starttls::Failed,
            "smtp-ehlo-refused",
            Severity::Fail,
            not_supported,
            format!(
                "{target} refused EHLO with {}; senders cannot use STARTTLS",
                reply.code
            ),
        ),
        Outcome::NoStarttls => short(
            Starttls::Missing,
            "smtp-starttls-missing",
            Severity::Fail,
            not_supported,
            format!("{target} does not offer STARTTLS: mail to it travels unencrypted"),
        ),
        Outcome::StarttlsRefused(reply) => short(
            Starttls::Failed,
            "smtp-starttls-refused",
            Severity::Fail,
            not_supported,
            format!(
                "{target} offers STARTTLS but answers it with {}",
                reply.code
            ),
        ),
        Outcome::Handshake(error) => short(
            Starttls::Failed,
            "smtp-tls-handshake",
            Severity::Fail,
            Some(result_type::VALIDATION_FAILURE),
            format!("the TLS handshake with {target} failed: {error}"),
        ),
        Outcome::Broken(why) => short(
            Starttls::Failed,
            "smtp-dialog-broken",
            Severity::Warn,
            None,
            format!("the SMTP dialog with {target} broke off: {why}"),
        ),
        Outcome::Tls { version, .. } => short(
            Starttls::Ok,
            "smtp-starttls-ok",
            Severity::Pass,
            None,
            format!("{target}: STARTTLS with {version}"),
        ),
    }
}

/// F3: the certificate, once TLS is up.
fn certificate(
    ctx: &Context,
    target: &Target,
    version: &str,
    cert: &CertCheck,
    evidence: &str,
    policy_applies: bool,
    f: &mut Findings,
) -> Starttls {
    let (severity, effect) = match policy_applies {
        true => (
            Severity::Fail,
            "senders that apply MTA-STS will not deliver to it",
        ),
        false => (
            Severity::Warn,
            "a testing or enforce policy would fail here",
        ),
    };
    for problem in &cert.problems {
        let (id, result_type, detail) = problem_kind(problem);
        f.add(id, severity, RFC, format!("{target}: {detail}; {effect}"))
            .with_evidence(evidence.to_string())
            .with_result_type(result_type);
    }
    if !cert.problems.is_empty() {
        return Starttls::Failed;
    }
    let days = cert.leaf().map_or(0, |leaf| leaf.days_left(ctx.tls.now()));
    f.add(
        "smtp-starttls-ok",
        Severity::Pass,
        RFC,
        format!(
            "{target}: STARTTLS with {version}, a trusted certificate valid for the name, \
             {days} days left"
        ),
    )
    .with_evidence(evidence.to_string());
    if days < EXPIRY_WARNING_DAYS {
        f.add(
            "smtp-cert-expires-soon",
            Severity::Warn,
            RFC,
            format!("the certificate of {} expires in {days} days", target.host),
        )
        .with_evidence(evidence.to_string());
    }
    Starttls::Ok
}

fn problem_kind(problem: &CertProblem) -> (&'static str, &'static str, &str) {
    match problem {
        CertProblem::Untrusted(d) => (
            "smtp-cert-untrusted",
            result_type::CERTIFICATE_NOT_TRUSTED,
            d,
        ),
        CertProblem::Expired(d) => ("smtp-cert-expired", result_type::CERTIFICATE_EXPIRED, d),
        CertProblem::NotYetValid(d) => (
            "smtp-cert-not-yet-valid",
            result_type::VALIDATION_FAILURE,
            d,
        ),
        CertProblem::NameMismatch(d) => (
            "smtp-cert-name-mismatch",
            result_type::CERTIFICATE_HOST_MISMATCH,
            d,
        ),
        CertProblem::Other(d) => ("smtp-cert-invalid", result_type::VALIDATION_FAILURE, d),
    }
}

/// F4: the same certificate on every address.
fn consistency(host: &str, results: &[AddressResult], f: &mut Findings) {
    let certs: Vec<(&IpAddr, &CertInfo)> = results
        .iter()
        .filter_map(|r| r.certificate.as_ref().map(|c| (&r.ip, c)))
        .collect();
    let differs = certs.windows(2).any(|pair| pair[0].1 != pair[1].1);
    if differs {
        let evidence = certs
            .iter()
            .map(|(ip, cert)| {
                format!(
                    "{ip}: {} (until {})",
                    cert.subject,
                    cert.not_after.format("%Y-%m-%d")
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        f.add(
            "smtp-cert-inconsistent",
            Severity::Warn,
            RFC,
            format!("the addresses of {host} present different certificates"),
        )
        .with_evidence(evidence);
    }
}

/// The state of a host from those of its addresses: a failure anywhere counts.
pub(crate) fn host_state(results: &[AddressResult]) -> Starttls {
    results
        .iter()
        .map(|r| r.starttls)
        .max()
        .unwrap_or(Starttls::Untested)
}
