//! DNS errors are findings of their own, never "no policy" (RFC 8461 §3.1, §5).

use std::net::UdpSocket;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tlsrpt_analyzer::checker::{CheckConfig, CheckError, Severity, Status, check};

use crate::harness::World;
use crate::harness::https::Route;
use crate::support::{absent, expect, policy};

const DOMAIN: &str = "example.test";

fn body() -> Route {
    Route::policy(&policy("enforce", &["mx1.example.test"], 604800))
}

#[test]
fn servfail_on_the_sts_record_is_a_dns_error() {
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, body())
        .servfail("_mta-sts.example.test")
        .start()
        .check(DOMAIN);
    let finding = expect(&report, "sts-txt-dns-error", Severity::Fail, None);
    assert!(
        finding.evidence.contains("SERVFAIL") || finding.evidence.contains("Server Failure"),
        "{}",
        finding.evidence
    );
    absent(&report, "sts-txt-absent");
    // A sender cannot discover the policy: for it, the domain has none.
    assert_eq!(report.mta_sts.status, Status::Absent);
    // The rest of the domain still answers.
    assert_eq!(report.tls_rpt.status, Status::Valid);
}

#[test]
fn silent_dns_on_the_sts_record_is_a_dns_error() {
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, body())
        .silent_dns("_mta-sts.example.test")
        .timeout(0.5)
        .start()
        .check(DOMAIN);
    let finding = expect(&report, "sts-txt-dns-error", Severity::Fail, None);
    assert!(
        finding.evidence.contains("timed out") || finding.evidence.contains("no answer"),
        "{}",
        finding.evidence
    );
    assert_eq!(report.mta_sts.status, Status::Absent);
}

#[test]
fn servfail_on_the_tlsrpt_record_is_a_dns_error() {
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, body())
        .servfail("_smtp._tls.example.test")
        .start()
        .check(DOMAIN);
    expect(&report, "tlsrpt-dns-error", Severity::Fail, None);
    absent(&report, "tlsrpt-absent");
    assert_eq!(report.tls_rpt.status, Status::Absent);
}

#[test]
fn no_dns_server_means_the_check_cannot_run() {
    // A UDP port that was just free: nothing answers there.
    let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
    let addr = socket.local_addr().expect("address");
    drop(socket);
    let config = CheckConfig {
        dns_server: Some(addr),
        timeout: Duration::from_millis(300),
        no_smtp: true,
        ..CheckConfig::default()
    };
    let result = check(DOMAIN, &config, &mut |_, _| {}, &AtomicBool::new(false));
    assert!(
        matches!(result, Err(CheckError::DnsUnreachable(_))),
        "{result:?}"
    );
}

#[test]
fn cancel_flag_stops_the_check() {
    let world = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, body())
        .start();
    let result = check(
        DOMAIN,
        &world.config,
        &mut |_, _| {},
        &AtomicBool::new(true),
    );
    assert!(matches!(result, Err(CheckError::Cancelled)), "{result:?}");
}

#[test]
fn progress_reports_every_step() {
    let world = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, body())
        .start();
    let mut steps = Vec::new();
    let result = check(
        DOMAIN,
        &world.config,
        &mut |step, _| steps.push(step),
        &AtomicBool::new(false),
    );
    assert!(result.is_ok());
    steps.dedup();
    use tlsrpt_analyzer::checker::Step::*;
    assert_eq!(steps, [StsRecord, PolicyFetch, Policy, Mx, TlsRpt]);
}

#[test]
fn servfail_on_the_mx_leaves_the_mx_unknown() {
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, body())
        .servfail("example.test")
        .start()
        .check(DOMAIN);
    expect(&report, "mx-dns-error", Severity::Fail, None);
    absent(&report, "mx-implicit");
    assert!(report.mx.is_empty());
    assert!(
        report
            .records
            .notes
            .iter()
            .any(|n| n.contains("MX records could not be read"))
    );
    // The policy itself is fine.
    assert_eq!(report.mta_sts.status, Status::Valid);
}
