//! Inputs that could not be read, inputs passed over, and conflicting copies.

use eframe::egui;

use crate::gui::command::Command;
use crate::gui::data::Inventory;

pub fn problems_ui(ui: &mut egui::Ui, inventory: &Inventory) -> Option<Command> {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(format!("Problems ({})", inventory.problems.len()));
        ui.weak("Inputs that could not be read. Everything else was loaded.");
        rows_ui(ui, "problems", &inventory.problems);
        ui.add_space(10.0);
        ui.heading(format!("Skipped ({})", inventory.skipped.len()));
        ui.weak("Inputs that hold no TLS report (DMARC reports, other e-mails, other files).");
        rows_ui(ui, "skipped", &inventory.skipped);
        ui.add_space(10.0);
        ui.heading(format!(
            "Duplicates: {} copies dropped, {} with different content",
            inventory.duplicates,
            inventory.conflicts.len()
        ));
        rows_ui(ui, "conflicts", &inventory.conflicts);
    });
    None
}

/// A striped grid of rows in a scroll area of its own, of which only the rows in
/// view are laid out: a mailbox of tens of thousands of skipped e-mails costs a
/// frame no more than a few. Rows wider than the panel scroll sideways,
/// with the bars always shown.
fn rows_ui<const N: usize>(ui: &mut egui::Ui, id: &str, rows: &[[String; N]]) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::both()
        .id_salt(id)
        // Inside the page's vertical scroll area, which would let it grow as wide
        // as its rows (cut off by the window, with no bar): as wide as the panel.
        .max_width(ui.available_width())
        .max_height(320.0)
        .auto_shrink([false, true])
        // Long paths run past the panel: a bar always in view says they scroll.
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            let first = range.start;
            egui::Grid::new(id)
                .striped(true)
                .start_row(first)
                .show(ui, |ui| {
                    for cells in &rows[range] {
                        for cell in cells {
                            ui.label(cell);
                        }
                        ui.end_row();
                    }
                });
        });
}
