//! Cards with the totals, and the health of each policy domain.

use eframe::egui;

use super::{a_labels, percent, readable, thousands};
use crate::analysis::{Delta, Grade, explain};
use crate::gui::command::Command;
use crate::gui::data::Aggregates;
use crate::gui::view::ViewState;

pub fn overview_ui(ui: &mut egui::Ui, a: &Aggregates, _view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    let t = &a.total;
    if let Some(note) = detail_filter_note(a) {
        ui.colored_label(ui.visuals().warn_fg_color, note);
    }
    let counted_once = "A report's sessions under two policy types of one domain (an sts and a tlsa policy) are counted once";
    ui.horizontal_wrapped(|ui| {
        let deltas = a.week.filter(|w| w.previous.has_data()).map(|w| w.deltas());
        let week_hint = a.week.map_or(String::new(), |w| {
            format!(
                " Week over week: {} to {} against the 7 days before.",
                w.current.first_day, w.current.last_day
            )
        });
        card_with(
            ui,
            "Reports",
            &thousands(a.reports as u64),
            &format!("Unique reports under the filters.{week_hint}"),
            deltas.map(|d| change_text(d.reports, None)),
        );
        card_with(
            ui,
            "Sessions",
            &thousands(t.distinct_total_sessions()),
            &format!(
                "Successful and failed SMTP sessions (report summaries). {counted_once}; added over every policy they are {}.{week_hint}",
                thousands(t.total_sessions())
            ),
            deltas.map(|d| change_text(d.successful_sessions, None)),
        );
        card(
            ui,
            "Success rate",
            &percent(rate(t.distinct_successful_sessions, t.distinct_total_sessions())),
            "Successful sessions out of all sessions",
        );
        card_with(
            ui,
            "Failed sessions",
            &thousands(t.distinct_failed_sessions),
            &format!(
                "From the summaries ({}); the failure details count {}.{week_hint}",
                counted_once.to_lowercase(),
                thousands(t.detail_failed_sessions)
            ),
            deltas.map(|d| change_text(d.failed_sessions, Some(false))),
        );
        card_with(
            ui,
            "Senders",
            &a.senders.to_string(),
            &format!("Sending organizations that reported (names differing only in letter case are one).{week_hint}"),
            deltas.map(|d| change_text(d.senders, None)),
        );
        let unnamed = a.health.iter().any(|h| h.policy_domain.is_empty());
        card(
            ui,
            "Domains",
            &if unnamed {
                format!("{} + (none)", a.domains)
            } else {
                a.domains.to_string()
            },
            "Policy domains reported on; (none): reports that name no policy domain (a row of the table below)",
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
                    let hover = match a_labels(domain) {
                        Some(a_labels) => format!("Filter on this domain ({a_labels})"),
                        None => "Filter on this domain".to_string(),
                    };
                    if ui.link(readable(domain)).on_hover_text(hover).clicked() {
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

fn rate(part: crate::report::SessionSum, all: crate::report::SessionSum) -> Option<f64> {
    (all > 0).then(|| part as f64 / all as f64)
}

/// Under a filter on failure details, what the cards count.
fn detail_filter_note(a: &Aggregates) -> Option<String> {
    let filter = &a.query.filter;
    let mut on = Vec::new();
    if !filter.result_types.is_empty() {
        on.push(format!("result type {}", filter.result_types.join(", ")));
    }
    if !filter.mx_hosts.is_empty() {
        on.push(format!("MX host {}", filter.mx_hosts.join(", ")));
    }
    if !filter.text.trim().is_empty() {
        on.push(format!("the search \"{}\"", filter.text.trim()));
    }
    if on.is_empty() {
        return None;
    }
    Some(format!(
        "Filtered on failure details ({}): Sessions, Success rate and Failed count all sessions of the policies that have a matching failure detail; the matching failure details themselves count {} failed sessions.",
        on.join("; "),
        thousands(a.total.detail_failed_sessions)
    ))
}

fn card(ui: &mut egui::Ui, title: &str, value: &str, hint: &str) {
    card_with(ui, title, value, hint, None);
}

/// A card with the change of its figure over the last week of data, coloured by
/// whether it is good news (`None`: neither).
fn card_with(
    ui: &mut egui::Ui,
    title: &str,
    value: &str,
    hint: &str,
    change: Option<(String, Option<bool>)>,
) {
    egui::Frame::group(ui.style())
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_min_width(128.0);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.heading(value);
                if let Some((text, good)) = change {
                    let color = match good {
                        Some(true) => egui::Color32::from_rgb(46, 160, 67),
                        Some(false) => egui::Color32::from_rgb(220, 50, 47),
                        None => ui.visuals().weak_text_color(),
                    };
                    ui.colored_label(color, egui::RichText::new(text).small());
                }
            });
        })
        .response
        .on_hover_text(hint);
}

/// "⬆ 12 % week over week", with whether a rise is good news for this figure.
fn change_text(delta: Delta, rise_is_good: Option<bool>) -> (String, Option<bool>) {
    let arrow = match delta.change.signum() {
        1 => "⬆",
        -1 => "⬇",
        _ => "=",
    };
    let amount = match delta.relative {
        Some(r) => format!("{:.0} %", r.abs() * 100.0),
        None => thousands(delta.change.unsigned_abs()),
    };
    let good = match delta.change.signum() {
        0 => None,
        sign => rise_is_good.map(|rise| rise == (sign > 0)),
    };
    (format!("{arrow} {amount} week over week"), good)
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
