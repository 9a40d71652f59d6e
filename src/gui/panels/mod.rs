//! The panels of the window. Each is a function of the data it shows and the view
//! state it may change, returning commands for the app to apply after layout.

mod charts;
mod checker;
mod filters;
mod overview;
mod problems;
mod report;
mod status;
mod table;
mod top_bar;

use eframe::egui;

use super::command::Command;
use super::data::{Aggregates, Data};
use super::view::{Settings, Tab, ViewState};
use crate::ingest::Progress;

/// What the panels read.
pub struct PanelData<'a> {
    pub data: &'a Data,
    pub aggregates: Option<&'a Aggregates>,
    /// Progress of a running load, and whether it is being cancelled.
    pub load: Option<(Progress, bool)>,
    pub settings: &'a Settings,
    pub has_sample_data: bool,
    /// A running domain check: its domain and progress lines.
    pub check_progress: Option<(&'a str, &'a [String])>,
    /// The last finished check.
    pub check_result: Option<&'a (String, Result<crate::checker::CheckReport, String>)>,
    /// The JSON of the report in the report window.
    pub report_json: Option<&'a str>,
}

/// Lays out the whole window.
pub fn layout(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Vec<Command> {
    let mut commands = Vec::new();
    egui::Panel::top("top_bar").show(ui, |ui| {
        commands.extend(top_bar::top_bar_ui(ui, data, view))
    });
    egui::Panel::bottom("status_bar")
        .show(ui, |ui| commands.extend(status::status_ui(ui, data, view)));
    if !data.data.store.is_empty() {
        egui::Panel::left("filters")
            .resizable(true)
            .default_size(270.0)
            .show(ui, |ui| {
                commands.extend(filters::filters_ui(ui, data, view))
            });
    }
    egui::CentralPanel::default_margins().show(ui, |ui| {
        commands.extend(central_ui(ui, data, view));
    });
    if let Some(index) = view.open_report {
        commands.extend(report::report_window(ui.ctx(), data, index));
    }
    drop_overlay(ui.ctx());
    commands
}

fn central_ui(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    if data.data.store.is_empty() {
        if view.tab == Tab::Checker {
            if ui.button("Back").clicked() {
                command = Some(Command::SetTab(Tab::Overview));
            }
            return command.or(checker::checker_ui(ui, data, view));
        }
        return empty_state_ui(ui, data);
    }
    let Some(aggregates) = data.aggregates else {
        ui.spinner();
        return None;
    };
    ui.horizontal(|ui| {
        for tab in Tab::ALL {
            let title = match tab {
                Tab::Problems => {
                    let n = data.data.store.problems().len();
                    format!("Problems ({n})")
                }
                _ => tab.title().to_string(),
            };
            if ui.selectable_label(view.tab == tab, title).clicked() {
                command = Some(Command::SetTab(tab));
            }
        }
    });
    ui.separator();
    let inner = match view.tab {
        Tab::Overview => overview::overview_ui(ui, aggregates, view),
        Tab::Charts => charts::charts_ui(ui, aggregates, view),
        Tab::Table => table::table_ui(ui, aggregates, view),
        Tab::Problems => problems::problems_ui(ui, data.data),
        Tab::Checker => checker::checker_ui(ui, data, view),
    };
    command.or(inner)
}

/// Shown before anything is loaded: how to start.
fn empty_state_ui(ui: &mut egui::Ui, data: &PanelData) -> Option<Command> {
    let mut command = None;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.25);
        ui.heading("TLS-RPT Analyzer");
        ui.label("Drop SMTP TLS reports here: .json, .json.gz, .zip, .eml, mbox exports or whole folders.");
        ui.add_space(12.0);
        if data.load.is_some() {
            ui.spinner();
            ui.label("Loading…");
            return;
        }
        if ui.button("Open files…").on_hover_text("Ctrl+O").clicked() {
            command = Some(Command::OpenFilesDialog);
        }
        if ui.button("Open folder…").clicked() {
            command = Some(Command::OpenFolderDialog);
        }
        if data.has_sample_data && ui.button("Open sample data").clicked() {
            command = Some(Command::OpenSampleData);
        }
        if ui
            .button("Check a domain…")
            .on_hover_text("Verify a domain's MTA-STS and TLS-RPT setup")
            .clicked()
        {
            command = Some(Command::SetTab(Tab::Checker));
        }
        if !data.settings.recent.is_empty() {
            ui.add_space(12.0);
            ui.label("Recent:");
            for path in &data.settings.recent {
                if ui.link(path.display().to_string()).clicked() {
                    command = Some(Command::Load(vec![path.clone()]));
                }
            }
        }
    });
    command
}

/// Darkens the window while files are dragged over it.
fn drop_overlay(ctx: &egui::Context) {
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !hovering {
        return;
    }
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        "Drop to load",
        egui::FontId::proportional(28.0),
        egui::Color32::WHITE,
    );
}

/// A number with thin spaces between thousands, for cards and tables.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

pub fn percent(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:.2} %", v * 100.0))
        .unwrap_or_else(|| "–".into())
}
