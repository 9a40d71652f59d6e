//! A report in a window: where it came from, its decoded policies, its JSON.

use eframe::egui;

use super::thousands;
use crate::gui::app::OpenReport;
use crate::gui::command::Command;
use crate::report::{DecodedPolicy, TlsaRecord};

pub fn report_window(ctx: &egui::Context, open_report: &OpenReport) -> Option<Command> {
    let loaded = &open_report.report;
    let report = &loaded.report;
    let mut open = true;
    let mut command = None;
    egui::Window::new(format!("Report {}", report.report_id))
        .id(egui::Id::unique("report_window"))
        .open(&mut open)
        .default_size([640.0, 560.0])
        .vscroll(true)
        .show(ctx, |ui| {
            egui::Grid::new("report_meta")
                .num_columns(2)
                .show(ui, |ui| {
                    ui.strong("Source");
                    ui.label(loaded.source.to_string());
                    ui.end_row();
                    ui.strong("Organization");
                    ui.label(report.organization_name.as_ref());
                    ui.end_row();
                    ui.strong("Period");
                    ui.label(format!(
                        "{} – {}",
                        report.date_range.start, report.date_range.end
                    ));
                    ui.end_row();
                    ui.strong("Contact");
                    ui.label(report.contact_info.as_deref().unwrap_or("–"));
                    ui.end_row();
                    ui.strong("Sessions");
                    ui.label(format!(
                        "{} successful, {} failed",
                        thousands(report.successful_sessions()),
                        thousands(report.failed_sessions())
                    ));
                    ui.end_row();
                });
            for (i, policy) in report.policies.iter().enumerate() {
                ui.separator();
                let p = &policy.policy;
                ui.strong(format!(
                    "Policy {}: {} for {}",
                    i + 1,
                    p.policy_type,
                    p.policy_domain.as_deref().unwrap_or("(no domain)")
                ));
                policy_ui(ui, &p.decoded());
                if let Some(domain) = &p.policy_domain
                    && ui
                        .button(format!("Check {domain}"))
                        .on_hover_text("Run the domain checker on this policy domain")
                        .clicked()
                {
                    command = Some(Command::CheckDomain(domain.to_string()));
                }
                if policy.details_disagree() {
                    ui.colored_label(
                        egui::Color32::from_rgb(230, 150, 20),
                        format!(
                            "The failure details count {} failed sessions; the summary says {}.",
                            policy.detail_failure_count(),
                            policy.summary.total_failure_session_count
                        ),
                    );
                }
            }
            ui.separator();
            let mut json = open_report.json.as_str();
            ui.horizontal(|ui| {
                ui.strong("JSON (as read, normalized)");
                if ui.button("Copy").clicked() {
                    ui.ctx().copy_text(json.to_string());
                }
            });
            ui.add(
                egui::TextEdit::multiline(&mut json)
                    .code_editor()
                    .desired_width(f32::INFINITY),
            );
        });
    if !open {
        command = Some(Command::CloseReport);
    }
    command
}

fn policy_ui(ui: &mut egui::Ui, decoded: &DecodedPolicy) {
    match decoded {
        DecodedPolicy::Sts(sts) => {
            ui.label(format!(
                "MTA-STS {} · mode {} · max_age {} · mx {}",
                sts.version.as_deref().unwrap_or("?"),
                sts.mode.as_ref().map_or("?", |m| m.as_str()),
                sts.max_age.map_or("?".to_string(), |a| format!("{a} s")),
                sts.mx.join(", ")
            ));
        }
        DecodedPolicy::Tlsa(records) => {
            for record in records {
                match record {
                    TlsaRecord::Parsed {
                        usage,
                        selector,
                        matching_type,
                        data,
                    } => {
                        ui.monospace(format!("TLSA {usage} {selector} {matching_type} {data}"));
                    }
                    TlsaRecord::Unparsed(text) => {
                        ui.monospace(text);
                    }
                }
            }
        }
        DecodedPolicy::Empty => {
            ui.weak("No policy string.");
        }
    }
}
