//! The panels of the window. Each is a function of the data it shows and the view
//! state it may change, returning commands for the app to apply after layout.

mod charts;
mod checker;
mod filters;
mod incidents;
mod library;
mod overview;
mod problems;
mod report;
mod sources;
mod status;
mod table;
mod top_bar;

use eframe::egui;

use super::app::OpenReport;
use super::command::Command;
use super::data::{Aggregates, Inventory};
use super::view::{Settings, Tab, ViewState};
use crate::ingest::Progress;

/// What the panels read.
pub struct PanelData<'a> {
    pub inventory: &'a Inventory,
    pub aggregates: Option<&'a Aggregates>,
    /// Progress of a running load, and whether it is being cancelled.
    pub load: Option<(Progress, bool)>,
    pub settings: &'a Settings,
    pub has_sample_data: bool,
    /// A running domain check: its domain and progress lines.
    pub check_progress: Option<(&'a str, &'a [String])>,
    /// The last finished check.
    pub check_result: Option<&'a (String, Result<crate::checker::CheckReport, String>)>,
    /// The report in the report window.
    pub open_report: Option<&'a OpenReport>,
    /// Why the data is only part of the inputs (a cancelled load).
    pub partial: Option<&'a str>,
    /// What the loaded reports say senders applied for the checked domain.
    pub applied: &'a [crate::analysis::AppliedPolicy],
    /// What the library held when last read.
    pub library: Option<&'a crate::gui::LibraryFacts>,
    /// The library the app keeps reports in, if any.
    pub library_path: Option<&'a std::path::Path>,
    /// Files are looked at without importing them (the library waits).
    pub looking: bool,
}

impl PanelData<'_> {
    /// Opening files imports them into the library.
    pub fn imports(&self) -> bool {
        self.library_path.is_some() && !self.looking
    }
}

/// Lays out the whole window.
pub fn layout(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Vec<Command> {
    let mut commands = Vec::new();
    egui::Panel::top("top_bar").show(ui, |ui| {
        commands.extend(top_bar::top_bar_ui(ui, data, view))
    });
    egui::Panel::bottom("status_bar")
        .show(ui, |ui| commands.extend(status::status_ui(ui, data, view)));
    if !data.inventory.is_empty() {
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
    if let Some(open) = data.open_report {
        commands.extend(report::report_window(ui.ctx(), open));
    }
    drop_overlay(ui.ctx());
    commands
}

fn central_ui(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    if data.inventory.is_empty() {
        if view.tab == Tab::Checker {
            if ui.button("Back").clicked() {
                command = Some(Command::SetTab(Tab::Overview));
            }
            return command.or(checker::checker_ui(ui, data, view));
        }
        if view.tab == Tab::Library {
            if ui.button("Back").clicked() {
                command = Some(Command::SetTab(Tab::Overview));
            }
            return command.or(library::library_ui(ui, data, view));
        }
        return empty_state_ui(ui, data);
    }
    if data.looking {
        looking_banner(ui, &mut command);
    }
    if let Some(partial) = data.partial {
        egui::Frame::new()
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.colored_label(ui.visuals().warn_fg_color, partial);
            });
    }
    let Some(aggregates) = data.aggregates else {
        spinner(ui);
        return None;
    };
    ui.horizontal(|ui| {
        for tab in Tab::ALL
            .into_iter()
            .filter(|t| *t != Tab::Library || data.library_path.is_some())
        {
            let title = match tab {
                Tab::Problems => {
                    let n = data.inventory.problems.len();
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
        Tab::Incidents => incidents::incidents_ui(ui, aggregates),
        Tab::Charts => charts::charts_ui(ui, aggregates, view),
        Tab::Table => table::table_ui(ui, aggregates, view),
        Tab::Problems => problems::problems_ui(ui, data.inventory),
        Tab::Checker => checker::checker_ui(ui, data, view),
        Tab::Library => library::library_ui(ui, data, view),
    };
    command.or(inner)
}

/// Files looked at beside the library: say so, and the way back.
fn looking_banner(ui: &mut egui::Ui, command: &mut Option<Command>) {
    egui::Frame::new()
        .fill(ui.visuals().selection.bg_fill.gamma_multiply(0.25))
        .inner_margin(6.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label("Looking at files outside the library: nothing here is imported.");
                if ui.button("Back to the library").clicked() {
                    *command = Some(Command::BackToLibrary);
                }
            });
        });
}

/// Shown before anything is loaded: how to start.
fn empty_state_ui(ui: &mut egui::Ui, data: &PanelData) -> Option<Command> {
    let mut command = None;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.25);
        ui.heading("TLS-RPT Analyzer");
        ui.label("Drop SMTP TLS reports here: .json, .json.gz, .zip, .eml, mbox exports or whole folders.");
        if let Some(path) = data.library_path.filter(|_| data.imports()) {
            ui.label(format!(
                "They go into your library, {}, and stay there for the next time.",
                path.display()
            ));
        }
        ui.add_space(12.0);
        if data.load.is_some() {
            spinner(ui);
            ui.label("Loading…");
            return;
        }
        let (files, folder) = top_bar::open_labels(data);
        if ui.button(files).on_hover_text("Ctrl+O").clicked() {
            command = Some(Command::OpenFilesDialog);
        }
        if ui.button(folder).clicked() {
            command = Some(Command::OpenFolderDialog);
        }
        if data.library_path.is_some() {
            if data.looking && ui.button("Back to the library").clicked() {
                command = Some(Command::BackToLibrary);
            }
            if ui.button("Library and import history").clicked() {
                command = Some(Command::SetTab(Tab::Library));
            }
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

pub use crate::export::thousands;

/// A name as a person reads it: an internationalized domain name in Unicode
/// (`bücher.example` for `xn--bcher-kva.example`), anything else as it is. The
/// A-labels, as reports and DNS carry them, are shown on hover ([`a_labels`]).
pub fn readable(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains("xn--") {
        return std::borrow::Cow::Borrowed(name);
    }
    match idna::domain_to_unicode(name) {
        (unicode, Ok(())) if unicode != name => std::borrow::Cow::Owned(unicode),
        _ => std::borrow::Cow::Borrowed(name),
    }
}

/// "A-labels: …" for a name [`readable`] shows in Unicode.
pub fn a_labels(name: &str) -> Option<String> {
    (readable(name) != name).then(|| format!("A-labels: {name}"))
}

pub fn percent(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:.2} %", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// egui's spinner, redrawn eight times a second rather than every frame: while
/// the data is read and the views computed, a frame drawn in software costs the
/// core the work needs (opening 1,000,000 reports under Xvfb: 1.7-2.1 s of
/// computing with a frame every 16 ms).
pub fn spinner(ui: &mut egui::Ui) {
    let size = ui.style().spacing.interact_size.y;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    if !ui.is_rect_visible(rect) {
        return;
    }
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(125));
    let radius = rect.height().min(rect.width()) * 0.5 - 2.0;
    let time = ui.input(|i| i.time);
    let start = time * std::f64::consts::TAU;
    let end = start + 240f64.to_radians() * time.sin();
    let points: Vec<egui::Pos2> = (0..16)
        .map(|i| {
            let angle = start + (end - start) * f64::from(i) / 16.0;
            let (sin, cos) = angle.sin_cos();
            rect.center() + radius * egui::vec2(cos as f32, sin as f32)
        })
        .collect();
    let color = ui.visuals().strong_text_color();
    ui.painter()
        .add(egui::Shape::line(points, egui::Stroke::new(3.0, color)));
}
