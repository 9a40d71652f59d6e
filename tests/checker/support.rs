//! Assertions on reports, policy bodies, and the well-configured world.

use tlsrpt_analyzer::checker::{CheckReport, Finding, MxState, Severity};

use crate::harness::World;
use crate::harness::https::Route;
use crate::harness::smtp::Script;

/// `good-enforce.test` as it should be: enforce policy naming both MX hosts, each
/// offering STARTTLS with a valid certificate.
pub fn good_enforce_world() -> World {
    let domain = "good-enforce.test";
    World::builder()
        .zone(zone!("good-enforce"))
        .policy(
            domain,
            Route::policy(&policy(
                "enforce",
                &["mx1.good-enforce.test", "mx2.good-enforce.test"],
                604800,
            )),
        )
        .mx([127, 0, 0, 11], "mx1.good-enforce.test", Script::good())
        .mx([127, 0, 0, 12], "mx2.good-enforce.test", Script::good())
        .start()
}

/// A policy file with CRLF line ends.
pub fn policy(mode: &str, mx: &[&str], max_age: u64) -> String {
    let mut text = format!("version: STSv1\r\nmode: {mode}\r\n");
    for host in mx {
        text.push_str(&format!("mx: {host}\r\n"));
    }
    text.push_str(&format!("max_age: {max_age}\r\n"));
    text
}

/// The findings with this id; panics, listing all, when there is none.
pub fn findings<'a>(report: &'a CheckReport, id: &str) -> Vec<&'a Finding> {
    let found: Vec<&Finding> = report.findings.iter().filter(|f| f.id == id).collect();
    assert!(
        !found.is_empty(),
        "no finding {id}; the findings are {:#?}",
        summary(report)
    );
    found
}

/// Asserts a finding with this id, severity and result type.
pub fn expect<'a>(
    report: &'a CheckReport,
    id: &str,
    severity: Severity,
    result_type: Option<&str>,
) -> &'a Finding {
    let found = findings(report, id);
    let finding = found[0];
    assert_eq!(finding.severity, severity, "severity of {id}: {finding:#?}");
    assert_eq!(
        finding.tlsrpt_result_type, result_type,
        "result type of {id}: {finding:#?}"
    );
    finding
}

pub fn absent(report: &CheckReport, id: &str) {
    assert!(
        report.findings.iter().all(|f| f.id != id),
        "unexpected finding {id}: {:#?}",
        summary(report)
    );
}

/// Asserts that no finding is a failure or a warning.
pub fn clean(report: &CheckReport) {
    let bad: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn)
        .map(|f| format!("{} {:?}: {}", f.id, f.severity, f.message))
        .collect();
    assert!(bad.is_empty(), "unexpected warnings or failures: {bad:#?}");
}

pub fn mx<'a>(report: &'a CheckReport, host: &str) -> &'a MxState {
    report
        .mx
        .iter()
        .find(|m| m.host == host)
        .unwrap_or_else(|| panic!("no MX {host} in {:?}", report.mx))
}

fn summary(report: &CheckReport) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?}: {}",
                f.id, f.severity, f.tlsrpt_result_type, f.message
            )
        })
        .collect()
}
