//! The checker against hostile peers: a DNS server that never answers or answers
//! with 64 KB TXT records, a policy host that trickles bytes or sends headers
//! forever, SMTP servers that never finish a reply or hang up mid-handshake.
//!
//! Every case must end with a clear finding, within the configured timeout of each
//! operation. The bounds on the whole check are generous (they catch hangs, they do
//! not measure speed): what the hostile operations may take (a DNS lookup three
//! timeouts, a TLS handshake two, an SMTP dialog four, a policy fetch one, each plus
//! the read under way), plus five seconds for the rest of the check in a debug build.

use std::time::{Duration, Instant};

use tlsrpt_analyzer::checker::{CheckError, CheckReport, Severity, Starttls, Status, result_type};

use crate::harness::https::{BodyMode, Route};
use crate::harness::smtp::{Banner, Script, StartTls};
use crate::harness::{World, WorldBuilder};
use crate::support::{expect, findings, mx, policy};

const DOMAIN: &str = "example.test";
const MX1: &str = "mx1.example.test";
/// The configured timeout of every case: short, so that the bounds stay short.
const TIMEOUT: f64 = 1.0;

fn good_policy() -> Route {
    Route::policy(&policy("enforce", &[MX1], 604800))
}

fn world() -> WorldBuilder {
    World::builder().zone(zone!("example")).timeout(TIMEOUT)
}

/// Runs the check and asserts that it ended within `timeouts` configured
/// timeouts, plus five seconds for everything else.
fn check_within(world: &World, timeouts: f64) -> CheckReport {
    let started = Instant::now();
    let report = world.check(DOMAIN);
    assert_ended_within(started.elapsed(), timeouts);
    report
}

fn assert_ended_within(elapsed: Duration, timeouts: f64) {
    let bound = Duration::from_secs_f64(timeouts * TIMEOUT + 5.0);
    eprintln!("the check took {elapsed:?} (bound {bound:?})");
    assert!(
        elapsed < bound,
        "the check took {elapsed:?}, over {bound:?}"
    );
}

// ---------------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------------

#[test]
fn dns_that_never_answers_is_unreachable_within_its_lookup_limits() {
    let world = world().policy(DOMAIN, good_policy()).mute_dns().start();
    let started = Instant::now();
    let result = world.try_check(DOMAIN);
    // `_mta-sts` TXT and MX are looked up before the check gives up: three
    // timeouts each at most.
    assert_ended_within(started.elapsed(), 6.0);
    match result {
        Err(CheckError::DnsUnreachable(last)) => {
            assert!(last.contains("no answer"), "{last}")
        }
        other => panic!("expected DnsUnreachable, got {other:?}"),
    }
}

/// A zone whose `_mta-sts` and `_smtp._tls` records are one TXT record each of
/// 250 strings of up to 252 bytes (about 63 KB: the answer comes over TCP after a
/// truncated UDP answer), holding thousands of fields.
fn huge_txt_zone() -> String {
    let sts_strings: Vec<String> = std::iter::once("v=STSv1; id=20260801;".to_string())
        .chain((0..249).map(|_| "a=b;".repeat(63)))
        .map(|s| format!("\"{s}\""))
        .collect();
    // Every URI breaks the escaping rule (an unencoded `!`): one diagnostic each.
    let rua: Vec<String> =
        std::iter::once("v=TLSRPTv1; rua=mailto:tlsrpt@example.test,".to_string())
            .chain((0..249).map(|_| "mailto:a@b.test!1m,".repeat(13)))
            .map(|s| format!("\"{s}\""))
            .collect();
    format!(
        "$ORIGIN example.test.\n\
         @           MX  10 mx1\n\
         mx1         A   127.0.0.11\n\
         mta-sts     A   127.0.0.1\n\
         _mta-sts    TXT {}\n\
         _smtp._tls  TXT {}\n",
        sts_strings.join(" "),
        rua.join(" ")
    )
}

#[test]
fn huge_txt_records_of_thousands_of_fields_end_with_a_bounded_list_of_findings() {
    let world = World::builder()
        .zone(&huge_txt_zone())
        .policy(DOMAIN, good_policy())
        .timeout(TIMEOUT)
        .start();
    let report = check_within(&world, 6.0);
    let evidence: usize = report.findings.iter().map(|f| f.evidence.len()).sum();
    eprintln!(
        "{} findings, {evidence} bytes of evidence",
        report.findings.len()
    );

    // The records were read whole: 250 strings each.
    let multi = expect(&report, "sts-txt-multi-string", Severity::Info, None);
    assert!(multi.message.contains("250 strings"), "{}", multi.message);
    assert!(multi.evidence.len() > 60_000);
    expect(&report, "tlsrpt-multi-string", Severity::Info, None);
    // The MTA-STS record is valid: its 15,687 extension fields are ignored.
    expect(&report, "sts-txt-valid", Severity::Pass, None);
    assert_eq!(report.mta_sts.status, Status::Valid);
    let extensions = findings(&report, "sts-record-extension");
    assert!(extensions.len() <= 10, "{} findings", extensions.len());
    let last = extensions.last().expect("an extension finding");
    assert!(last.message.contains("more like it"), "{}", last.message);
    // One good URI; the 3,237 others are each refused, and summed up.
    let escaping = findings(&report, "tlsrpt-uri-escaping");
    assert!(escaping.len() <= 10, "{} findings", escaping.len());
    assert!(escaping.iter().all(|f| f.severity == Severity::Fail));
    assert_eq!(report.tls_rpt.rua, ["mailto:tlsrpt@example.test"]);
    assert!(
        report.findings.len() < 100,
        "{} findings",
        report.findings.len()
    );
    assert!(evidence < 8 << 20, "{evidence} bytes of evidence");
}

// ---------------------------------------------------------------------------------
// The policy host
// ---------------------------------------------------------------------------------

fn check_route(route: Route) -> CheckReport {
    let world = world().policy(DOMAIN, route).start();
    check_within(&world, 4.0)
}

fn assert_fetch_error(report: &CheckReport, id: &str) {
    expect(
        report,
        id,
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert_eq!(report.mta_sts.status, Status::Invalid);
}

#[test]
fn policy_body_trickled_forever_times_out() {
    let route = good_policy().mode(BodyMode::Trickle(Duration::from_millis(100)));
    let report = check_route(route);
    assert_fetch_error(&report, "policy-fetch-timeout");
}

#[test]
fn policy_headers_trickled_forever_time_out() {
    let route = good_policy().mode(BodyMode::TrickleHead(Duration::from_millis(100)));
    let report = check_route(route);
    assert_fetch_error(&report, "policy-fetch-timeout");
}

#[test]
fn endless_policy_headers_are_cut_off() {
    let report = check_route(good_policy().mode(BodyMode::EndlessHeaders));
    let finding = expect(
        &report,
        "policy-fetch-error",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert!(finding.evidence.contains("header"), "{}", finding.evidence);
    assert_eq!(report.mta_sts.status, Status::Invalid);
}

#[test]
fn tls_handshake_trickled_forever_times_out() {
    let world = world().policy(DOMAIN, good_policy()).trickle_tls().start();
    let report = check_within(&world, 4.0);
    let finding = expect(
        &report,
        "policy-tls-handshake",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert!(
        finding.evidence.contains("timed out"),
        "{}",
        finding.evidence
    );
    assert_eq!(report.mta_sts.status, Status::Invalid);
}

// ---------------------------------------------------------------------------------
// SMTP
// ---------------------------------------------------------------------------------

/// Two MX addresses with the same hostile script: the probes run side by side, so
/// the check takes one dialog's limit, not two.
fn check_smtp(starttls: StartTls, banner: Banner) -> CheckReport {
    let script = Script { banner, starttls };
    let world = World::builder()
        .zone(zone!("two-mx-addresses"))
        .policy(DOMAIN, good_policy())
        .mx([127, 0, 0, 11], MX1, script)
        .mx([127, 0, 0, 12], MX1, script)
        .timeout(TIMEOUT)
        .start();
    let report = check_within(&world, 5.0);
    assert_eq!(mx(&report, MX1).addresses.len(), 2);
    report
}

/// Both addresses have a finding `id` whose evidence (the transcript) or message
/// contains `text`.
fn expect_twice(report: &CheckReport, id: &str, severity: Severity, text: &str) {
    let found = findings(report, id);
    assert_eq!(found.len(), 2, "{found:#?}");
    for finding in found {
        assert_eq!(finding.severity, severity, "{finding:#?}");
        assert!(
            finding.message.contains(text) || finding.evidence.contains(text),
            "{text:?} not in {finding:#?}"
        );
    }
}

#[test]
fn smtp_servers_that_never_send_a_banner_are_silent_in_one_timeout() {
    let report = check_smtp(StartTls::Offered, Banner::Silent);
    expect_twice(&report, "smtp-silent", Severity::Warn, "no banner");
    assert_eq!(mx(&report, MX1).starttls, Starttls::Untested);
}

#[test]
fn endless_multi_line_ehlo_reply_is_cut_off() {
    let report = check_smtp(StartTls::EndlessEhlo, Banner::Ready);
    expect_twice(
        &report,
        "smtp-dialog-broken",
        Severity::Warn,
        "too many reply lines",
    );
    let evidence = &findings(&report, "smtp-dialog-broken")[0].evidence;
    assert!(evidence.lines().count() < 120, "{evidence}");
}

#[test]
fn endless_ehlo_reply_line_is_cut_off() {
    let report = check_smtp(StartTls::EndlessLine, Banner::Ready);
    expect_twice(
        &report,
        "smtp-dialog-broken",
        Severity::Warn,
        "longer than 4096 bytes",
    );
}

#[test]
fn ehlo_reply_trickled_forever_ends_at_the_dialog_deadline() {
    let report = check_smtp(StartTls::TrickledEhlo, Banner::Ready);
    expect_twice(&report, "smtp-dialog-broken", Severity::Warn, "timed out");
}

#[test]
fn connection_dropped_at_ehlo_is_a_broken_dialog() {
    let report = check_smtp(StartTls::DropAtEhlo, Banner::Ready);
    expect_twice(
        &report,
        "smtp-dialog-broken",
        Severity::Warn,
        "closed the connection",
    );
}

#[test]
fn connection_dropped_mid_handshake_is_a_handshake_failure() {
    let report = check_smtp(StartTls::DropInHandshake, Banner::Ready);
    let found = findings(&report, "smtp-tls-handshake");
    assert_eq!(found.len(), 2, "{found:#?}");
    for finding in found {
        assert_eq!(finding.severity, Severity::Fail);
        assert_eq!(
            finding.tlsrpt_result_type,
            Some(result_type::VALIDATION_FAILURE)
        );
        assert!(finding.evidence.contains("S: 220 2.0.0 ready for TLS"));
    }
    assert_eq!(mx(&report, MX1).starttls, Starttls::Failed);
}

#[test]
fn tls_handshake_trickled_forever_after_starttls_times_out() {
    let report = check_smtp(StartTls::TrickleHandshake, Banner::Ready);
    let found = findings(&report, "smtp-tls-handshake");
    assert_eq!(found.len(), 2, "{found:#?}");
    for finding in found {
        assert_eq!(finding.severity, Severity::Fail);
        assert!(finding.message.contains("timed out"), "{}", finding.message);
    }
    assert_eq!(mx(&report, MX1).starttls, Starttls::Failed);
}
