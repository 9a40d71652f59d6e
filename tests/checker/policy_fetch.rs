//! The policy fetch (RFC 8461 §3.3): certificates of the policy host, status
//! codes, content type, size and time.

use tlsrpt_analyzer::checker::{Severity, Status, result_type};

use crate::harness::World;
use crate::harness::https::{BodyMode, Route};
use crate::harness::pki::{Leaf, Validity};
use crate::support::{absent, expect, policy};

const DOMAIN: &str = "example.test";
const HOST: &str = "mta-sts.example.test";

fn good_policy() -> String {
    policy("enforce", &["mx1.example.test"], 604800)
}

fn check_route(route: Route) -> tlsrpt_analyzer::checker::CheckReport {
    World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, route)
        .start()
        .check(DOMAIN)
}

fn assert_invalid(report: &tlsrpt_analyzer::checker::CheckReport, result_type: &str) {
    assert_eq!(report.mta_sts.status, Status::Invalid);
    assert_eq!(report.mta_sts.tlsrpt_result_type, Some(result_type));
    assert_eq!(report.mta_sts.policy, None);
}

#[test]
fn redirect_is_reported_and_never_followed() {
    let route = Route::status(301).header("Location", "https://www.example.test/mta-sts.txt");
    let report = check_route(route);
    let finding = expect(
        &report,
        "policy-http-redirect",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert!(
        finding
            .message
            .contains("https://www.example.test/mta-sts.txt"),
        "{}",
        finding.message
    );
    assert!(
        finding.evidence.starts_with("HTTP 301"),
        "{}",
        finding.evidence
    );
    absent(&report, "policy-fetched");
    assert_invalid(&report, result_type::STS_POLICY_FETCH_ERROR);
}

#[test]
fn not_found_is_a_fetch_error() {
    let report = check_route(Route::status(404));
    expect(
        &report,
        "policy-http-status",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert_invalid(&report, result_type::STS_POLICY_FETCH_ERROR);
}

#[test]
fn html_page_with_status_200_is_not_a_policy() {
    let route = Route::policy("<!DOCTYPE html>\n<html><body>Welcome</body></html>\n")
        .header("Content-Type", "text/html");
    let report = check_route(route);
    let content_type = expect(&report, "policy-content-type", Severity::Warn, None);
    assert!(
        content_type.message.contains("text/html"),
        "{}",
        content_type.message
    );
    expect(
        &report,
        "policy-body-html",
        Severity::Fail,
        Some(result_type::STS_POLICY_INVALID),
    );
    assert_invalid(&report, result_type::STS_POLICY_INVALID);
}

#[test]
fn missing_content_type_warns_but_the_policy_applies() {
    let mut route = Route::policy(&good_policy());
    route.headers.clear();
    let report = check_route(route);
    let finding = expect(&report, "policy-content-type", Severity::Warn, None);
    assert!(finding.message.contains("missing"), "{}", finding.message);
    assert_eq!(report.mta_sts.status, Status::Valid);
}

#[test]
fn oversize_body_with_length_is_refused() {
    let body = format!("{}# {}\n", good_policy(), "x".repeat(70 * 1024));
    let report = check_route(Route::policy(&body));
    expect(
        &report,
        "policy-too-large",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert_invalid(&report, result_type::STS_POLICY_FETCH_ERROR);
}

#[test]
fn oversize_chunked_body_is_refused() {
    let body = format!("{}# {}\n", good_policy(), "x".repeat(70 * 1024));
    let report = check_route(Route::policy(&body).mode(BodyMode::Chunked));
    expect(
        &report,
        "policy-too-large",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
}

#[test]
fn chunked_body_within_the_limit_is_read() {
    let report = check_route(Route::policy(&good_policy()).mode(BodyMode::Chunked));
    assert_eq!(report.mta_sts.status, Status::Valid);
}

#[test]
fn slow_body_times_out() {
    let route = Route::policy(&good_policy()).mode(BodyMode::Stall(20));
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, route)
        .timeout(1.0)
        .start()
        .check(DOMAIN);
    expect(
        &report,
        "policy-fetch-timeout",
        Severity::Fail,
        Some(result_type::STS_POLICY_FETCH_ERROR),
    );
    assert_invalid(&report, result_type::STS_POLICY_FETCH_ERROR);
}

#[test]
fn silent_policy_host_is_a_finding() {
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&good_policy()))
        .silent_https()
        .timeout(1.0)
        .start()
        .check(DOMAIN);
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
    assert_invalid(&report, result_type::STS_POLICY_FETCH_ERROR);
}

#[test]
fn byte_order_mark_corrupts_the_policy() {
    let report = check_route(Route::policy(&format!("\u{feff}{}", good_policy())));
    expect(
        &report,
        "policy-body-bom",
        Severity::Fail,
        Some(result_type::STS_POLICY_INVALID),
    );
    assert_invalid(&report, result_type::STS_POLICY_INVALID);
}

fn check_cert(leaf: Leaf) -> tlsrpt_analyzer::checker::CheckReport {
    World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&good_policy()))
        .https_cert(HOST, leaf)
        .start()
        .check(DOMAIN)
}

#[test]
fn expired_policy_host_certificate_is_webpki_invalid() {
    let report = check_cert(Leaf::expired(HOST));
    let finding = expect(
        &report,
        "policy-cert-expired",
        Severity::Fail,
        Some(result_type::STS_WEBPKI_INVALID),
    );
    assert!(
        finding.evidence.contains("days ago"),
        "{}",
        finding.evidence
    );
    absent(&report, "policy-cert-untrusted");
    absent(&report, "policy-fetched");
    assert_invalid(&report, result_type::STS_WEBPKI_INVALID);
}

#[test]
fn wrong_host_certificate_is_webpki_invalid() {
    let report = check_cert(Leaf::other_host("www.example.test"));
    let finding = expect(
        &report,
        "policy-cert-name-mismatch",
        Severity::Fail,
        Some(result_type::STS_WEBPKI_INVALID),
    );
    assert!(
        finding.message.contains("www.example.test"),
        "{}",
        finding.message
    );
    absent(&report, "policy-cert-untrusted");
    absent(&report, "policy-cert-expired");
    assert_invalid(&report, result_type::STS_WEBPKI_INVALID);
}

#[test]
fn untrusted_certificate_is_webpki_invalid() {
    let report = check_cert(Leaf::rogue(HOST));
    let finding = expect(
        &report,
        "policy-cert-untrusted",
        Severity::Fail,
        Some(result_type::STS_WEBPKI_INVALID),
    );
    assert!(
        finding.evidence.contains("Rogue CA"),
        "{}",
        finding.evidence
    );
    absent(&report, "policy-cert-name-mismatch");
    absent(&report, "policy-cert-expired");
    assert_invalid(&report, result_type::STS_WEBPKI_INVALID);
}

#[test]
fn certificate_close_to_expiry_warns_on_the_injected_clock() {
    let in_85_days = std::time::SystemTime::now() + std::time::Duration::from_secs(85 * 86400);
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&good_policy()))
        .clock(in_85_days)
        .start()
        .check(DOMAIN);
    let finding = expect(&report, "policy-cert-expires-soon", Severity::Warn, None);
    assert!(
        finding.message.contains("expires in 4 days")
            || finding.message.contains("expires in 5 days"),
        "{}",
        finding.message
    );
    assert_eq!(report.mta_sts.status, Status::Valid);
}

#[test]
fn certificate_not_yet_valid_is_webpki_invalid() {
    let leaf = Leaf {
        validity: Validity::NotYet,
        ..Leaf::good(HOST)
    };
    let report = check_cert(leaf);
    expect(
        &report,
        "policy-cert-not-yet-valid",
        Severity::Fail,
        Some(result_type::STS_WEBPKI_INVALID),
    );
    absent(&report, "policy-cert-untrusted");
    assert_invalid(&report, result_type::STS_WEBPKI_INVALID);
}

#[test]
fn tls_1_2_policy_host_is_accepted() {
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&good_policy()))
        .tls12_only()
        .start()
        .check(DOMAIN);
    let finding = expect(&report, "policy-cert-valid", Severity::Pass, None);
    assert!(
        finding.evidence.starts_with("TLSv1.2\n"),
        "{}",
        finding.evidence
    );
    assert_eq!(report.mta_sts.status, Status::Valid);
}

#[test]
fn policy_host_address_that_refuses_is_a_warning() {
    let domain = "two-addresses.test";
    let report = World::builder()
        .zone(zone!("two-addresses"))
        .policy(
            domain,
            Route::policy(&policy("enforce", &["mx1.two-addresses.test"], 604800)),
        )
        .start()
        .check(domain);
    let finding = expect(&report, "policy-host-unreachable", Severity::Warn, None);
    assert!(
        finding.evidence.starts_with("127.0.0.98:"),
        "{}",
        finding.evidence
    );
    assert!(
        finding.evidence.contains("connection refused"),
        "{}",
        finding.evidence
    );
    assert_eq!(report.mta_sts.status, Status::Valid);
}
