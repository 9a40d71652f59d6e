//! `tlsrpt-analyzer check` as a user runs it: exit statuses, the JSON contract
//! and the text output, against the local world.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::Value;

use crate::harness::World;
use crate::harness::https::Route;
use crate::harness::pki::{Leaf, pki};
use crate::harness::smtp::Script;
use crate::support::policy;

const DOMAIN: &str = "example.test";
const MX1: &str = "mx1.example.test";

fn world(mx_leaf: Leaf) -> World {
    World::builder()
        .zone(zone!("example"))
        .policy(DOMAIN, Route::policy(&policy("enforce", &[MX1], 604800)))
        .mx([127, 0, 0, 11], MX1, Script::good())
        .mx_cert(MX1, mx_leaf)
        .start()
}

/// Runs the binary against the world, trusting the test CA.
fn run(world: &World, extra: &[&str]) -> Output {
    let mut ca = tempfile::NamedTempFile::new().expect("CA file");
    ca.write_all(pki().ca_pem.as_bytes())
        .expect("CA file written");
    let config = &world.config;
    let mut command = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"));
    command
        .args(["check", DOMAIN, "--timeout", "3"])
        .args([
            "--dns-server",
            &config.dns_server.expect("DNS server").to_string(),
        ])
        .args(["--https-port", &config.https_port.to_string()])
        .args(["--smtp-port", &config.smtp_port.to_string()])
        .arg("--ca-file")
        .arg(ca.path())
        .args(extra);
    command.output().expect("the binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("JSON on standard output")
}

#[test]
fn good_domain_exits_0_with_the_json_contract() {
    let world = world(Leaf::good(MX1));
    let output = run(&world, &["--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["domain"], "example.test");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["mta_sts"]["status"], "valid");
    assert_eq!(report["mta_sts"]["tlsrpt_result_type"], Value::Null);
    assert_eq!(report["mta_sts"]["record"], "v=STSv1; id=20260801T120000");
    assert_eq!(report["mta_sts"]["policy"]["mode"], "enforce");
    assert_eq!(report["mta_sts"]["policy"]["mx"][0], MX1);
    assert_eq!(report["mta_sts"]["policy"]["max_age"], 604800);
    assert_eq!(report["tls_rpt"]["status"], "valid");
    assert_eq!(report["tls_rpt"]["rua"][0], "mailto:tlsrpt@example.test");
    assert_eq!(report["mx"][0]["host"], MX1);
    assert_eq!(report["mx"][0]["matches_policy"], true);
    assert_eq!(report["mx"][0]["starttls"], "ok");
    let finding = &report["findings"][0];
    for key in [
        "id",
        "severity",
        "message",
        "evidence",
        "rfc_section",
        "tlsrpt_result_type",
        "step",
    ] {
        assert!(
            finding.get(key).is_some(),
            "finding without {key}: {finding}"
        );
    }
    assert!(
        report["records"]["mta_sts_txt"]["value"]
            .as_str()
            .unwrap_or("")
            .starts_with("v=STSv1; id=")
    );
}

#[test]
fn failing_domain_exits_1() {
    let world = world(Leaf::expired(MX1));
    let output = run(&world, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["mx"][0]["starttls"], "failed");
    let expired = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["id"] == "smtp-cert-expired")
        .expect("smtp-cert-expired");
    assert_eq!(expired["severity"], "fail");
    assert_eq!(expired["tlsrpt_result_type"], "certificate-expired");
}

#[test]
fn text_output_groups_findings_by_step_and_proposes_records() {
    let world = world(Leaf::good(MX1));
    let output = run(&world, &["--no-smtp"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("example.test: PASS"), "{text}");
    assert!(text.contains("== MTA-STS record (_mta-sts TXT)"), "{text}");
    assert!(
        text.contains("[PASS] one valid MTA-STS record, id 20260801T120000 (sts-txt-valid)"),
        "{text}"
    );
    assert!(text.contains("(smtp-skipped)"), "{text}");
    assert!(text.contains("== Records to publish"), "{text}");
    assert!(
        text.contains(
            "_smtp._tls.example.test. TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.test\""
        ),
        "{text}"
    );
}

#[test]
fn invalid_domain_exits_2() {
    let bad = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["check", "192.0.2.1"])
        .output()
        .expect("the binary runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("address literal"));
}

#[test]
fn unreachable_dns_server_exits_2() {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
    let addr = socket.local_addr().expect("address").to_string();
    drop(socket);
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args([
            "check",
            DOMAIN,
            "--no-smtp",
            "--timeout",
            "0.3",
            "--dns-server",
            &addr,
        ])
        .output()
        .expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("no DNS server answered"));
}

#[test]
fn unreadable_ca_file_exits_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["check", DOMAIN, "--ca-file", "/nonexistent/ca.pem"])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read the CA file"));
}
