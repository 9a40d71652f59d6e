//! The domain checker: verifies a domain's MTA-STS (RFC 8461) and TLS-RPT (RFC
//! 8460) setup the way a sending MTA sees it, explains every finding with its
//! evidence, its RFC section and the TLS-RPT result type a sender would log, and
//! proposes the records to publish.
//!
//! [`check`] is blocking and runs the steps in order: the `_mta-sts` record, the
//! policy fetch, the policy file, the MX records (and, validated with DNSSEC,
//! their TLSA records), STARTTLS on each MX, the `_smtp._tls` record, and DANE:
//! each MX host's certificate against its TLSA records (RFC 7672). Every network
//! operation has the configured timeout, so a silent peer becomes a finding
//! rather than a hang. The module depends on no GUI crate.

mod anchor;
mod cert;
mod config;
mod context;
mod dane_match;
mod dns;
mod domain;
mod error;
mod fetch;
mod finding;
mod mx_pattern;
pub mod policy;
mod records;
mod report;
mod secure_dns;
mod smtp;
mod steps;
pub mod sts_record;
pub mod text;
mod tls;
mod tlsa;
pub mod tlsrpt_record;
mod txt_fields;
mod verifier;

use std::sync::atomic::AtomicBool;

pub use cert::CertInfo;
pub use config::{CheckConfig, Clock, Roots, TrustAnchor};
pub use domain::Domain;
pub use error::CheckError;
pub use finding::{Finding, Severity, Step, result_type};
pub use mx_pattern::MxPattern;
pub use policy::{Mode, Policy};
pub use records::{KeySlot, ProposedRecords, TlsaRecord, TxtRecord, propose};
pub use report::{
    CheckReport, DaneState, DaneStatus, MtaStsState, MxState, PolicyState, Status, TlsRptState,
    Verdict,
};
pub use secure_dns::Dnssec;
pub use steps::dane::Dane;
pub use steps::starttls::{AddressResult, Starttls};
pub use txt_fields::Diagnostic;

use context::Context;
use finding::Findings;
use steps::{dane, mx, policy_file, policy_host, starttls, sts_txt, tlsrpt};

/// Checks `domain`. `progress` is called as each step and host starts; setting
/// `cancel` stops the check at the next one with [`CheckError::Cancelled`].
///
/// Errors mean the check could not run (a bad domain name, unreadable roots, no
/// DNS server answering); everything observed about the domain is a finding.
pub fn check(
    domain: &str,
    config: &CheckConfig,
    progress: &mut dyn FnMut(Step, &str),
    cancel: &AtomicBool,
) -> Result<CheckReport, CheckError> {
    let domain = Domain::parse(domain)?;
    let ctx = Context::new(config, progress, cancel)?;
    let mut all = domain_findings(&domain);
    let (mta_sts, applied) = mta_sts(&ctx, &domain, &mut all)?;
    let applied = applied.as_ref();
    let mx_hosts = run_step(Step::Mx, &mut all, |f| mx::run(&ctx, &domain, applied, f))?;
    // No answer to any lookup so far: the DNS server is down, not the domain.
    ctx.dns.ensure_reachable()?;
    let dane_dns = dane::lookups(&ctx, &domain, mx_hosts.as_deref())?;
    let hosts = mx_hosts.as_deref().unwrap_or_default();
    let probes = run_step(Step::Smtp, &mut all, |f| smtp(&ctx, hosts, applied, f))?;
    let tls_rpt = run_step(Step::TlsRpt, &mut all, |f| tlsrpt::run(&ctx, &domain, f))?;
    cross_checks(&mta_sts, applied, &tls_rpt, &mut all);
    let around = dane::Around {
        domain: &domain,
        mta_sts: &mta_sts,
        rua: tls_rpt.rua.as_deref(),
    };
    let dane = run_step(Step::Dane, &mut all, |f| {
        dane::run(&ctx, &dane_dns, &probes, &around, f)
    })?;
    // DANE is reported last, knowing TLS-RPT, but belongs before it.
    all.sort_by_key(|f| f.step);
    let names: Option<Vec<String>> = mx_hosts
        .as_ref()
        .map(|hosts| hosts.iter().map(|h| h.host.clone()).collect());
    let now = config.clock.now();
    let mut records = propose(&domain.ascii, names.as_deref(), tls_rpt.rua.as_deref(), now);
    records::add_tlsa(&mut records, &served_leaves(hosts, &probes));
    Ok(CheckReport {
        domain: domain.ascii,
        verdict: CheckReport::verdict_of(&all),
        mta_sts,
        tls_rpt: tls_rpt_state(tls_rpt),
        dane: dane.state,
        mx: mx_states(mx_hosts.unwrap_or_default(), probes, dane.hosts),
        findings: all,
        records,
    })
}

/// Each probed host with the first leaf certificate it served.
fn served_leaves<'a>(
    hosts: &'a [mx::MxHost],
    probes: &'a [Vec<starttls::Probed>],
) -> Vec<(&'a str, &'a [u8])> {
    hosts
        .iter()
        .zip(probes)
        .filter_map(|(host, probed)| {
            let leaf = probed.iter().find_map(|p| p.chain.first())?;
            Some((host.host.as_str(), leaf.as_ref()))
        })
        .collect()
}

/// Runs one step with its own findings, then appends them.
fn run_step<T>(
    step: Step,
    all: &mut Vec<Finding>,
    run: impl FnOnce(&mut Findings) -> Result<T, CheckError>,
) -> Result<T, CheckError> {
    let mut findings = Findings::new(step);
    let result = run(&mut findings)?;
    all.append(&mut findings.list);
    Ok(result)
}

fn domain_findings(domain: &Domain) -> Vec<Finding> {
    let mut f = Findings::new(Step::Domain);
    if let Some(input) = &domain.unicode_input {
        f.add(
            "domain-a-label",
            Severity::Info,
            "RFC 8461 §3.2, RFC 8460 §4.4",
            format!(
                "{input} is checked as {}: policies and reports use A-labels",
                domain.ascii
            ),
        );
    }
    f.list
}

/// The `_mta-sts` record, the fetch and the policy; the state, and the policy when
/// senders apply it.
fn mta_sts(
    ctx: &Context,
    domain: &Domain,
    all: &mut Vec<Finding>,
) -> Result<(MtaStsState, Option<Policy>), CheckError> {
    ctx.step(Step::StsRecord, &format!("_mta-sts.{}", domain.ascii))?;
    let sts = run_step(Step::StsRecord, all, |f| {
        Ok(sts_txt::run(&ctx.dns, domain, f))
    })?;
    let mut fetch = Findings::new(Step::PolicyFetch);
    let mut parse = Findings::new(Step::Policy);
    let mut policy = None;
    if sts.published {
        let body = policy_host::run(ctx, domain, &mut fetch)?;
        ctx.step(Step::Policy, &domain.policy_host())?;
        policy = body.and_then(|body| policy_file::run(&body, &mut parse));
    }
    let (status, result_type) = match (&sts.record, &policy) {
        (None, _) => (Status::Absent, None),
        (Some(_), Some(_)) if !fetch.has_fail() && !parse.has_fail() => (Status::Valid, None),
        (Some(_), _) => (
            Status::Invalid,
            fetch
                .first_fail_result_type()
                .or(parse.first_fail_result_type()),
        ),
    };
    all.append(&mut fetch.list);
    all.append(&mut parse.list);
    let applied = policy.filter(|_| status == Status::Valid);
    let state = MtaStsState {
        status,
        tlsrpt_result_type: result_type,
        record: sts.text,
        policy: applied.as_ref().map(PolicyState::from),
    };
    Ok((state, applied))
}

fn smtp(
    ctx: &Context,
    hosts: &[mx::MxHost],
    policy: Option<&Policy>,
    f: &mut Findings,
) -> Result<Vec<Vec<starttls::Probed>>, CheckError> {
    if ctx.config.no_smtp {
        f.add(
            "smtp-skipped",
            Severity::Info,
            "RFC 8461 §4.2",
            "STARTTLS on the MX hosts was not tested (--no-smtp)",
        );
        return Ok(Vec::new());
    }
    let applies = policy.is_some_and(|p| p.mode != Mode::None);
    starttls::run(ctx, hosts, applies, f)
}

/// G8 and D11: MTA-STS and TLS-RPT go together.
fn cross_checks(
    sts: &MtaStsState,
    policy: Option<&Policy>,
    tls_rpt: &tlsrpt::TlsRpt,
    all: &mut Vec<Finding>,
) {
    let mut f = Findings::new(Step::TlsRpt);
    let reports = tls_rpt.rua.is_some();
    if let Some(policy) = policy.filter(|p| p.mode != Mode::None && !reports) {
        f.add(
            "tlsrpt-missing-for-policy",
            Severity::Warn,
            "RFC 8461 §5, RFC 8460 §3",
            format!(
                "the policy is in {} mode but there is no usable TLS-RPT record: no sender \
                 will report the failures",
                policy.mode.as_str()
            ),
        );
    }
    if reports && sts.status == Status::Absent {
        f.add(
            "tlsrpt-without-policy",
            Severity::Info,
            "RFC 8460 §3",
            "TLS-RPT is set up without MTA-STS: reports will only cover DANE or plain STARTTLS",
        );
    }
    all.append(&mut f.list);
}

fn tls_rpt_state(tls_rpt: tlsrpt::TlsRpt) -> TlsRptState {
    let status = match (&tls_rpt.rua, tls_rpt.published) {
        (Some(_), _) => Status::Valid,
        (None, true) => Status::Invalid,
        (None, false) => Status::Absent,
    };
    TlsRptState {
        status,
        rua: tls_rpt.rua.unwrap_or_default(),
        record: tls_rpt.text,
    }
}

fn mx_states(
    hosts: Vec<mx::MxHost>,
    mut probes: Vec<Vec<starttls::Probed>>,
    mut dane: Vec<dane::HostDane>,
) -> Vec<MxState> {
    probes.resize(hosts.len(), Vec::new());
    dane.resize(
        hosts.len(),
        dane::HostDane {
            dnssec: None,
            dane: Dane::Untested,
            matched: None,
        },
    );
    hosts
        .into_iter()
        .zip(probes.into_iter().zip(dane))
        .map(|(host, (probed, dane))| {
            let mut addresses: Vec<AddressResult> = probed.into_iter().map(|p| p.result).collect();
            for ip in host.addresses.iter().skip(addresses.len()) {
                addresses.push(AddressResult {
                    ip: *ip,
                    starttls: Starttls::Untested,
                    tls_version: None,
                    certificate: None,
                });
            }
            MxState {
                starttls: starttls::host_state(&addresses),
                host: host.host,
                preference: host.preference,
                matches_policy: host.matches_policy,
                dnssec: dane.dnssec,
                dane: dane.dane,
                tlsa_matched: dane.matched,
                addresses,
            }
        })
        .collect()
}
