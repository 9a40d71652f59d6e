//! Inputs that could not be read, inputs passed over, and conflicting copies.

use eframe::egui;

use crate::gui::command::Command;
use crate::gui::data::Data;

pub fn problems_ui(ui: &mut egui::Ui, data: &Data) -> Option<Command> {
    let store = &data.store;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(format!("Problems ({})", store.problems().len()));
        ui.weak("Inputs that could not be read. Everything else was loaded.");
        rows_ui(ui, "problems", store.problems().len(), |range| {
            let rows = store.problems().skip(range.start).take(range.len());
            // The error first: a source inside an mbox attachment can be longer
            // than the window.
            rows.map(|p| vec![p.error.to_string(), p.source.to_string()])
                .collect()
        });
        ui.add_space(10.0);
        ui.heading(format!("Skipped ({})", store.skipped().len()));
        ui.weak("Inputs that hold no TLS report (DMARC reports, other e-mails, other files).");
        rows_ui(ui, "skipped", store.skipped().len(), |range| {
            let rows = store.skipped().skip(range.start).take(range.len());
            rows.map(|s| vec![s.reason.to_string(), s.source.to_string()])
                .collect()
        });
        ui.add_space(10.0);
        ui.heading(format!(
            "Duplicates: {} copies dropped, {} with different content",
            store.duplicates(),
            store.conflicts().len()
        ));
        let conflicts = store.conflicts();
        rows_ui(ui, "conflicts", conflicts.len(), |range| {
            conflicts[range]
                .iter()
                .map(|c| {
                    vec![
                        c.organization_name.to_string(),
                        c.report_id.to_string(),
                        format!("kept {}", c.kept),
                        format!("dropped {}", c.dropped),
                    ]
                })
                .collect()
        });
    });
    None
}

/// A striped grid of `count` rows in a scroll area of its own, of which only the
/// rows in view are made (`rows` gives the cells of a range): a mailbox of tens of
/// thousands of skipped e-mails costs a frame no more than a few. Rows wider than
/// the panel scroll sideways.
fn rows_ui(
    ui: &mut egui::Ui,
    id: &str,
    count: usize,
    rows: impl FnOnce(std::ops::Range<usize>) -> Vec<Vec<String>>,
) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::both()
        .id_salt(id)
        .max_height(320.0)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, count, |ui, range| {
            let first = range.start;
            egui::Grid::new(id)
                .striped(true)
                .start_row(first)
                .show(ui, |ui| {
                    for cells in rows(range) {
                        for cell in cells {
                            ui.label(cell);
                        }
                        ui.end_row();
                    }
                });
        });
}
