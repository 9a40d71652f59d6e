//! The library tab: what the library holds, its sources (each removable) and its
//! import history, an import's log on a click.

use eframe::egui;

use super::PanelData;
use super::thousands;
use crate::gui::LibraryFacts;
use crate::gui::command::Command;
use crate::gui::view::ViewState;
use crate::library::db::ImportEntry;

pub fn library_ui(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Option<Command> {
    let Some(facts) = data.library else {
        return not_read_ui(ui, data);
    };
    let auto_sync = data.settings.auto_sync_minutes;
    let mut command = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        command = summary_ui(ui, facts).or(command.take());
        ui.add_space(8.0);
        command = super::sources::sources_ui(ui, facts, view, auto_sync).or(command.take());
        ui.add_space(8.0);
        command = sources_ui(ui, facts, view).or(command.take());
        ui.add_space(8.0);
        command = imports_ui(ui, facts).or(command.take());
        log_ui(ui, facts);
    });
    command
}

/// The library has not been read: files are looked at beside it (the app
/// started on paths), or it is being opened.
fn not_read_ui(ui: &mut egui::Ui, data: &PanelData) -> Option<Command> {
    if !data.looking {
        super::spinner(ui);
        return None;
    }
    ui.heading("Library");
    if let Some(path) = data.library_path {
        ui.label(egui::RichText::new(path.display().to_string()).monospace());
    }
    ui.label(
        "Files are looked at outside the library; the library is read when you go back to it.",
    );
    ui.button("Back to the library")
        .clicked()
        .then_some(Command::BackToLibrary)
}

fn summary_ui(ui: &mut egui::Ui, facts: &LibraryFacts) -> Option<Command> {
    let info = &facts.info;
    let mut command = None;
    ui.heading("Library");
    ui.label(egui::RichText::new(&info.path).monospace());
    let span = match (&info.first_day, &info.last_day) {
        (Some(first), Some(last)) => format!("from {first} to {last}"),
        _ => "no reports yet".into(),
    };
    ui.label(format!(
        "{} reports {span}, {} failure details; {} on disk (schema version {}).",
        thousands(info.reports),
        thousands(info.failure_details),
        size_text(info.bytes_on_disk),
        info.schema_version
    ));
    ui.horizontal_wrapped(|ui| {
        if ui.button("Import files…").clicked() {
            command = Some(Command::OpenFilesDialog);
        }
        if ui.button("Import folder…").clicked() {
            command = Some(Command::OpenFolderDialog);
        }
        if ui
            .button("Re-read everything")
            .on_hover_text("Read every stored report again from its stored document, with this version's reader")
            .clicked()
        {
            command = Some(Command::RereadLibrary);
        }
        if ui.button("Open another library…").clicked() {
            command = Some(Command::OpenLibraryDialog);
        }
        if ui.button("New library…").clicked() {
            command = Some(Command::NewLibraryDialog);
        }
    });
    command
}

fn sources_ui(ui: &mut egui::Ui, facts: &LibraryFacts, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.heading(format!("Sources ({})", facts.sources.len()));
    ui.weak("What was imported: each file, folder and mailbox, with the reports it brought.");
    egui::Grid::new("library_sources")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for header in ["Source", "Kind", "Reports", ""] {
                ui.strong(header);
            }
            ui.end_row();
            for source in &facts.sources {
                ui.label(&source.location);
                ui.label(&source.kind);
                ui.label(thousands(source.reports));
                if view.confirm_remove == Some(source.id) {
                    ui.horizontal(|ui| {
                        let text = format!("Remove its {} reports", thousands(source.reports));
                        if ui.button(text).clicked() {
                            command =
                                Some(Command::RemoveSource(source.id, source.location.clone()));
                        }
                        if ui.button("Keep").clicked() {
                            view.confirm_remove = None;
                        }
                    });
                } else if ui.button("Remove…").clicked() {
                    view.confirm_remove = Some(source.id);
                }
                ui.end_row();
            }
        });
    command
}

fn imports_ui(ui: &mut egui::Ui, facts: &LibraryFacts) -> Option<Command> {
    let mut command = None;
    ui.heading(format!("Import history ({})", facts.info.imports));
    ui.weak("Newest first. Click an import for what each input brought.");
    egui::Grid::new("library_imports")
        .striped(true)
        .num_columns(9)
        .show(ui, |ui| {
            for header in [
                "Started (UTC)",
                "By",
                "Inputs",
                "New",
                "Copies",
                "Problems",
                "Skipped",
                "Unchanged files",
                "State",
            ] {
                ui.strong(header);
            }
            ui.end_row();
            for import in &facts.imports {
                if ui.link(time_text(import.started_at)).clicked() {
                    command = Some(Command::ShowImportLog(import.id));
                }
                ui.label(&import.origin);
                inputs_label(ui, import);
                for n in [
                    import.new,
                    import.copies,
                    import.problems,
                    import.skipped,
                    import.unchanged,
                ] {
                    ui.label(thousands(n));
                }
                ui.label(state_text(import));
                ui.end_row();
            }
        });
    command
}

fn inputs_label(ui: &mut egui::Ui, import: &ImportEntry) {
    let inputs: Vec<&str> = import
        .inputs
        .iter()
        .map(|i| {
            i.split_once(':')
                .map_or(i.as_str(), |(_, location)| location)
        })
        .collect();
    let first = inputs.first().copied().unwrap_or("");
    let text = match inputs.len() {
        0 | 1 => first.to_string(),
        n => format!("{first} and {} more", n - 1),
    };
    ui.label(text).on_hover_text(inputs.join("\n"));
}

fn state_text(import: &ImportEntry) -> &'static str {
    match (import.finished_at, import.cancelled) {
        (Some(_), _) => "done",
        (None, true) => "cancelled (importing the same again resumes)",
        (None, false) => "did not finish (importing the same again resumes)",
    }
}

fn log_ui(ui: &mut egui::Ui, facts: &LibraryFacts) {
    let Some((import, lines)) = &facts.log else {
        return;
    };
    ui.add_space(8.0);
    ui.heading(format!("Import {import}: {} inputs logged", lines.len()));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::both()
        .id_salt("library_log")
        .max_height(320.0)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, lines.len(), |ui, range| {
            for line in &lines[range] {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(&line.outcome).strong());
                    ui.label(&line.source);
                    if let Some(reason) = &line.reason {
                        ui.weak(reason);
                    }
                });
            }
        });
}

fn time_text(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} kB", b.div_ceil(1024)),
    }
}
