//! The status bar: load progress with cancel, messages, aggregate timing.

use eframe::egui;

use super::{PanelData, thousands};
use crate::gui::command::Command;
use crate::gui::view::ViewState;

pub fn status_ui(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        if let Some((p, cancelling)) = data.load {
            let fraction = if p.bytes_total > 0 {
                p.bytes_read as f32 / p.bytes_total as f32
            } else {
                0.0
            };
            let text = format!(
                "{} of {} MB · {} messages · {} reports · {} duplicates · {} problems",
                p.bytes_read / 1_000_000,
                p.bytes_total.div_ceil(1_000_000),
                thousands(p.messages),
                thousands(p.reports),
                thousands(p.duplicates),
                thousands(p.problems)
            );
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(420.0)
                    .text(text)
                    .animate(true),
            );
            let label = if cancelling {
                "Cancelling…"
            } else {
                "Cancel"
            };
            if ui
                .add_enabled(!cancelling, egui::Button::new(label))
                .clicked()
            {
                command = Some(Command::CancelLoad);
            }
        } else if let Some(status) = &view.status {
            ui.label(status);
        }
        if let Some(a) = data.aggregates {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(format!(
                    "{} reports loaded · view computed in {:.1} ms",
                    thousands(data.data.dataset.reports.len() as u64),
                    a.elapsed.as_secs_f64() * 1000.0
                ));
            });
        }
    });
    command
}
