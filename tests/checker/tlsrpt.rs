//! The `_smtp._tls` TLS-RPT record (RFC 8460 §3).

use tlsrpt_analyzer::checker::{CheckReport, Severity, Status};

use crate::harness::World;
use crate::harness::https::Route;
use crate::support::{absent, expect, policy};

fn check(zone: &str, domain: &str) -> CheckReport {
    World::builder()
        .zone(zone)
        .policy(
            domain,
            Route::policy(&policy("enforce", &[&format!("mx1.{domain}")], 604800)),
        )
        .start()
        .check(domain)
}

#[test]
fn absent_record_warns_and_enforce_without_reports_warns() {
    let report = check(zone!("tlsrpt-absent"), "tlsrpt-absent.test");
    let finding = expect(&report, "tlsrpt-absent", Severity::Warn, None);
    assert!(
        finding.evidence.starts_with("NXDOMAIN"),
        "{}",
        finding.evidence
    );
    expect(&report, "tlsrpt-missing-for-policy", Severity::Warn, None);
    assert_eq!(report.tls_rpt.status, Status::Absent);
    assert!(report.tls_rpt.rua.is_empty());
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.records.tls_rpt_txt.value,
        "v=TLSRPTv1; rua=mailto:tlsrpt@tlsrpt-absent.test"
    );
}

#[test]
fn uri_without_scheme_is_unusable() {
    let report = check(zone!("tlsrpt-no-scheme"), "tlsrpt-no-scheme.test");
    let finding = expect(&report, "tlsrpt-uri-no-scheme", Severity::Fail, None);
    assert!(
        finding
            .message
            .contains("mailto:tlsrpt@tlsrpt-no-scheme.test"),
        "{}",
        finding.message
    );
    expect(&report, "tlsrpt-no-usable-uri", Severity::Fail, None);
    assert_eq!(report.tls_rpt.status, Status::Invalid);
    assert_eq!(
        report.tls_rpt.record.as_deref(),
        Some("v=TLSRPTv1; rua=tlsrpt@tlsrpt-no-scheme.test")
    );
}

#[test]
fn two_records_mean_no_reporting() {
    let report = check(zone!("tlsrpt-two"), "tlsrpt-two.test");
    let finding = expect(&report, "tlsrpt-multiple", Severity::Fail, None);
    assert!(finding.message.contains("2 records"), "{}", finding.message);
    assert_eq!(report.tls_rpt.status, Status::Invalid);
    assert_eq!(report.tls_rpt.record, None);
    expect(&report, "tlsrpt-missing-for-policy", Severity::Warn, None);
}

#[test]
fn unescaped_bang_and_http_fail_their_uri_only() {
    let report = check(zone!("tlsrpt-escaping"), "tlsrpt-escaping.test");
    expect(&report, "tlsrpt-uri-escaping", Severity::Fail, None);
    expect(&report, "tlsrpt-uri-scheme", Severity::Fail, None);
    absent(&report, "tlsrpt-no-usable-uri");
    assert_eq!(report.tls_rpt.status, Status::Valid);
    assert_eq!(report.tls_rpt.rua, ["mailto:tls@tlsrpt-escaping.test"]);
}

#[test]
fn tlsrpt_without_mta_sts_is_informational() {
    let report = World::builder()
        .zone(zone!("tlsrpt-only"))
        .start()
        .check("tlsrpt-only.test");
    expect(&report, "tlsrpt-valid", Severity::Pass, None);
    expect(&report, "tlsrpt-without-policy", Severity::Info, None);
    assert_eq!(report.mta_sts.status, Status::Absent);
}
