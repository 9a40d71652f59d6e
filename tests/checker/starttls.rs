//! STARTTLS on the MX hosts (RFC 8461 §4.2; RFC 3207): scripted SMTP servers
//! and their certificates.

use tlsrpt_analyzer::checker::{CheckReport, Severity, Starttls, Status, Verdict, result_type};

use crate::harness::World;
use crate::harness::https::Route;
use crate::harness::pki::{Leaf, Signer};
use crate::harness::smtp::{Banner, Script, StartTls};
use crate::support::{absent, expect, mx, policy};

const DOMAIN: &str = "example.test";
const MX1: &str = "mx1.example.test";

fn world(mode: &str, script: Script, leaf: Leaf) -> World {
    World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&policy(mode, &[MX1], 604800)))
        .mx([127, 0, 0, 11], MX1, script)
        .mx_cert(MX1, leaf)
        .timeout(1.5)
        .start()
}

fn check(script: Script, leaf: Leaf) -> CheckReport {
    world("enforce", script, leaf).check(DOMAIN)
}

#[test]
fn expired_mx_certificate_fails_with_certificate_expired() {
    let report = check(Script::good(), Leaf::expired(MX1));
    let finding = expect(
        &report,
        "smtp-cert-expired",
        Severity::Fail,
        Some(result_type::CERTIFICATE_EXPIRED),
    );
    assert!(
        finding.evidence.contains("S: 220 mx.test ESMTP harness"),
        "{}",
        finding.evidence
    );
    assert!(
        finding.evidence.contains("C: STARTTLS"),
        "{}",
        finding.evidence
    );
    absent(&report, "smtp-cert-untrusted");
    absent(&report, "smtp-cert-name-mismatch");
    let state = mx(&report, MX1);
    assert_eq!(state.starttls, Starttls::Failed);
    assert!(state.addresses[0].certificate.is_some());
    // The MX problem does not touch the policy's own status.
    assert_eq!(report.mta_sts.status, Status::Valid);
}

#[test]
fn wrong_host_mx_certificate_fails_with_host_mismatch() {
    let report = check(Script::good(), Leaf::other_host("mail.other.test"));
    let finding = expect(
        &report,
        "smtp-cert-name-mismatch",
        Severity::Fail,
        Some(result_type::CERTIFICATE_HOST_MISMATCH),
    );
    assert!(
        finding.message.contains("mail.other.test"),
        "{}",
        finding.message
    );
    absent(&report, "smtp-cert-untrusted");
    assert_eq!(mx(&report, MX1).starttls, Starttls::Failed);
}

#[test]
fn untrusted_mx_certificate_fails_with_not_trusted() {
    let report = check(Script::good(), Leaf::rogue(MX1));
    expect(
        &report,
        "smtp-cert-untrusted",
        Severity::Fail,
        Some(result_type::CERTIFICATE_NOT_TRUSTED),
    );
    absent(&report, "smtp-cert-expired");
    absent(&report, "smtp-cert-name-mismatch");
}

#[test]
fn certificate_problems_only_warn_without_an_applied_policy() {
    let report = world("none", Script::good(), Leaf::rogue(MX1)).check(DOMAIN);
    let finding = expect(
        &report,
        "smtp-cert-untrusted",
        Severity::Warn,
        Some(result_type::CERTIFICATE_NOT_TRUSTED),
    );
    assert!(
        finding.message.contains("would fail"),
        "{}",
        finding.message
    );
}

#[test]
fn mx_without_starttls_fails() {
    let script = Script {
        banner: Banner::Ready,
        starttls: StartTls::NotOffered,
    };
    let report = check(script, Leaf::good(MX1));
    let finding = expect(
        &report,
        "smtp-starttls-missing",
        Severity::Fail,
        Some(result_type::STARTTLS_NOT_SUPPORTED),
    );
    assert!(
        finding.evidence.contains("C: EHLO tlsrpt-analyzer.invalid"),
        "{}",
        finding.evidence
    );
    assert_eq!(mx(&report, MX1).starttls, Starttls::Missing);
}

#[test]
fn refused_starttls_fails() {
    let script = Script {
        banner: Banner::Ready,
        starttls: StartTls::Refused,
    };
    let report = check(script, Leaf::good(MX1));
    expect(
        &report,
        "smtp-starttls-refused",
        Severity::Fail,
        Some(result_type::STARTTLS_NOT_SUPPORTED),
    );
    assert_eq!(mx(&report, MX1).starttls, Starttls::Failed);
}

#[test]
fn busy_banner_is_untested_not_failed() {
    let script = Script {
        banner: Banner::Busy,
        starttls: StartTls::Offered,
    };
    let report = check(script, Leaf::good(MX1));
    expect(&report, "smtp-banner-refused", Severity::Warn, None);
    assert_eq!(mx(&report, MX1).starttls, Starttls::Untested);
}

#[test]
fn silent_smtp_server_is_a_finding() {
    let script = Script {
        banner: Banner::Silent,
        starttls: StartTls::Offered,
    };
    let report = check(script, Leaf::good(MX1));
    let finding = expect(&report, "smtp-silent", Severity::Warn, None);
    assert!(finding.message.contains("no banner"), "{}", finding.message);
    assert_eq!(mx(&report, MX1).starttls, Starttls::Untested);
}

#[test]
fn unreachable_mx_is_untested_never_failed() {
    let domain = "unreachable-mx.test";
    let report = World::builder()
        .zone(zone!("unreachable-mx"))
        .policy(
            domain,
            Route::policy(&policy(
                "enforce",
                &["mx1.unreachable-mx.test", "mx2.unreachable-mx.test"],
                604800,
            )),
        )
        .mx([127, 0, 0, 11], "mx1.unreachable-mx.test", Script::good())
        .start()
        .check(domain);
    let finding = expect(&report, "smtp-unreachable", Severity::Info, None);
    assert!(
        finding.message.contains("port 25 blocked"),
        "{}",
        finding.message
    );
    assert_eq!(
        mx(&report, "mx2.unreachable-mx.test").starttls,
        Starttls::Untested
    );
    assert_eq!(
        mx(&report, "mx1.unreachable-mx.test").starttls,
        Starttls::Ok
    );
    assert_eq!(report.verdict, Verdict::Pass);
}

#[test]
fn mx_certificate_close_to_expiry_warns_on_the_injected_clock() {
    let in_85_days = std::time::SystemTime::now() + std::time::Duration::from_secs(85 * 86400);
    let report = World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&policy("enforce", &[MX1], 604800)))
        .mx([127, 0, 0, 11], MX1, Script::good())
        .clock(in_85_days)
        .start()
        .check(DOMAIN);
    expect(&report, "smtp-cert-expires-soon", Severity::Warn, None);
    assert_eq!(mx(&report, MX1).starttls, Starttls::Ok);
}

#[test]
fn self_signed_mx_certificate_is_not_trusted() {
    let leaf = Leaf {
        signer: Signer::SelfSigned,
        ..Leaf::good(MX1)
    };
    let report = check(Script::good(), leaf);
    let finding = expect(
        &report,
        "smtp-cert-untrusted",
        Severity::Fail,
        Some(result_type::CERTIFICATE_NOT_TRUSTED),
    );
    assert!(
        finding.evidence.contains("issuer CN=mx1.example.test"),
        "{}",
        finding.evidence
    );
    absent(&report, "smtp-cert-name-mismatch");
}
