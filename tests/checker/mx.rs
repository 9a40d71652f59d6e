//! The MX records against the policy (RFC 8461 §4.1; RFC 5321 §5.1; RFC 7505).

use tlsrpt_analyzer::checker::{Severity, Status, Verdict, result_type};

use crate::harness::World;
use crate::harness::https::Route;
use crate::support::{absent, expect, findings, mx, policy};

fn check(zone: &str, domain: &str, body: &str) -> tlsrpt_analyzer::checker::CheckReport {
    World::builder()
        .zone(zone)
        .policy(domain, Route::policy(body))
        .start()
        .check(domain)
}

#[test]
fn wildcard_matches_exactly_one_label() {
    let domain = "wildcard.test";
    let report = check(
        zone!("wildcard"),
        domain,
        &policy("enforce", &["*.mail.wildcard.test"], 604800),
    );
    assert_eq!(
        mx(&report, "in.mail.wildcard.test").matches_policy,
        Some(true)
    );
    assert_eq!(
        mx(&report, "a.b.mail.wildcard.test").matches_policy,
        Some(false)
    );
    let unmatched = findings(&report, "mx-unmatched");
    assert_eq!(unmatched.len(), 1);
    assert!(unmatched[0].message.contains("a.b.mail.wildcard.test"));
    assert_eq!(unmatched[0].severity, Severity::Fail);
    assert_eq!(
        unmatched[0].tlsrpt_result_type,
        Some(result_type::CERTIFICATE_HOST_MISMATCH)
    );
    // The policy itself is valid; the MX set does not fit it.
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(report.verdict, Verdict::Fail);
}

#[test]
fn unmatched_backup_mx_fails_in_enforce_mode() {
    let domain = "backup-mx.test";
    let report = check(
        zone!("backup-mx"),
        domain,
        &policy("enforce", &["mx1.backup-mx.test"], 604800),
    );
    let finding = expect(
        &report,
        "mx-unmatched",
        Severity::Fail,
        Some(result_type::CERTIFICATE_HOST_MISMATCH),
    );
    assert!(finding.message.contains("backup MX"), "{}", finding.message);
    assert_eq!(mx(&report, "mx1.backup-mx.test").matches_policy, Some(true));
    assert_eq!(
        mx(&report, "backup.backup-mx.test").matches_policy,
        Some(false)
    );
}

#[test]
fn unmatched_mx_warns_in_testing_mode() {
    let domain = "backup-mx.test";
    let report = check(
        zone!("backup-mx"),
        domain,
        &policy("testing", &["mx1.backup-mx.test"], 86400),
    );
    expect(
        &report,
        "mx-unmatched",
        Severity::Warn,
        Some(result_type::CERTIFICATE_HOST_MISMATCH),
    );
    assert_eq!(report.verdict, Verdict::Warn);
}

#[test]
fn stale_pattern_is_reported() {
    let domain = "backup-mx.test";
    let body = policy(
        "enforce",
        &[
            "mx1.backup-mx.test",
            "backup.backup-mx.test",
            "old.backup-mx.test",
        ],
        604800,
    );
    let report = check(zone!("backup-mx"), domain, &body);
    let finding = expect(&report, "mx-pattern-unused", Severity::Info, None);
    assert!(finding.message.contains("old.backup-mx.test"));
    absent(&report, "mx-unmatched");
}

#[test]
fn null_mx_takes_no_mail() {
    let report = World::builder()
        .zone(zone!("null-mx"))
        .start()
        .check("null-mx.test");
    expect(&report, "mx-null", Severity::Info, None);
    assert!(report.mx.is_empty());
    assert!(report.records.policy_enforce.contains("mode: none"));
}

#[test]
fn a_null_mx_domain_gets_the_opt_out_headings_not_testing_then_enforce() {
    let report = World::builder()
        .zone(zone!("null-mx"))
        .start()
        .check("null-mx.test");
    let text = tlsrpt_analyzer::checker::text::render(&report);
    assert!(
        text.contains("the opt-out (mode none: no MX host to protect)"),
        "{text}"
    );
    assert!(!text.contains("first in testing mode"), "{text}");
    assert!(!text.contains("the enforce policy"), "{text}");
    // A domain with mail keeps testing first, then enforce.
    let text = tlsrpt_analyzer::checker::text::render(&check(
        zone!("implicit-mx"),
        "implicit-mx.test",
        &policy("enforce", &["implicit-mx.test"], 604800),
    ));
    assert!(text.contains("first in testing mode"), "{text}");
    assert!(text.contains("the enforce policy"), "{text}");
}

#[test]
fn a_resolver_that_denies_the_root_too_is_called_broken_not_the_domain_missing() {
    let report = World::builder()
        .zone(zone!("example"))
        .nxdomain_dns()
        .timeout(1.0)
        .start()
        .check("example.test");
    let finding = expect(&report, "dns-resolver-broken", Severity::Fail, None);
    assert!(
        finding.message.contains("broken, filtering or offline"),
        "{}",
        finding.message
    );
    absent(&report, "mx-domain-nxdomain");
}

#[test]
fn a_missing_domain_under_a_working_resolver_is_missing() {
    let report = World::builder()
        .zone(zone!("example"))
        .start()
        .check("does-not-exist.test");
    expect(&report, "mx-domain-nxdomain", Severity::Fail, None);
    absent(&report, "dns-resolver-broken");
}

#[test]
fn implicit_mx_is_the_domain_itself() {
    let domain = "implicit-mx.test";
    let report = check(
        zone!("implicit-mx"),
        domain,
        &policy("enforce", &["implicit-mx.test"], 604800),
    );
    expect(&report, "mx-implicit", Severity::Info, None);
    let state = mx(&report, domain);
    assert_eq!(state.preference, None);
    assert_eq!(state.matches_policy, Some(true));
}

#[test]
fn mx_pointing_to_a_cname_warns() {
    let domain = "mx-cname.test";
    let report = check(
        zone!("mx-cname"),
        domain,
        &policy("enforce", &["mail.mx-cname.test"], 604800),
    );
    let finding = expect(&report, "mx-cname", Severity::Warn, None);
    assert_eq!(finding.evidence, "mail.mx-cname.test → mx1.mx-cname.test");
    assert_eq!(mx(&report, "mail.mx-cname.test").matches_policy, Some(true));
}
