//! `tlsrpt-analyzer check` with DANE: `--trust-anchor` files as DNSKEY or DS
//! records of the test root, the JSON contract's DANE keys, the text output, and
//! the exit statuses.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::Value;
use tlsrpt_analyzer::checker::TrustAnchor;

use crate::harness::World;
use crate::harness::pki::pki;
use crate::harness::smtp::Script;

const DOMAIN: &str = "dane.test";
const MX1: &str = "mx1.dane.test";

fn world(zone: &str) -> World {
    World::builder()
        .signed_zone(zone)
        .mx([127, 0, 0, 11], MX1, Script::good())
        .start()
}

/// The root's DNSKEY record, as the world's checks trust it.
fn dnskey_anchor(world: &World) -> String {
    match &world.config.trust_anchor {
        TrustAnchor::Text(text) => text.clone(),
        other => panic!("the world trusts {other:?}"),
    }
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(text.as_bytes()).expect("written");
    file
}

/// Runs the binary against the world, trusting the test CA and `anchor`.
fn run(world: &World, anchor: &str, extra: &[&str]) -> Output {
    let ca = file(&pki().ca_pem);
    let anchor = file(anchor);
    let config = &world.config;
    Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["check", DOMAIN, "--timeout", "3"])
        .args(["--dns-server", &config.dns_server.expect("DNS").to_string()])
        .args(["--smtp-port", &config.smtp_port.to_string()])
        .arg("--ca-file")
        .arg(ca.path())
        .arg("--trust-anchor")
        .arg(anchor.path())
        .args(extra)
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("JSON on standard output")
}

#[test]
fn dane_mismatch_exits_1_with_the_dane_json_contract() {
    let world = world(zone!("dane-old-key"));
    // A DS anchor, as in unbound's root.key: the checker primes the key.
    let output = run(&world, &world.anchor_ds, &["--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["dane"]["status"], "invalid");
    assert_eq!(report["dane"]["tlsrpt_result_type"], "tlsa-invalid");
    let host = &report["mx"][0];
    assert_eq!(host["host"], MX1);
    assert_eq!(host["dnssec"], "secure");
    assert_eq!(host["dane"], "mismatch");
    assert_eq!(host["tlsa_matched"], Value::Null);
    let mismatch = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == "dane-mismatch")
        .expect("dane-mismatch");
    assert_eq!(mismatch["step"], "dane");
    assert_eq!(mismatch["severity"], "fail");
    assert_eq!(mismatch["tlsrpt_result_type"], "tlsa-invalid");
    let tlsa = &report["records"]["tlsa"];
    assert_eq!(tlsa[0]["name"], "_25._tcp.mx1.dane.test");
    assert_eq!(tlsa[0]["key"], "current");
    assert_eq!(tlsa[1]["key"], "next");
    // The MTA-STS contract is untouched.
    assert_eq!(report["mta_sts"]["status"], "absent");
    assert_eq!(report["mta_sts"]["tlsrpt_result_type"], Value::Null);
}

#[test]
fn dane_match_in_the_text_output() {
    let world = world(zone!("dane"));
    let output = run(&world, &dnskey_anchor(&world), &[]);
    // MTA-STS is absent (a warning), DANE is valid: no failure.
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("DANE     valid\n"), "{text}");
    assert!(
        text.contains(&format!(
            "{MX1}  no policy to match, STARTTLS ok, DNSSEC secure, DANE match (3 1 1 "
        )),
        "{text}"
    );
    assert!(
        text.contains("== DANE (TLSA records of the MX hosts)"),
        "{text}"
    );
    assert!(text.contains("(dane-match)"), "{text}");
    assert!(
        text.contains("_25._tcp.mx1.dane.test. TLSA 3 1 1 <SHA-256 of the next key's"),
        "{text}"
    );
}

#[test]
fn trust_anchor_that_cannot_be_used_exits_2() {
    let world = world(zone!("dane"));
    let unreadable = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["check", DOMAIN, "--trust-anchor", "/nonexistent/root.key"])
        .output()
        .expect("the binary runs");
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("cannot read the trust anchor"));

    let not_a_key = run(&world, ". 3600 IN A 192.0.2.1", &[]);
    assert_eq!(not_a_key.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&not_a_key.stderr);
    assert!(stderr.contains("not a DNSKEY or DS record"), "{stderr}");

    // A DS record of a key the root does not publish.
    let stranger = format!(". IN DS 12345 13 2 {}", "00".repeat(32));
    let output = run(&world, &stranger, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no DNSKEY record of the root matches the DS anchor"),
        "{stderr}"
    );
}
