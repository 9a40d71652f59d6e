//! Menu and main actions.

use eframe::egui;

use super::PanelData;
use crate::gui::command::Command;
use crate::gui::view::ViewState;

pub fn top_bar_ui(ui: &mut egui::Ui, data: &PanelData, _view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    let loaded = data.aggregates.is_some();
    let (files, folder) = open_labels(data);
    ui.horizontal(|ui| {
        ui.menu_button("File", |ui| {
            if ui.button(files).on_hover_text("Ctrl+O").clicked() {
                command = Some(Command::OpenFilesDialog);
            }
            if ui.button(folder).clicked() {
                command = Some(Command::OpenFolderDialog);
            }
            if data.library_path.is_some() {
                library_menu_ui(ui, data, &mut command);
            }
            if data.has_sample_data && ui.button("Open sample data").clicked() {
                command = Some(Command::OpenSampleData);
            }
            ui.menu_button("Open recent", |ui| {
                if data.settings.recent.is_empty() {
                    ui.label("Nothing opened yet");
                }
                for path in &data.settings.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        command = Some(Command::Load(vec![path.clone()]));
                    }
                }
            });
            ui.separator();
            if ui
                .add_enabled(loaded, egui::Button::new("Export table as CSV…"))
                .on_hover_text("The table tab's grouping with the current filters (Ctrl+E)")
                .clicked()
            {
                command = Some(Command::ExportTable);
            }
            if ui
                .add_enabled(loaded, egui::Button::new("Export all tables…"))
                .on_hover_text("Reports, failure details, series, health and every grouping, as CSV files in a folder")
                .clicked()
            {
                command = Some(Command::ExportAll);
            }
            ui.separator();
            if ui
                .add_enabled(
                    loaded && data.load.is_none() && !data.imports(),
                    egui::Button::new("Clear"),
                )
                .on_hover_text("Forget everything loaded")
                .clicked()
            {
                command = Some(Command::Clear);
            }
        });
        ui.separator();
        if ui.button(files).on_hover_text("Ctrl+O").clicked() {
            command = Some(Command::OpenFilesDialog);
        }
        if ui.button(folder).clicked() {
            command = Some(Command::OpenFolderDialog);
        }
        if ui
            .add_enabled(loaded, egui::Button::new("Export…"))
            .on_hover_text("Save the current table as CSV (Ctrl+E)")
            .clicked()
        {
            command = Some(Command::ExportTable);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let label = if data.settings.dark { "Light theme" } else { "Dark theme" };
            if ui.button(label).on_hover_text("Switch between dark and light theme").clicked() {
                command = Some(Command::ToggleTheme);
            }
        });
    });
    command
}

/// "Import" when opened files go into the library, else "Open".
pub(super) fn open_labels(data: &PanelData) -> (&'static str, &'static str) {
    if data.imports() {
        ("Import files…", "Import folder…")
    } else {
        ("Open files…", "Open folder…")
    }
}

fn library_menu_ui(ui: &mut egui::Ui, data: &PanelData, command: &mut Option<Command>) {
    if ui
        .button("Look at files without importing…")
        .on_hover_text("Open reports beside the library, which stays as it is")
        .clicked()
    {
        *command = Some(Command::LookFilesDialog);
    }
    if data.looking && ui.button("Back to the library").clicked() {
        *command = Some(Command::BackToLibrary);
    }
    ui.separator();
    if ui.button("New library…").clicked() {
        *command = Some(Command::NewLibraryDialog);
    }
    if ui.button("Open library…").clicked() {
        *command = Some(Command::OpenLibraryDialog);
    }
    ui.separator();
}
