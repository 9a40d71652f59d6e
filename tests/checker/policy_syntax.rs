//! The policy file served by the policy host (RFC 8461 §3.2).

use tlsrpt_analyzer::checker::{CheckReport, Mode, Severity, Status, result_type};

use crate::harness::World;
use crate::harness::https::Route;
use crate::support::{expect, policy};

const DOMAIN: &str = "example.test";

fn check_body(body: &str) -> CheckReport {
    World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(body))
        .start()
        .check(DOMAIN)
}

fn assert_policy_invalid(report: &CheckReport, id: &str) {
    expect(
        report,
        id,
        Severity::Fail,
        Some(result_type::STS_POLICY_INVALID),
    );
    assert_eq!(report.mta_sts.status, Status::Invalid);
    assert_eq!(
        report.mta_sts.tlsrpt_result_type,
        Some(result_type::STS_POLICY_INVALID)
    );
    assert_eq!(report.mta_sts.policy, None);
    // Without a policy there is nothing to match the MX against.
    assert_eq!(report.mx[0].matches_policy, None);
}

#[test]
fn missing_mx_in_enforce_mode_is_invalid() {
    assert_policy_invalid(
        &check_body(&policy("enforce", &[], 604800)),
        "policy-mx-missing",
    );
}

#[test]
fn mx_typo_is_named_and_leaves_no_mx() {
    let body = "version: STSv1\r\nmode: enforce\r\nnmx: mx1.example.test\r\nmax_age: 604800\r\n";
    let report = check_body(body);
    let typo = expect(&report, "policy-key-typo", Severity::Warn, None);
    assert!(typo.message.contains("\"mx\""), "{}", typo.message);
    assert_policy_invalid(&report, "policy-mx-missing");
}

#[test]
fn old_draft_mode_report_is_invalid_with_a_hint() {
    let report = check_body(&policy("report", &["mx1.example.test"], 604800));
    assert_policy_invalid(&report, "policy-mode-invalid");
    let finding = expect(
        &report,
        "policy-mode-invalid",
        Severity::Fail,
        Some(result_type::STS_POLICY_INVALID),
    );
    assert!(finding.message.contains("testing"), "{}", finding.message);
    assert_eq!(finding.evidence, "line 2: mode: report");
}

#[test]
fn wrong_version_is_invalid() {
    let body = policy("enforce", &["mx1.example.test"], 604800).replace("STSv1", "STSv2");
    assert_policy_invalid(&check_body(&body), "policy-version-invalid");
}

#[test]
fn max_age_above_one_year_is_invalid() {
    assert_policy_invalid(
        &check_body(&policy("enforce", &["mx1.example.test"], 31_557_601)),
        "policy-max-age-invalid",
    );
}

#[test]
fn max_age_of_one_year_is_valid() {
    let report = check_body(&policy("enforce", &["mx1.example.test"], 31_557_600));
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.mta_sts.policy.as_ref().map(|p| p.max_age),
        Some(31_557_600)
    );
}

#[test]
fn duplicate_key_keeps_the_first_value() {
    let body = "version: STSv1\r\nmode: testing\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n";
    let report = check_body(body);
    let finding = expect(&report, "policy-key-duplicate", Severity::Warn, None);
    assert_eq!(finding.evidence, "line 3: mode: enforce");
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.mta_sts.policy.as_ref().map(|p| p.mode),
        Some(Mode::Testing)
    );
}

#[test]
fn short_max_age_warns() {
    let report = check_body(&policy("testing", &["mx1.example.test"], 300));
    expect(&report, "policy-max-age-short", Severity::Warn, None);
    assert_eq!(report.mta_sts.status, Status::Valid);
}

#[test]
fn leading_whitespace_fails_the_strict_grammar() {
    let body = "version: STSv1\r\n  mode: enforce\r\nmx: mx1.example.test\r\nmax_age: 604800\r\n";
    let report = check_body(body);
    let finding = expect(
        &report,
        "policy-line-syntax",
        Severity::Fail,
        Some(result_type::STS_POLICY_INVALID),
    );
    assert!(finding.message.contains("lenient"), "{}", finding.message);
    assert_eq!(report.mta_sts.status, Status::Invalid);
}
