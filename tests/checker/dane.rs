//! DANE (RFC 7672): DNSSEC-signed zones under the world's test root, TLSA records
//! of the certificates the SMTP servers serve, and what a DANE sender concludes
//! for each: the finding, its RFC section and result type, the MX host's DNSSEC
//! and DANE state, the domain's DANE status.

use hickory_server::proto::rr::RecordType;
use serde_json::Value;
use tlsrpt_analyzer::checker::{
    CheckReport, Finding, KeySlot, Severity, Status, Verdict, result_type,
};

use crate::harness::dnssec::Tamper;
use crate::harness::https::Route;
use crate::harness::pki::{Leaf, Signer, Validity};
use crate::harness::smtp::Script;
use crate::harness::{World, WorldBuilder};
use crate::support::{absent, expect, findings, mx, policy};

const DOMAIN: &str = "dane.test";
const MX1: &str = "mx1.dane.test";
const MX2: &str = "mx2.dane.test";
const TLSA1: &str = "_25._tcp.mx1.dane.test";

/// A signed `dane.test` from `zone`, its MX host serving a good certificate.
fn signed(zone: &str) -> WorldBuilder {
    World::builder()
        .signed_zone(zone)
        .mx([127, 0, 0, 11], MX1, Script::good())
}

fn check(world: WorldBuilder) -> CheckReport {
    world.start().check(DOMAIN)
}

/// The report as `check --format json` prints it.
fn json(report: &CheckReport) -> Value {
    serde_json::to_value(report).expect("the report as JSON")
}

/// The domain's DANE status and result type, in the JSON.
pub fn assert_dane(report: &CheckReport, status: &str, result_type: Option<&str>) {
    let dane = &json(report)["dane"];
    assert_eq!(dane["status"], status, "{dane}");
    assert_eq!(
        dane["tlsrpt_result_type"],
        result_type.map_or(Value::Null, Value::from),
        "{dane}"
    );
}

/// One MX host's DNSSEC and DANE state, in the JSON.
pub fn assert_host(report: &CheckReport, host: &str, dnssec: &str, dane: &str) {
    let json = json(report);
    let entry = json["mx"]
        .as_array()
        .and_then(|hosts| hosts.iter().find(|m| m["host"] == host))
        .unwrap_or_else(|| panic!("no MX {host} in {}", json["mx"]));
    assert_eq!(entry["dnssec"], dnssec, "{entry}");
    assert_eq!(entry["dane"], dane, "{entry}");
}

/// A match on MX1 under a record starting `record` (e.g. `3 1 1`): the finding,
/// the host's state, the domain valid.
fn assert_matched<'a>(report: &'a CheckReport, record: &str) -> &'a Finding {
    let finding = expect(report, "dane-match", Severity::Pass, None);
    let tlsa = format!("TLSA {record} ");
    assert!(finding.message.contains(&tlsa), "{}", finding.message);
    assert_host(report, MX1, "secure", "match");
    assert_dane(report, "valid", None);
    finding
}

/// No usable record matches the chain MX1 served: DANE senders log
/// `tlsa-invalid`. Returns the finding.
fn assert_mismatched(report: &CheckReport) -> &Finding {
    let finding = expect(
        report,
        "dane-mismatch",
        Severity::Fail,
        Some(result_type::TLSA_INVALID),
    );
    assert_host(report, MX1, "secure", "mismatch");
    assert_dane(report, "invalid", Some(result_type::TLSA_INVALID));
    finding
}

/// What a DANE sender concludes from a bogus answer about `host`: it defers the
/// mail (`dnssec-invalid`); the evidence says why, with `why` in it.
pub fn assert_dnssec_invalid(report: &CheckReport, id: &str, host: &str, why: &str) {
    let finding = expect(
        report,
        id,
        Severity::Fail,
        Some(result_type::DNSSEC_INVALID),
    );
    assert!(finding.evidence.contains(why), "{}", finding.evidence);
    absent(report, "dane-match");
    assert_host(report, host, "bogus", "untested");
    assert_dane(report, "invalid", Some(result_type::DNSSEC_INVALID));
}

/// `dane.test` signed with a fault, its MX host serving a good certificate.
fn tampered(tamper: Tamper) -> CheckReport {
    check(World::builder().tampered_zone(zone!("dane"), &[tamper]).mx(
        [127, 0, 0, 11],
        MX1,
        Script::good(),
    ))
}

// ---------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------

#[test]
fn secure_3_1_1_record_matches_the_served_key() {
    let report = check(signed(zone!("dane")));
    let finding = assert_matched(&report, "3 1 1");
    assert_eq!(finding.rfc_section, "RFC 7672 §3.1.1");
    // The evidence shows the chain's own association data beside the record.
    let state = mx(&report, MX1);
    let record = state.tlsa_matched.as_deref().expect("the matched record");
    assert!(
        record.starts_with("3 1 1 ") && record.len() == 6 + 64,
        "{record}"
    );
    assert!(
        finding.evidence.contains(&record[6..]),
        "{}",
        finding.evidence
    );
    // One record: the next key has none.
    expect(&report, "dane-rollover", Severity::Info, None);
    let tlsrpt = expect(&report, "dane-tlsrpt", Severity::Info, None);
    assert!(tlsrpt.message.contains("mailto:tlsrpt@dane.test"));
    assert_eq!(
        report.verdict,
        Verdict::Warn,
        "MTA-STS is absent: a warning"
    );
}

#[test]
fn secure_3_0_1_record_matches_the_whole_certificate() {
    let report = check(signed(zone!("dane-full-cert")));
    assert_matched(&report, "3 0 1");
    let matched = mx(&report, MX1).tlsa_matched.as_deref();
    assert!(
        matched.is_some_and(|r| r.starts_with("3 0 1 ")),
        "{matched:?}"
    );
}

#[test]
fn secure_3_1_0_record_matches_the_key_itself() {
    let report = check(signed(zone!("dane-exact")));
    assert_matched(&report, "3 1 0");
}

#[test]
fn dane_ta_2_1_1_matches_the_ca_sent_in_the_chain() {
    let leaf = Leaf {
        with_ca: true,
        ..Leaf::good(MX1)
    };
    let report = check(signed(zone!("dane-ta")).mx_cert(MX1, leaf));
    let finding = assert_matched(&report, "2 1 1");
    assert_eq!(finding.rfc_section, "RFC 7672 §3.1.2");
    assert!(finding.message.contains("DANE-TA"), "{}", finding.message);
    assert!(
        finding.evidence.contains("#1 CN=TLS-RPT Analyzer test CA"),
        "{}",
        finding.evidence
    );
    // A DANE-TA record survives a change of the server's key.
    absent(&report, "dane-rollover");
}

#[test]
fn dane_ta_checks_the_name_of_the_leaf() {
    let leaf = Leaf {
        with_ca: true,
        ..Leaf::other_host("mail.elsewhere.test")
    };
    let report = check(signed(zone!("dane-ta")).mx_cert(MX1, leaf));
    let finding = assert_mismatched(&report);
    assert!(
        finding.evidence.contains("not valid for") && finding.evidence.contains(MX1),
        "{}",
        finding.evidence
    );
}

#[test]
fn dane_ta_checks_the_dates_of_the_leaf() {
    let leaf = Leaf {
        with_ca: true,
        ..Leaf::expired(MX1)
    };
    let report = check(signed(zone!("dane-ta")).mx_cert(MX1, leaf));
    let finding = assert_mismatched(&report);
    assert!(finding.evidence.contains("expired"), "{}", finding.evidence);
}

#[test]
fn dane_ta_leaf_close_to_expiry_warns_on_the_injected_clock() {
    let in_85_days = std::time::SystemTime::now() + std::time::Duration::from_secs(85 * 86400);
    let leaf = Leaf {
        with_ca: true,
        ..Leaf::good(MX1)
    };
    let report = check(
        signed(zone!("dane-ta"))
            .mx_cert(MX1, leaf)
            .clock(in_85_days),
    );
    assert_matched(&report, "2 1 1");
    let finding = expect(&report, "dane-ta-expires-soon", Severity::Warn, None);
    assert!(
        finding.message.contains("expires in 4 days"),
        "{}",
        finding.message
    );
}

#[test]
fn dane_ee_checks_neither_name_nor_dates() {
    // Self-signed, expired, for another name: WebPKI refuses it, DANE-EE does not.
    let leaf = Leaf {
        signer: Signer::SelfSigned,
        validity: Validity::Expired,
        ..Leaf::other_host("localhost")
    };
    let report = check(signed(zone!("dane")).mx_cert(MX1, leaf));
    assert_matched(&report, "3 1 1");
    // Without an MTA-STS policy the WebPKI problems only warn.
    expect(
        &report,
        "smtp-cert-expired",
        Severity::Warn,
        Some(result_type::CERTIFICATE_EXPIRED),
    );
}

#[test]
fn key_change_without_a_new_record_is_a_mismatch() {
    let report = check(signed(zone!("dane-old-key")));
    let finding = assert_mismatched(&report);
    assert_eq!(finding.rfc_section, "RFC 7672 §3.1");
    // What the server would need is in the evidence: its own 3 1 1 data, and the
    // record that is there.
    assert!(
        finding.evidence.contains("   3 1 1 "),
        "{}",
        finding.evidence
    );
    assert!(finding.evidence.contains(&format!("{TLSA1} TLSA 3 1 1 ")));
    assert_eq!(mx(&report, MX1).tlsa_matched, None);
    assert_eq!(report.verdict, Verdict::Fail);
}

#[test]
fn rollover_ready_pair_matches_without_a_rollover_note() {
    let report = check(signed(zone!("dane-rollover")));
    let finding = assert_matched(&report, "3 1 1");
    assert!(
        finding.evidence.contains(" TLSA 3 1 2 "),
        "{}",
        finding.evidence
    );
    absent(&report, "dane-rollover");
}

#[test]
fn no_smtp_leaves_dane_untested_but_judges_the_records() {
    // The certificate exists, for the TLSA data, but no SMTP server serves it.
    let report = World::builder()
        .signed_zone(zone!("dane-rollover"))
        .mx_cert(MX1, Leaf::good(MX1))
        .start()
        .check(DOMAIN);
    expect(&report, "smtp-skipped", Severity::Info, None);
    expect(&report, "dane-untested", Severity::Info, None);
    absent(&report, "dane-match");
    assert_host(&report, MX1, "secure", "untested");
    assert_dane(&report, "valid", None);
    // No certificate seen: nothing to propose.
    assert!(report.records.tlsa.is_empty());
}

// ---------------------------------------------------------------------------------
// DNSSEC
// ---------------------------------------------------------------------------------

#[test]
fn bogus_tlsa_signature_is_dnssec_invalid() {
    let report = tampered(Tamper::BadSignature(TLSA1, RecordType::TLSA));
    assert_dnssec_invalid(&report, "dane-dnssec-bogus", MX1, "does not verify");
}

#[test]
fn expired_tlsa_signature_is_dnssec_invalid_with_its_date() {
    let report = tampered(Tamper::Expired(TLSA1, RecordType::TLSA));
    assert_dnssec_invalid(&report, "dane-dnssec-bogus", MX1, "expired on");
}

#[test]
fn bogus_mx_records_make_every_host_bogus() {
    let report = tampered(Tamper::BadSignature(DOMAIN, RecordType::MX));
    assert_dnssec_invalid(
        &report,
        "dane-mx-bogus",
        MX1,
        "MX dane.test: 1 record(s), bogus",
    );
}

#[test]
fn tlsa_in_an_insecure_zone_is_ignored_by_senders() {
    let report = check(World::builder().zone(zone!("dane")).mx(
        [127, 0, 0, 11],
        MX1,
        Script::good(),
    ));
    let finding = expect(&report, "dane-tlsa-insecure", Severity::Warn, None);
    assert!(
        finding.evidence.contains("1 record(s), insecure"),
        "{}",
        finding.evidence
    );
    absent(&report, "dane-match");
    assert_host(&report, MX1, "insecure", "absent");
    assert_dane(&report, "insecure", None);
}

#[test]
fn signed_zone_without_tlsa_is_an_authenticated_absence() {
    let report = check(signed(zone!("dane-none")));
    let finding = expect(&report, "dane-absent", Severity::Info, None);
    assert!(
        finding
            .evidence
            .contains(&format!("TLSA {TLSA1}: NXDOMAIN, secure")),
        "{}",
        finding.evidence
    );
    assert_host(&report, MX1, "secure", "absent");
    assert_dane(&report, "absent", None);
}

// ---------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------

#[test]
fn tlsa_behind_a_cname_is_followed_into_the_providers_zone() {
    let report = check(signed(zone!("dane-tlsa-cname")).signed_zone(zone!("dane-provider")));
    let finding = expect(&report, "dane-tlsa", Severity::Info, None);
    assert!(
        finding
            .evidence
            .contains(&format!("CNAME {TLSA1} → _25._tcp.mx.dane-provider.test")),
        "{}",
        finding.evidence
    );
    assert_matched(&report, "3 1 1");
}

#[test]
fn mx_host_cname_moves_the_tlsa_lookup_to_the_expanded_name() {
    let report = check(signed(zone!("dane-mx-cname")).signed_zone(zone!("dane-provider")));
    let finding = expect(&report, "dane-tlsa", Severity::Info, None);
    assert!(
        finding.message.contains("_25._tcp.mx.dane-provider.test"),
        "{}",
        finding.message
    );
    assert_matched(&report, "3 1 1");
}

// ---------------------------------------------------------------------------------
// Unusable records
// ---------------------------------------------------------------------------------

#[test]
fn only_pkix_usages_leave_no_usable_record() {
    let report = check(signed(zone!("dane-pkix")));
    let pkix = findings(&report, "dane-tlsa-pkix");
    assert_eq!(pkix.len(), 2, "{pkix:#?}");
    assert!(pkix.iter().all(|f| f.rfc_section == "RFC 7672 §3.1.3"));
    expect(
        &report,
        "dane-tlsa-unusable",
        Severity::Warn,
        Some(result_type::TLSA_INVALID),
    );
    absent(&report, "dane-match");
    assert_host(&report, MX1, "secure", "unusable");
    assert_dane(&report, "invalid", Some(result_type::TLSA_INVALID));
}

#[test]
fn malformed_records_are_skipped_and_a_good_one_still_matches() {
    let report = check(signed(zone!("dane-malformed")));
    let malformed = findings(&report, "dane-tlsa-malformed");
    assert_eq!(malformed.len(), 2, "{malformed:#?}");
    assert!(malformed.iter().all(|f| f.severity == Severity::Warn));
    assert!(
        malformed.iter().any(|f| f
            .message
            .contains("20 bytes of digest where matching type 1 has 32")),
        "{malformed:#?}"
    );
    assert_matched(&report, "3 1 1");
}

// ---------------------------------------------------------------------------------
// The domain as a whole
// ---------------------------------------------------------------------------------

#[test]
fn one_mx_host_without_tlsa_fails_senders_that_require_dane() {
    let report = check(signed(zone!("dane-two-mx")).mx([127, 0, 0, 12], MX2, Script::good()));
    let finding = expect(
        &report,
        "dane-required",
        Severity::Warn,
        Some(result_type::DANE_REQUIRED),
    );
    assert!(finding.message.starts_with(MX2), "{}", finding.message);
    assert_host(&report, MX1, "secure", "match");
    assert_host(&report, MX2, "secure", "absent");
    assert_dane(&report, "invalid", Some(result_type::DANE_REQUIRED));
    // Both served certificates get a proposed record and a next-key slot.
    let names: Vec<&str> = report
        .records
        .tlsa
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            TLSA1,
            TLSA1,
            "_25._tcp.mx2.dane.test",
            "_25._tcp.mx2.dane.test"
        ]
    );
}

#[test]
fn dane_beside_mta_sts_says_which_one_dane_senders_use() {
    let report = World::builder()
        .signed_zone(zone!("dane-sts"))
        .policy(DOMAIN, Route::policy(&policy("enforce", &[MX1], 604800)))
        .mx([127, 0, 0, 11], MX1, Script::good())
        .start()
        .check(DOMAIN);
    assert_eq!(report.mta_sts.status, Status::Valid);
    let finding = expect(&report, "dane-over-mta-sts", Severity::Info, None);
    assert_eq!(finding.rfc_section, "RFC 8461 §2");
    assert!(finding.message.contains(MX1), "{}", finding.message);
    assert_dane(&report, "valid", None);
    // Only the rollover advice is left: nothing to warn about.
    assert_eq!(report.verdict, Verdict::Pass);
}

#[test]
fn record_generator_proposes_the_served_key_and_a_next_key_slot() {
    let leaf = Leaf {
        key: Some("dane-generator-key"),
        ..Leaf::good(MX1)
    };
    let report = check(signed(zone!("dane-none")).mx_cert(MX1, leaf));
    let [current, next] = &report.records.tlsa[..] else {
        panic!("{:#?}", report.records.tlsa);
    };
    assert_eq!(
        (current.name.as_str(), current.key),
        (TLSA1, KeySlot::Current)
    );
    assert_eq!(next.key, KeySlot::Next);
    // The proposal is the record that would match: the harness computes it
    // independently for the same key.
    let zone = "$ORIGIN dane.test.\n_25._tcp.mx1 TLSA {{3 1 1 key:dane-generator-key}}\n";
    let expected = crate::harness::tlsa::expand(zone, &Default::default());
    assert!(
        expected.ends_with(&format!("TLSA {}\n", current.value)),
        "{expected} vs {}",
        current.value
    );
}

#[test]
fn dnssec_that_does_not_validate_through_the_server_leaves_dane_unchecked() {
    let world = signed(zone!("dane")).start();
    // The built-in root keys: the test root's signatures are not theirs.
    let mut config = world.config.clone();
    config.trust_anchor = tlsrpt_analyzer::checker::TrustAnchor::IanaRoot;
    let report = tlsrpt_analyzer::checker::check(
        DOMAIN,
        &config,
        &mut |_, _| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("the check runs");
    let finding = expect(&report, "dane-not-validated", Severity::Info, None);
    assert!(finding.evidence.contains("SOA ."), "{}", finding.evidence);
    absent(&report, "dane-dnssec-bogus");
    let host = &json(&report)["mx"][0];
    assert_eq!(host["dnssec"], Value::Null, "{host}");
    assert_eq!(host["dane"], "untested", "{host}");
    assert_dane(&report, "untested", None);
}
