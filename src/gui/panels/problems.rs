//! Inputs that could not be read, inputs passed over, and conflicting copies.

use eframe::egui;

use crate::gui::command::Command;
use crate::gui::data::Data;

pub fn problems_ui(ui: &mut egui::Ui, data: &Data) -> Option<Command> {
    let store = &data.store;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(format!("Problems ({})", store.problems().len()));
        ui.weak("Inputs that could not be read. Everything else was loaded.");
        egui::Grid::new("problems")
            .striped(true)
            .num_columns(2)
            .show(ui, |ui| {
                for problem in store.problems() {
                    ui.label(problem.source.to_string());
                    ui.label(problem.error.to_string());
                    ui.end_row();
                }
            });
        ui.add_space(10.0);
        ui.heading(format!("Skipped ({})", store.skipped().len()));
        ui.weak("Inputs that hold no TLS report (DMARC reports, other e-mails, other files).");
        egui::Grid::new("skipped")
            .striped(true)
            .num_columns(2)
            .show(ui, |ui| {
                for skipped in store.skipped() {
                    ui.label(skipped.source.to_string());
                    ui.label(skipped.reason.to_string());
                    ui.end_row();
                }
            });
        ui.add_space(10.0);
        ui.heading(format!(
            "Duplicates: {} copies dropped, {} with different content",
            store.duplicates(),
            store.conflicts().len()
        ));
        egui::Grid::new("conflicts")
            .striped(true)
            .num_columns(4)
            .show(ui, |ui| {
                for c in store.conflicts() {
                    ui.label(c.organization_name.as_ref());
                    ui.label(c.report_id.as_ref());
                    ui.label(format!("kept {}", c.kept));
                    ui.label(format!("dropped {}", c.dropped));
                    ui.end_row();
                }
            });
    });
    None
}
