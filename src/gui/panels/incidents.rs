//! Incidents and findings: what fails, since when, for whom, and what to do about
//! it. Findings first (grouped when many domains share one), then each (policy
//! domain, result type, MX host) failure with first and last seen, sessions,
//! senders and a sparkline, newest first, "new this week" marked.

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use super::{a_labels, readable, thousands};
use crate::analysis::{Dimension, Finding, Incident, Severity, explain};
use crate::gui::command::Command;
use crate::gui::data::Aggregates;

pub fn incidents_ui(ui: &mut egui::Ui, a: &Aggregates) -> Option<Command> {
    let mut command = None;
    ui.heading(format!("Findings ({})", a.findings.len()));
    if a.findings.is_empty() {
        ui.weak("Nothing to act on in the selected reports.");
    }
    egui::ScrollArea::vertical()
        .id_salt("findings")
        .max_height(ui.available_height() * 0.4)
        .show(ui, |ui| {
            for finding in &a.findings {
                if let Some(c) = finding_ui(ui, finding) {
                    command = Some(c);
                }
            }
        });
    ui.separator();
    let new = a.incidents.iter().filter(|i| i.new_this_week).count();
    ui.heading(format!(
        "Incidents ({}, {new} new this week)",
        a.incidents.len()
    ));
    ui.weak("Each failure by policy domain, result type and MX host, from the failure details; the last 28 days drawn, empty where no report came.");
    if let Some(c) = incidents_table(ui, &a.incidents) {
        command = Some(c);
    }
    command
}

fn severity_color(ui: &egui::Ui, severity: Severity) -> egui::Color32 {
    match severity {
        Severity::Warning => ui.visuals().warn_fg_color,
        Severity::Info => egui::Color32::from_rgb(56, 132, 230),
    }
}

fn finding_ui(ui: &mut egui::Ui, finding: &Finding) -> Option<Command> {
    let mut command = None;
    ui.horizontal_wrapped(|ui| {
        let tag = match finding.severity {
            Severity::Warning => "WARNING",
            Severity::Info => "INFO",
        };
        ui.colored_label(severity_color(ui, finding.severity), tag);
        ui.label(readable_words(&finding.message));
    });
    ui.horizontal_wrapped(|ui| {
        ui.add_space(24.0);
        for subject in &finding.subjects {
            if let Some(domain) = &subject.policy_domain {
                let mut link = ui.link(readable(domain));
                if let Some(a_labels) = a_labels(domain) {
                    link = link.on_hover_text(a_labels);
                }
                if link.clicked() {
                    command = Some(Command::FilterTo(Dimension::PolicyDomain, domain.clone()));
                }
            }
            if let Some(org) = &subject.organization
                && ui.link(org).clicked()
            {
                command = Some(Command::FilterTo(Dimension::Organization, org.clone()));
            }
        }
    });
    command
}

/// A message with each internationalized domain name in it read in Unicode.
fn readable_words(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let name = word.trim_end_matches([',', ':', ';', '.']);
            match readable(name) {
                std::borrow::Cow::Owned(unicode) => word.replacen(name, &unicode, 1),
                std::borrow::Cow::Borrowed(_) => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn incidents_table(ui: &mut egui::Ui, incidents: &[Incident]) -> Option<Command> {
    let mut command = None;
    let titles = [
        "",
        "Policy domain",
        "Result type",
        "MX host",
        "First seen",
        "Last seen",
        "Failed",
        "Senders",
        "Last 28 days",
    ];
    let mut builder = TableBuilder::new(ui)
        .id_salt("incidents")
        .striped(true)
        .resizable(true);
    for width in [34.0, 140.0, 160.0, 140.0, 80.0, 80.0, 64.0, 120.0] {
        builder = builder.column(Column::initial(width).at_least(30.0).clip(true));
    }
    builder
        .column(Column::remainder().at_least(120.0))
        .header(20.0, |mut header| {
            for title in titles {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(22.0, incidents.len(), |mut row| {
                let incident = &incidents[row.index()];
                row.col(|ui| {
                    if incident.new_this_week {
                        ui.colored_label(ui.visuals().warn_fg_color, "new")
                            .on_hover_text("First seen in the last 7 days of the data");
                    }
                });
                row.col(|ui| {
                    let domain = &incident.policy_domain;
                    let shown = if domain.is_empty() {
                        "(none)".into()
                    } else {
                        readable(domain)
                    };
                    if ui
                        .link(shown)
                        .on_hover_text("Filter on this domain")
                        .clicked()
                    {
                        command = Some(Command::FilterTo(Dimension::PolicyDomain, domain.clone()));
                    }
                });
                row.col(|ui| {
                    let e = explain(&incident.result_type);
                    if ui
                        .link(&incident.result_type)
                        .on_hover_text(format!("{}\n\nWhat to check: {}", e.meaning, e.fix))
                        .clicked()
                    {
                        command = Some(Command::FilterTo(
                            Dimension::ResultType,
                            incident.result_type.clone(),
                        ));
                    }
                });
                row.col(|ui| {
                    let mx = &incident.receiving_mx_hostname;
                    ui.label(if mx.is_empty() {
                        "–".into()
                    } else {
                        readable(mx)
                    });
                });
                row.col(|ui| {
                    ui.label(incident.first_seen.to_string());
                });
                row.col(|ui| {
                    ui.label(incident.last_seen.to_string());
                });
                row.col(|ui| {
                    ui.label(thousands(incident.failed_sessions));
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(incident.senders.join(", ")).truncate())
                        .on_hover_text(incident.senders.join("\n"));
                });
                row.col(|ui| sparkline(ui, incident));
            });
        });
    command
}

/// Bars of the failed sessions per day; a gap where no report came, a dot for a
/// day with reports and none of this failure.
fn sparkline(ui: &mut egui::Ui, incident: &Incident) {
    let days = &incident.sparkline.failed_sessions;
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(days.len() as f32 * 4.0, 18.0),
        egui::Sense::hover(),
    );
    let top = days.iter().flatten().copied().max().unwrap_or(0).max(1) as f32;
    let painter = ui.painter_at(rect);
    let color = egui::Color32::from_rgb(220, 50, 47);
    for (i, day) in days.iter().enumerate() {
        let x = rect.left() + i as f32 * 4.0;
        match day {
            Some(0) => {
                painter.rect_filled(
                    egui::Rect::from_min_size(
                        egui::pos2(x, rect.bottom() - 1.0),
                        egui::vec2(3.0, 1.0),
                    ),
                    0.0,
                    ui.visuals().weak_text_color(),
                );
            }
            Some(n) => {
                let height = (*n as f32 / top * rect.height()).max(2.0);
                painter.rect_filled(
                    egui::Rect::from_min_max(
                        egui::pos2(x, rect.bottom() - height),
                        egui::pos2(x + 3.0, rect.bottom()),
                    ),
                    0.0,
                    color,
                );
            }
            None => {}
        }
    }
    response.on_hover_text(format!(
        "{} to {}: {} failed sessions",
        incident.sparkline.first_day,
        incident.sparkline.first_day + chrono::Duration::days(days.len() as i64 - 1),
        thousands(days.iter().flatten().sum::<crate::report::SessionSum>())
    ));
}
