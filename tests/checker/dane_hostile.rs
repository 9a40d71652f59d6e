//! DANE against hostile signed zones: one that answers slowly, one whose TLSA
//! RRset holds a thousand records, one with hundreds of MX hosts. Each ends with
//! the RFC's outcome, a bounded report, and within the configured timeouts (the
//! bounds catch hangs; they do not measure speed).

use std::time::{Duration, Instant};

use tlsrpt_analyzer::checker::{CheckReport, Dnssec, Severity};

use crate::dane::{assert_dane, assert_dnssec_invalid, assert_host};
use crate::harness::smtp::Script;
use crate::harness::{World, WorldBuilder};
use crate::support::{expect, findings};

const DOMAIN: &str = "dane.test";
const MX1: &str = "mx1.dane.test";
const TLSA1: &str = "_25._tcp.mx1.dane.test";
const TIMEOUT: f64 = 1.0;

fn signed(zone: &str) -> WorldBuilder {
    World::builder()
        .signed_zone(zone)
        .mx([127, 0, 0, 11], MX1, Script::good())
        .timeout(TIMEOUT)
}

/// Runs the check and asserts that it ended within `timeouts` configured
/// timeouts, plus five seconds for everything else.
fn check_within(world: WorldBuilder, timeouts: f64) -> CheckReport {
    let world = world.start();
    let started = Instant::now();
    let report = world.check(DOMAIN);
    let elapsed = started.elapsed();
    let bound = Duration::from_secs_f64(timeouts * TIMEOUT + 5.0);
    eprintln!("the check took {elapsed:?} (bound {bound:?})");
    assert!(
        elapsed < bound,
        "the check took {elapsed:?}, over {bound:?}"
    );
    report
}

#[test]
fn slow_signed_zone_within_the_timeout_still_validates() {
    let world = signed(zone!("dane")).slow_dns(TLSA1, Duration::from_millis(300));
    let report = check_within(world, 2.0);
    expect(&report, "dane-match", Severity::Pass, None);
    assert_host(&report, MX1, "secure", "match");
}

#[test]
fn signed_zone_slower_than_the_timeout_is_dnssec_invalid_in_bounded_time() {
    let world = signed(zone!("dane")).slow_dns(TLSA1, Duration::from_secs(30));
    // The TLSA lookup may take its limit of three timeouts.
    let report = check_within(world, 4.0);
    assert_dnssec_invalid(&report, "dane-dnssec-bogus", MX1, "no answer");
}

/// `dane.test` whose TLSA RRset has a thousand records (about 60 KB, over TCP
/// after a truncated UDP answer): 600 with short digests, 399 of other keys,
/// and the one that matches, last.
fn huge_tlsa_zone() -> String {
    let mut zone = String::from(
        "$ORIGIN dane.test.\n@ MX 10 mx1\nmx1 A 127.0.0.11\n\
         _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@dane.test\"\n",
    );
    for i in 0..600u32 {
        zone.push_str(&format!(
            "_25._tcp.mx1 TLSA 3 1 1 {i:08x}{}\n",
            "ab".repeat(16)
        ));
    }
    for i in 0..399u32 {
        zone.push_str(&format!(
            "_25._tcp.mx1 TLSA 3 1 1 {i:08x}{}\n",
            "cd".repeat(28)
        ));
    }
    zone.push_str("_25._tcp.mx1 TLSA {{3 1 1 mx1.dane.test}}\n");
    zone
}

#[test]
fn huge_signed_tlsa_rrset_ends_with_a_bounded_report() {
    let report = check_within(signed(&huge_tlsa_zone()), 3.0);
    expect(&report, "dane-match", Severity::Pass, None);
    let malformed = findings(&report, "dane-tlsa-malformed");
    assert!(malformed.len() <= 10, "{} findings", malformed.len());
    let last = malformed.last().expect("a malformed finding");
    assert!(
        last.message.contains("590 more unusable records"),
        "{}",
        last.message
    );
    let listed = expect(&report, "dane-tlsa", Severity::Info, None);
    assert!(listed.message.contains("1000 DNSSEC-signed TLSA record(s)"));
    assert!(
        listed.evidence.contains("… and 990 more"),
        "{}",
        listed.evidence
    );
    let evidence: usize = report.findings.iter().map(|f| f.evidence.len()).sum();
    assert!(evidence < 64 << 10, "{evidence} bytes of evidence");
    assert!(
        report.findings.len() < 60,
        "{} findings",
        report.findings.len()
    );
}

/// `dane.test` with 300 MX hosts, each with an address and no TLSA record.
fn many_mx_zone() -> String {
    let mut zone = String::from("$ORIGIN dane.test.\n");
    for i in 0..300 {
        zone.push_str(&format!(
            "@ MX {i} mx{i}\nmx{i} A 127.0.1.{}\n",
            i % 250 + 1
        ));
    }
    zone
}

#[test]
fn hundreds_of_mx_hosts_are_looked_up_for_dane_up_to_the_cap() {
    let world = World::builder()
        .signed_zone(&many_mx_zone())
        .timeout(TIMEOUT);
    let report = check_within(world, 3.0);
    assert_eq!(report.mx.len(), 300);
    let looked_up = report.mx.iter().filter(|m| m.dnssec.is_some()).count();
    assert_eq!(looked_up, 5);
    assert!(
        report
            .mx
            .iter()
            .take(5)
            .all(|m| m.dnssec == Some(Dnssec::Secure))
    );
    assert_dane(&report, "absent", None);
}
