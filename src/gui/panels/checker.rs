//! The domain checker: a domain field, the check on a worker thread with live
//! progress, the MX hosts with their STARTTLS, DNSSEC and DANE state, findings
//! grouped by step with their evidence, and the records to publish with copy
//! buttons.

use eframe::egui;

use super::{PanelData, thousands};
use crate::analysis::{AppliedPolicy, abbreviated_policy, stale_senders};
use crate::checker::{CheckReport, MxState, Severity, Step, Verdict};
use crate::gui::command::Command;
use crate::gui::view::ViewState;

pub fn checker_ui(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.heading("Domain check: MTA-STS, DANE and TLS-RPT");
    ui.weak("Checks the records, the policy host and the MX hosts the way a sending MTA does (RFC 8461, RFC 7672, RFC 8460).");
    let running = data.check_progress.is_some();
    ui.horizontal(|ui| {
        let field = ui.add(
            egui::TextEdit::singleline(&mut view.check_domain)
                .hint_text("example.com")
                .desired_width(260.0)
                .id_salt("check_domain"),
        );
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.add_enabled(!running, egui::Button::new("Check")).clicked() || (enter && !running) {
            command = Some(Command::CheckDomain(view.check_domain.clone()));
        }
        ui.checkbox(&mut view.check_no_smtp, "Skip STARTTLS probes")
            .on_hover_text("Port 25 is often blocked on desktop networks; without it MX hosts show as untested");
        if running && ui.button("Cancel check").clicked() {
            command = Some(Command::CancelCheck);
        }
    });
    if let Some((domain, lines)) = data.check_progress {
        ui.horizontal(|ui| {
            super::spinner(ui);
            ui.label(format!(
                "Checking {domain}: {}",
                lines.last().map_or("starting", |l| l.as_str())
            ));
        });
    }
    ui.separator();
    match data.check_result {
        Some((domain, Err(error))) => {
            ui.colored_label(
                color(Severity::Fail),
                format!("The check of {domain} could not run: {error}"),
            );
        }
        Some((_, Ok(report))) => {
            egui::ScrollArea::vertical().show(ui, |ui| {
                applied_ui(ui, report, data.applied);
                report_ui(ui, report);
            });
        }
        None => {}
    }
    command
}

/// What the loaded reports say senders applied for the checked domain, beside the
/// live policy: which sender still applies an old policy after a change.
fn applied_ui(ui: &mut egui::Ui, report: &CheckReport, applied: &[AppliedPolicy]) {
    ui.collapsing(
        format!("What senders applied, from the loaded reports ({})", applied.len()),
        |ui| {
            if applied.is_empty() {
                ui.weak(format!("No loaded report names {}.", report.domain));
                return;
            }
            let live = report.mta_sts.policy.as_ref();
            let stale = live.map_or_else(Vec::new, |p| {
                stale_senders(applied, p.mode.as_str(), &p.mx, p.max_age)
            });
            if !stale.is_empty() {
                ui.colored_label(
                    color(Severity::Warn),
                    format!(
                        "{} sender(s) still applied an older policy after the live one was first seen: their cache has not picked up the change.",
                        stale.len()
                    ),
                );
            }
            egui::Grid::new("applied").striped(true).show(ui, |ui| {
                for title in ["Sender", "Policy", "Seen", "Reports", "Sessions", ""] {
                    ui.strong(title);
                }
                ui.end_row();
                for a in applied {
                    ui.label(&a.organization);
                    ui.label(format!("{} {}", a.policy_type, abbreviated_policy(&a.version)))
                        .on_hover_text(&a.version);
                    ui.label(if a.first_day == a.last_day {
                        a.first_day.to_string()
                    } else {
                        format!("{} – {}", a.first_day, a.last_day)
                    });
                    ui.label(thousands(a.reports));
                    ui.label(thousands(a.sessions));
                    match live {
                        Some(p) if a.is(p.mode.as_str(), &p.mx, p.max_age) => {
                            ui.colored_label(color(Severity::Pass), "the live policy");
                        }
                        Some(_) if stale.iter().any(|s| std::ptr::eq(*s, a)) => {
                            ui.colored_label(color(Severity::Warn), "old, after the change");
                        }
                        Some(_) if a.policy_type == "sts" => {
                            ui.weak("older");
                        }
                        _ => {
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
        },
    );
}

fn report_ui(ui: &mut egui::Ui, report: &CheckReport) {
    let (verdict, severity) = match report.verdict {
        Verdict::Pass => ("PASS", Severity::Pass),
        Verdict::Warn => ("WARN", Severity::Warn),
        Verdict::Fail => ("FAIL", Severity::Fail),
    };
    ui.horizontal(|ui| {
        ui.heading(&report.domain);
        ui.heading(egui::RichText::new(verdict).color(color(severity)).strong());
    });
    let logged = |result_type: Option<&str>| {
        result_type
            .map(|r| format!(" (senders log {r})"))
            .unwrap_or_default()
    };
    ui.label(format!(
        "MTA-STS: {}{}   DANE: {}{}   TLS-RPT: {}",
        report.mta_sts.status.as_str(),
        logged(report.mta_sts.tlsrpt_result_type),
        report.dane.status.as_str(),
        logged(report.dane.tlsrpt_result_type),
        report.tls_rpt.status.as_str()
    ));
    for mx in &report.mx {
        mx_ui(ui, mx);
    }
    for step in steps(report) {
        let findings: Vec<_> = report.findings.iter().filter(|f| f.step == step).collect();
        let worst = findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Pass);
        let title = egui::RichText::new(format!("{} · {}", step.title(), worst.as_str()))
            .color(color(worst));
        egui::CollapsingHeader::new(title)
            .id_salt(step.title())
            .default_open(worst >= Severity::Warn)
            .show(ui, |ui| {
                for finding in findings {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(
                            egui::RichText::new(format!(
                                "[{}]",
                                finding.severity.as_str().to_uppercase()
                            ))
                            .color(color(finding.severity))
                            .monospace(),
                        );
                        ui.label(&finding.message);
                    });
                    let mut meta = format!("{} · {}", finding.id, finding.rfc_section);
                    if let Some(rt) = finding.tlsrpt_result_type {
                        meta.push_str(&format!(" · senders log {rt}"));
                    }
                    ui.weak(meta);
                    if !finding.evidence.is_empty() {
                        egui::CollapsingHeader::new("Evidence")
                            .id_salt((finding.id, &finding.message))
                            .show(ui, |ui| {
                                ui.monospace(&finding.evidence);
                            });
                    }
                }
            });
    }
    ui.separator();
    ui.heading("Records to publish");
    let r = &report.records;
    copyable(
        ui,
        "Policy file (start in testing mode)",
        &format!("{}\n{}", r.policy_url, r.policy_testing),
        &r.policy_testing,
    );
    copyable(
        ui,
        "Policy file once reports show no failures",
        &r.policy_enforce,
        &r.policy_enforce,
    );
    let sts = format!("{} TXT \"{}\"", r.mta_sts_txt.name, r.mta_sts_txt.value);
    copyable(ui, "MTA-STS record", &sts, &sts);
    let rpt = format!("{} TXT \"{}\"", r.tls_rpt_txt.name, r.tls_rpt_txt.value);
    copyable(ui, "TLS-RPT record", &rpt, &rpt);
    if !r.tlsa.is_empty() {
        let tlsa: Vec<String> = r
            .tlsa
            .iter()
            .map(|t| format!("{}. TLSA {}", t.name, t.value))
            .collect();
        let tlsa = tlsa.join("\n");
        copyable(
            ui,
            "TLSA records for DANE (current key and next key)",
            &tlsa,
            &tlsa,
        );
    }
    for note in &r.notes {
        ui.weak(note);
    }
}

/// One MX host's states, and the TLSA record that matched its certificate.
fn mx_ui(ui: &mut egui::Ui, mx: &MxState) {
    ui.label(format!(
        "MX {}: STARTTLS {} · DNSSEC {} · DANE {}",
        mx.host,
        mx.starttls.as_str(),
        mx.dnssec.map_or("not validated", |d| d.as_str()),
        mx.dane.as_str()
    ));
    if let Some(record) = &mx.tlsa_matched {
        copyable(
            ui,
            &format!("TLSA record that matched {}", mx.host),
            record,
            record,
        );
    }
}

fn copyable(ui: &mut egui::Ui, title: &str, shown: &str, copied: &str) {
    ui.horizontal(|ui| {
        ui.strong(title);
        if ui
            .button("Copy")
            .on_hover_text("Copy to the clipboard")
            .clicked()
        {
            ui.ctx().copy_text(copied.to_string());
        }
    });
    ui.monospace(shown);
    ui.add_space(6.0);
}

/// The steps that have findings, in check order.
fn steps(report: &CheckReport) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for f in &report.findings {
        if !steps.contains(&f.step) {
            steps.push(f.step);
        }
    }
    steps
}

fn color(severity: Severity) -> egui::Color32 {
    match severity {
        Severity::Pass => egui::Color32::from_rgb(46, 160, 67),
        Severity::Info => egui::Color32::from_rgb(56, 132, 230),
        Severity::Warn => egui::Color32::from_rgb(230, 150, 20),
        Severity::Fail => egui::Color32::from_rgb(220, 50, 47),
    }
}
