//! Cards with the totals, and the health of each policy domain.

use eframe::egui;

use super::{percent, thousands};
use crate::analysis::{Grade, explain};
use crate::gui::command::Command;
use crate::gui::data::Aggregates;
use crate::gui::view::ViewState;

pub fn overview_ui(ui: &mut egui::Ui, a: &Aggregates, _view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    let t = &a.total;
    ui.horizontal_wrapped(|ui| {
        card(
            ui,
            "Reports",
            &thousands(a.reports as u64),
            "Unique reports under the filters",
        );
        card(
            ui,
            "Sessions",
            &thousands(t.total_sessions()),
            "Successful and failed SMTP sessions (report summaries)",
        );
        card(
            ui,
            "Success rate",
            &percent(t.success_rate()),
            "Successful sessions out of all sessions",
        );
        card(
            ui,
            "Failed sessions",
            &thousands(t.failed_sessions),
            &format!(
                "From the summaries; the failure details count {}",
                thousands(t.detail_failed_sessions)
            ),
        );
        card(
            ui,
            "Senders",
            &a.senders.to_string(),
            "Sending organizations that reported",
        );
        card(
            ui,
            "Domains",
            &a.domains.to_string(),
            "Policy domains reported on",
        );
    });
    ui.add_space(8.0);
    ui.heading("Health per policy domain");
    ui.weak("Grades: fine = no failure, info < 10 %, warning < 50 %, error ≥ 50 % of sessions failed (NCSC Mail Check thresholds).");
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("health")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for h in [
                    "Policy domain",
                    "Grade",
                    "Failed",
                    "Failure share",
                    "Main failure",
                    "Reported most by",
                    "",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for h in &a.health {
                    let domain = if h.policy_domain.is_empty() {
                        "(none)"
                    } else {
                        h.policy_domain.as_str()
                    };
                    if ui
                        .link(domain)
                        .on_hover_text("Filter on this domain")
                        .clicked()
                    {
                        command = Some(Command::FilterTo(
                            crate::analysis::Dimension::PolicyDomain,
                            h.policy_domain.clone(),
                        ));
                    }
                    ui.colored_label(grade_color(h.grade), h.grade.as_str());
                    ui.label(thousands(h.failed_sessions));
                    ui.label(percent(h.failure_share));
                    match &h.top_result_type {
                        Some(rt) => {
                            let e = explain(rt);
                            ui.label(format!("{rt} ({})", thousands(h.top_result_type_sessions)))
                                .on_hover_text(format!(
                                    "{}\n\nWhat to check: {}",
                                    e.meaning, e.fix
                                ));
                        }
                        None => {
                            ui.label("–");
                        }
                    }
                    ui.label(h.top_result_type_sender.as_deref().unwrap_or("–"));
                    if !h.policy_domain.is_empty()
                        && ui
                            .button("Check this domain")
                            .on_hover_text(
                                "Check its MTA-STS and TLS-RPT records, policy and MX hosts",
                            )
                            .clicked()
                    {
                        command = Some(Command::CheckDomain(h.policy_domain.clone()));
                    }
                    ui.end_row();
                }
            });
    });
    command
}

fn card(ui: &mut egui::Ui, title: &str, value: &str, hint: &str) {
    egui::Frame::group(ui.style())
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_min_width(128.0);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.heading(value);
            });
        })
        .response
        .on_hover_text(hint);
}

pub fn grade_color(grade: Grade) -> egui::Color32 {
    match grade {
        Grade::Fine => egui::Color32::from_rgb(46, 160, 67),
        Grade::Info => egui::Color32::from_rgb(56, 132, 230),
        Grade::Warning => egui::Color32::from_rgb(230, 150, 20),
        Grade::Error => egui::Color32::from_rgb(220, 50, 47),
        Grade::NoData => egui::Color32::GRAY,
    }
}
