//! The checker panel of the desktop app, driven with egui_kittest against the
//! local world: type a domain, run the check in the background, read findings
//! and proposed records; a check that cannot run says why.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlsrpt_analyzer::checker::{CheckConfig, Verdict};
use tlsrpt_analyzer::gui::{App, StartOptions, Tab};

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

fn run_check(h: &mut Harness<'static, App>, domain: &str) {
    h.get_by_label("Check a domain…").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Checker);
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(domain);
    h.run_steps(1);
    assert_eq!(h.state().view.check_domain, domain);
    h.get_by_label("Skip STARTTLS probes").click();
    h.run_steps(1);
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
fn checker_panel_says_why_a_check_could_not_run() {
    let mut h = app(CheckConfig::default());
    run_check(&mut h, "not a domain!");
    let (_, result) = h.state().check_result().expect("a finished check").clone();
    let error = result.expect_err("an invalid name cannot be checked");
    h.get_by_label_contains("could not run");
    h.get_by_label_contains(&error);
}
