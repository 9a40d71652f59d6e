//! Whole checks of good domains, and the `_mta-sts` TXT record cases
//! (RFC 8461 §3.1).

use tlsrpt_analyzer::checker::{Mode, Severity, Starttls, Status, Verdict};

use crate::harness::World;
use crate::harness::https::Route;
use crate::support::{absent, clean, expect, findings, good_enforce_world, mx, policy};

/// A world for `DOMAIN` from its fixture, serving `body` as its policy.
fn world(zone: &str, domain: &str, body: &str) -> World {
    World::builder()
        .zone(zone)
        .policy(domain, Route::policy(body))
        .start()
}

#[test]
fn good_enforce_domain_passes_every_check() {
    let domain = "good-enforce.test";
    let world = good_enforce_world();
    let report = world.check(domain);
    clean(&report);
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(report.mta_sts.tlsrpt_result_type, None);
    assert_eq!(
        report.mta_sts.record.as_deref(),
        Some("v=STSv1; id=20260801T120000")
    );
    let applied = report.mta_sts.policy.as_ref().expect("the policy");
    assert_eq!(applied.mode, Mode::Enforce);
    assert_eq!(
        applied.mx,
        ["mx1.good-enforce.test", "mx2.good-enforce.test"]
    );
    assert_eq!(applied.max_age, 604800);
    assert_eq!(report.tls_rpt.status, Status::Valid);
    assert_eq!(report.tls_rpt.rua, ["mailto:tlsrpt@good-enforce.test"]);
    for host in ["mx1.good-enforce.test", "mx2.good-enforce.test"] {
        let state = mx(&report, host);
        assert_eq!(state.matches_policy, Some(true));
        assert_eq!(state.starttls, Starttls::Ok);
        assert_eq!(state.addresses[0].tls_version.as_deref(), Some("TLSv1.3"));
    }
    expect(&report, "sts-txt-valid", Severity::Pass, None);
    expect(&report, "policy-cert-valid", Severity::Pass, None);
    expect(&report, "policy-fetched", Severity::Pass, None);
    expect(&report, "policy-valid", Severity::Pass, None);
    assert_eq!(findings(&report, "mx-matches-policy").len(), 2);
    assert_eq!(findings(&report, "smtp-starttls-ok").len(), 2);
    expect(&report, "tlsrpt-valid", Severity::Pass, None);
    assert!(
        report
            .records
            .policy_enforce
            .contains("mx: mx2.good-enforce.test\n")
    );
}

#[test]
fn good_testing_policy_is_valid() {
    let body = policy("testing", &["mx1.example.test"], 86400);
    let report = world(zone!("example"), "example.test", &body).check("example.test");
    clean(&report);
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.mta_sts.policy.as_ref().map(|p| p.mode),
        Some(Mode::Testing)
    );
    absent(&report, "policy-line-endings");
}

#[test]
fn good_none_policy_is_valid_and_opts_out() {
    let body = policy("none", &[], 86400);
    let report = world(zone!("example"), "example.test", &body).check("example.test");
    clean(&report);
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.mta_sts.policy.as_ref().map(|p| p.mode),
        Some(Mode::None)
    );
    expect(&report, "policy-mode-none", Severity::Info, None);
    // Senders match nothing in mode none.
    assert_eq!(mx(&report, "mx1.example.test").matches_policy, None);
    absent(&report, "mx-unmatched");
}

#[test]
fn lf_policy_is_valid_with_an_info() {
    let body = policy("enforce", &["mx1.example.test"], 604800).replace("\r\n", "\n");
    let report = world(zone!("example"), "example.test", &body).check("example.test");
    clean(&report);
    assert_eq!(report.mta_sts.status, Status::Valid);
    let finding = expect(&report, "policy-line-endings", Severity::Info, None);
    assert!(finding.message.contains("LF"), "{}", finding.message);
    assert!(
        findings(&report, "policy-fetched")[0]
            .evidence
            .contains("mode: enforce␊")
    );
}

#[test]
fn cname_delegation_is_followed_and_shown() {
    let domain = "cname-delegation.test";
    let world = World::builder()
        .zone(zone!("cname-delegation"))
        .zone(zone!("provider"))
        .policy(
            domain,
            Route::policy(&policy("enforce", &["mx1.cname-delegation.test"], 604800)),
        )
        .start();
    let report = world.check(domain);
    clean(&report);
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.mta_sts.record.as_deref(),
        Some("v=STSv1; id=provider42")
    );
    let cname = expect(&report, "sts-txt-cname", Severity::Info, None);
    assert_eq!(
        cname.evidence,
        "_mta-sts.cname-delegation.test → _mta-sts.customer1.provider.test"
    );
    // The policy host is a CNAME too; its certificate still names mta-sts.<domain>.
    let resolves = expect(&report, "policy-host-resolves", Severity::Pass, None);
    assert!(
        resolves
            .evidence
            .contains("mta-sts.cname-delegation.test → policy.provider.test")
    );
}

#[test]
fn multi_string_txt_is_joined_without_spaces() {
    let domain = "multi-string.test";
    let body = policy("enforce", &["mx1.multi-string.test"], 604800);
    let report = world(zone!("multi-string"), domain, &body).check(domain);
    clean(&report);
    assert_eq!(report.mta_sts.status, Status::Valid);
    assert_eq!(
        report.mta_sts.record.as_deref(),
        Some("v=STSv1; id=20260801")
    );
    let joined = &findings(&report, "sts-txt-multi-string")[0];
    assert_eq!(joined.severity, Severity::Info);
    assert!(
        joined
            .evidence
            .contains("\"v=STSv1; \" \"id=2026\" \"0801\"")
    );
    assert_eq!(report.tls_rpt.status, Status::Valid);
    expect(&report, "tlsrpt-multi-string", Severity::Info, None);
}

#[test]
fn multiple_sts_records_mean_no_policy() {
    let domain = "multiple-txt.test";
    let body = policy("enforce", &["mx1.multiple-txt.test"], 604800);
    let report = world(zone!("multiple-txt"), domain, &body).check(domain);
    let finding = expect(&report, "sts-txt-multiple", Severity::Fail, None);
    assert!(finding.evidence.contains("id=20260801") && finding.evidence.contains("id=20260902"));
    let unrelated = expect(&report, "sts-txt-unrelated", Severity::Info, None);
    assert!(
        unrelated.message.contains("wildcard"),
        "{}",
        unrelated.message
    );
    assert_eq!(report.mta_sts.status, Status::Absent);
    assert_eq!(report.mta_sts.record, None);
    assert_eq!(report.mta_sts.policy, None);
    assert_eq!(report.verdict, Verdict::Fail);
}

#[test]
fn record_with_v_not_first_is_discarded() {
    let domain = "v-not-first.test";
    let body = policy("enforce", &["mx1.v-not-first.test"], 604800);
    let report = world(zone!("v-not-first"), domain, &body).check(domain);
    expect(&report, "sts-txt-version-not-first", Severity::Fail, None);
    absent(&report, "sts-txt-absent");
    // No usable record: senders never fetch the policy.
    absent(&report, "policy-fetched");
    assert_eq!(report.mta_sts.status, Status::Absent);
}

#[test]
fn bad_id_means_no_policy() {
    let domain = "bad-id.test";
    let body = policy("enforce", &["mx1.bad-id.test"], 604800);
    let report = world(zone!("bad-id"), domain, &body).check(domain);
    let finding = expect(&report, "sts-record-id-invalid", Severity::Fail, None);
    assert!(
        finding.message.starts_with("column 13:"),
        "{}",
        finding.message
    );
    assert!(
        finding.evidence.ends_with("\n            ^"),
        "{:?}",
        finding.evidence
    );
    assert_eq!(report.mta_sts.status, Status::Absent);
    assert_eq!(
        report.mta_sts.record.as_deref(),
        Some("v=STSv1; id=2026-08-01")
    );
}

#[test]
fn overlong_id_means_no_policy() {
    let domain = "long-id.test";
    let body = policy("enforce", &["mx1.long-id.test"], 604800);
    let report = world(zone!("long-id"), domain, &body).check(domain);
    let finding = expect(&report, "sts-record-id-invalid", Severity::Fail, None);
    assert!(
        finding.message.contains("33 characters"),
        "{}",
        finding.message
    );
    assert_eq!(report.mta_sts.status, Status::Absent);
}

#[test]
fn missing_record_is_absent_not_an_error() {
    let report = World::builder()
        .zone(zone!("no-sts"))
        .start()
        .check("no-sts.test");
    let finding = expect(&report, "sts-txt-absent", Severity::Warn, None);
    assert!(
        finding.evidence.starts_with("NXDOMAIN"),
        "{}",
        finding.evidence
    );
    absent(&report, "sts-txt-dns-error");
    assert_eq!(report.mta_sts.status, Status::Absent);
    assert_eq!(report.tls_rpt.status, Status::Absent);
    assert_eq!(report.verdict, Verdict::Warn);
    // The generator proposes a policy for the live MX.
    assert!(
        report
            .records
            .policy_testing
            .contains("mx: mx1.no-sts.test\n")
    );
    assert!(report.records.mta_sts_txt.value.starts_with("v=STSv1; id="));
}

#[test]
fn idn_domain_is_checked_as_a_labels() {
    let domain = "xn--bcher-kva.test";
    let body = policy("enforce", &["mx1.xn--bcher-kva.test"], 604800);
    let report = world(zone!("idn"), domain, &body).check("Bücher.test");
    assert_eq!(report.domain, domain);
    expect(&report, "domain-a-label", Severity::Info, None);
    assert_eq!(report.mta_sts.status, Status::Valid);
    clean(&report);
}
