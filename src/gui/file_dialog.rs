//! The file dialog drawn in the window (egui_file), for desktops where no native
//! dialog can open: many Linux desktops run no XDG portal, and rfd's dialog then
//! returns at once with nothing chosen.

use std::path::PathBuf;

use eframe::egui;
use egui_file::FileDialog;

use super::jobs::DialogPurpose;

/// A native dialog that closes this fast with nothing chosen could not open.
pub const NO_NATIVE_DIALOG: std::time::Duration = std::time::Duration::from_millis(250);

/// The dialog in the window, for one purpose.
pub struct InAppDialog {
    pub purpose: DialogPurpose,
    dialog: FileDialog,
}

/// What the dialog came to this frame.
pub enum Outcome {
    Open,
    Chosen(DialogPurpose, Vec<PathBuf>),
    Cancelled,
}

impl InAppDialog {
    /// Opens a dialog for `purpose`, starting in `folder`.
    pub fn open(purpose: DialogPurpose, folder: PathBuf) -> InAppDialog {
        let mut dialog = match purpose {
            DialogPurpose::OpenFiles => FileDialog::open_file()
                .title("Open TLS reports, archives, e-mails or mailboxes")
                .multi_select(true),
            DialogPurpose::OpenFolder => {
                FileDialog::select_folder().title("Open a folder of reports")
            }
            DialogPurpose::LookFiles => FileDialog::open_file()
                .title("Look at reports without importing them")
                .multi_select(true),
            DialogPurpose::OpenLibrary => FileDialog::open_file().title("Open a report library"),
            DialogPurpose::NewLibrary => FileDialog::save_file()
                .title("New report library")
                .default_filename("reports.sqlite"),
            DialogPurpose::ExportFolder => {
                FileDialog::select_folder().title("Export every table into a folder")
            }
            DialogPurpose::SaveTable => FileDialog::save_file()
                .title("Save table as CSV")
                .default_filename("table.csv"),
            DialogPurpose::SaveChart(kind) => FileDialog::save_file()
                .title("Save chart as PNG or SVG (by the name's extension)")
                .default_filename(format!("{}.png", kind.file_stem())),
        }
        .initial_path(folder)
        .default_size([640.0, 480.0]);
        dialog.open();
        InAppDialog { purpose, dialog }
    }

    /// Draws the dialog.
    pub fn show(&mut self, ctx: &egui::Context) -> Outcome {
        self.dialog.show(ctx);
        if self.dialog.selected() {
            let paths = if self.dialog.has_multi_select() {
                self.dialog
                    .selection()
                    .into_iter()
                    .map(PathBuf::from)
                    .collect()
            } else {
                self.dialog.path().map(PathBuf::from).into_iter().collect()
            };
            return Outcome::Chosen(self.purpose, paths);
        }
        if self.dialog.visible() {
            Outcome::Open
        } else {
            Outcome::Cancelled
        }
    }
}
