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
            let nothing_counted = p.bytes_total == 0 && p.files_total == 0 && p.reports == 0;
            let text = if p.listing && p.bytes_read == 0 {
                format!("Listing files: {} found", thousands(p.files_total))
            } else if nothing_counted {
                // Reading a library: its rows come in one piece.
                "Reading…".to_string()
            } else {
                format!(
                    "{} of {} MB · {} messages · {} reports · {} duplicates · {} problems",
                    p.bytes_read / 1_000_000,
                    p.bytes_total.div_ceil(1_000_000),
                    thousands(p.messages),
                    thousands(p.reports),
                    thousands(p.duplicates),
                    thousands(p.problems)
                )
            };
            // Not the bar's own animation: it asks for every frame, which in
            // software rendering takes a core from the load.
            super::spinner(ui);
            ui.add(
                egui::ProgressBar::new(fraction)
                    // Wide enough for the counts of a large mailbox, leaving room
                    // for Cancel and the timing on the right.
                    .desired_width((ui.available_width() * 0.6).clamp(420.0, 760.0))
                    .text(text),
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
            if let Some(folder) = saved_folder(view)
                && ui
                    .button("Open folder")
                    .on_hover_text(folder.display().to_string())
                    .clicked()
            {
                ui.ctx().open_url(egui::OpenUrl::new_tab(format!(
                    "file://{}",
                    folder.display()
                )));
            }
        }
        if let Some(a) = data.aggregates {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(format!(
                    "{} reports loaded · view computed in {:.1} ms",
                    thousands(data.inventory.reports as u64),
                    a.elapsed.as_secs_f64() * 1000.0
                ));
            });
        }
    });
    command
}

/// The folder of what the last export saved, while the status line says so.
fn saved_folder(view: &ViewState) -> Option<&std::path::Path> {
    let saved = view.status.as_deref()?.starts_with("Saved ");
    saved.then(|| view.saved_to.as_deref()?.parent()).flatten()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::gui::data::Inventory;
    use crate::gui::view::Settings;
    use crate::ingest::Progress;

    #[test]
    fn a_folder_being_listed_shows_the_files_found_and_can_be_cancelled() {
        let inventory = Inventory::default();
        let settings = Settings::default();
        let progress = Progress {
            listing: true,
            files_total: 12_345,
            ..Progress::default()
        };
        let panel = PanelData {
            inventory: &inventory,
            aggregates: None,
            load: Some((progress, false)),
            settings: &settings,
            has_sample_data: false,
            check_progress: None,
            check_result: None,
            open_report: None,
            partial: None,
            applied: &[],
            library: None,
            library_path: None,
            looking: false,
        };
        let cancelled = Cell::new(false);
        let mut view = ViewState::default();
        let mut harness = Harness::new_ui(|ui| {
            if let Some(Command::CancelLoad) = status_ui(ui, &panel, &mut view) {
                cancelled.set(true);
            }
        });
        harness.get_by_label_contains(&format!("Listing files: {} found", thousands(12_345_u64)));
        harness.get_by_label("Cancel").click();
        // The animated bar repaints forever: step instead of waiting to settle.
        harness.step();
        assert!(cancelled.get());
    }
}
