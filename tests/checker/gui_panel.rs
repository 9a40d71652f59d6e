//! The checker panel of the desktop app, driven with egui_kittest against the
//! local world: type a domain, run the check in the background, read findings
//! and proposed records, open the DANE step's evidence, copy a record; a check
//! that cannot run says why.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlsrpt_analyzer::checker::{CheckConfig, DaneStatus, Verdict};
use tlsrpt_analyzer::gui::{App, StartOptions, Tab};

use crate::harness::World;
use crate::harness::smtp::Script;
use crate::support::good_enforce_world;

fn app(config: CheckConfig) -> Harness<'static, App> {
    let start = StartOptions {
        check_config: Some(config),
        ..StartOptions::default()
    };
    Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(move |cc| App::new(cc, start))
}

/// Checks `domain` with the STARTTLS probes skipped.
fn run_check(h: &mut Harness<'static, App>, domain: &str) {
    type_domain(h, domain);
    h.get_by_label("Skip STARTTLS probes").click();
    h.run_steps(1);
    check_and_wait(h);
}

fn type_domain(h: &mut Harness<'static, App>, domain: &str) {
    h.get_by_label("Check a domain…").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Checker);
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(domain);
    h.run_steps(1);
    assert_eq!(h.state().view.check_domain, domain);
}

fn check_and_wait(h: &mut Harness<'static, App>) {
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Check")
        .click();
    h.run_steps(2);
    h.state_mut().wait_until_idle();
    h.run_steps(3);
}

#[test]
fn checker_panel_shows_findings_and_records_of_a_good_domain() {
    let domain = "good-enforce.test";
    let world = good_enforce_world();
    let mut h = app(world.config.clone());
    run_check(&mut h, domain);
    let (checked, result) = h.state().check_result().expect("a finished check").clone();
    assert_eq!(checked, domain);
    let report = result.expect("the check ran");
    // STARTTLS was skipped on request: an info finding, no failure.
    assert!(report.findings.iter().any(|f| f.id == "smtp-skipped"));
    assert_eq!(report.verdict, Verdict::Pass);
    h.get_by_label("PASS");
    h.get_by_label_contains("MTA-STS: valid");
    h.get_by_label("Records to publish");
    assert!(h.get_all_by_label("Copy").count() >= 4);
    h.get_by_label(&format!(
        "{} TXT \"{}\"",
        report.records.mta_sts_txt.name, report.records.mta_sts_txt.value
    ));
}

#[test]
fn checker_panel_shows_the_dane_step_with_its_evidence_and_copy_buttons() {
    let world = World::builder()
        .signed_zone(zone!("dane"))
        .mx([127, 0, 0, 11], "mx1.dane.test", Script::good())
        .start();
    let mut h = app(world.config.clone());
    type_domain(&mut h, "dane.test");
    check_and_wait(&mut h);
    let (_, result) = h.state().check_result().expect("a finished check").clone();
    let report = result.expect("the check ran");
    assert_eq!(report.dane.status, DaneStatus::Valid);
    let matched = report.mx[0].tlsa_matched.clone().expect("a matched record");
    h.get_by_label_contains("DANE: valid");
    h.get_by_label("MX mx1.dane.test: STARTTLS ok · DNSSEC secure · DANE match");
    // The DANE step, opened, with the evidence of the match: the chain's own data.
    h.get_by_label("DANE (TLSA records of the MX hosts) · info")
        .click();
    h.run_steps(2);
    h.get_by_label_contains("the certificate matches TLSA 3 1 1");
    let evidence = h.get_all_by_label("Evidence").count();
    for i in 0..evidence {
        h.get_all_by_label("Evidence")
            .nth(i)
            .expect("an evidence header")
            .click();
        h.run_steps(1);
    }
    h.get_by_label_contains("#0 CN=mx1.dane.test");
    // The matched record, copied as published.
    h.get_by_label("TLSA record that matched mx1.dane.test");
    h.get_all_by_label("Copy")
        .next()
        .expect("a copy button")
        .click();
    h.step();
    let copied: Vec<&str> = h
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(copied, [matched.as_str()]);
    h.get_by_label("TLSA records for DANE (current key and next key)");
}

#[test]
fn checker_panel_says_why_a_check_could_not_run() {
    let mut h = app(CheckConfig::default());
    run_check(&mut h, "not a domain!");
    let (_, result) = h.state().check_result().expect("a finished check").clone();
    let error = result.expect_err("an invalid name cannot be checked");
    h.get_by_label_contains("could not run");
    h.get_by_label_contains(&error);
}

/// A report of `org` on `day` for good-enforce.test under the policy `mode`.
fn report_json(org: &str, id: &str, day: &str, mode: &str) -> String {
    format!(
        r#"{{"organization-name":"{org}","report-id":"{id}",
        "date-range":{{"start-datetime":"{day}T00:00:00Z","end-datetime":"{day}T23:59:59Z"}},
        "policies":[{{"policy":{{"policy-type":"sts","policy-domain":"good-enforce.test",
            "policy-string":["version: STSv1","mode: {mode}","mx: mx1.good-enforce.test",
                             "mx: mx2.good-enforce.test","max_age: 604800"]}},
        "summary":{{"total-successful-session-count":10,"total-failure-session-count":0}}}}]}}"#
    )
}

#[test]
fn checker_panel_shows_what_senders_applied_and_who_kept_an_old_policy() {
    let world = good_enforce_world();
    let dir = tempfile::tempdir().expect("tempdir");
    // Google moves from testing to enforce (the live policy) on the 2nd; Mail.ru
    // still applies testing on the 4th.
    for (i, (org, day, mode)) in [
        ("Google Inc.", "2026-08-01", "testing"),
        ("Google Inc.", "2026-08-02", "enforce"),
        ("Mail.ru", "2026-08-01", "testing"),
        ("Mail.ru", "2026-08-04", "testing"),
    ]
    .into_iter()
    .enumerate()
    {
        let json = report_json(org, &format!("r{i}"), day, mode);
        std::fs::write(dir.path().join(format!("r{i}.json")), json).expect("write");
    }
    let start = StartOptions {
        check_config: Some(world.config.clone()),
        paths: vec![dir.path().to_path_buf()],
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(move |cc| App::new(cc, start));
    h.run_steps(2);
    h.state_mut().wait_until_idle();
    h.run_steps(2);
    h.state_mut().view.check_no_smtp = true;
    h.state_mut()
        .apply(tlsrpt_analyzer::gui::Command::CheckDomain(
            "good-enforce.test".into(),
        ));
    h.run_steps(2);
    h.state_mut().wait_until_idle();
    h.run_steps(3);
    h.get_by_label("What senders applied, from the loaded reports (3)")
        .click();
    h.run_steps(2);
    h.get_by_label_contains("1 sender(s) still applied an older policy");
    assert_eq!(h.get_all_by_label("the live policy").count(), 1);
    assert_eq!(h.get_all_by_label("old, after the change").count(), 1);
    h.get_by_label("2026-08-01 – 2026-08-04");
}
