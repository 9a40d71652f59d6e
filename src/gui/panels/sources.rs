//! The mailbox sources of the library tab: the form that adds or changes one,
//! and each source with its last sync, "Test", "Sync now" and removal; the
//! automatic sync's period.

use eframe::egui;

use super::thousands;
use crate::gui::LibraryFacts;
use crate::gui::command::Command;
use crate::gui::view::ViewState;
use crate::library::db::SourceRow;
use crate::sources::SourceSettings;

/// The periods offered for the automatic sync, in minutes (0: off).
const AUTO_SYNC: [u32; 5] = [0, 5, 15, 60, 240];

pub fn sources_ui(
    ui: &mut egui::Ui,
    facts: &LibraryFacts,
    view: &mut ViewState,
    auto_sync: u32,
) -> Option<Command> {
    let mut command = None;
    ui.heading(format!("Mailbox sources ({})", facts.mail_sources.len()));
    ui.weak(
        "IMAP folders, Maildirs and watched folders: each sync fetches only what is new. \
         Passwords typed here are kept until the app closes, never saved.",
    );
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                !facts.mail_sources.is_empty(),
                egui::Button::new("Sync all now"),
            )
            .clicked()
        {
            command = Some(Command::SyncSources(None));
        }
        ui.label("Sync automatically:");
        for minutes in AUTO_SYNC {
            let text = match minutes {
                0 => "off".to_string(),
                m if m % 60 == 0 => format!("every {} h", m / 60),
                m => format!("every {m} min"),
            };
            if ui.selectable_label(auto_sync == minutes, text).clicked() {
                command = Some(Command::SetAutoSync(minutes));
            }
        }
    });
    egui::Grid::new("mail_sources")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for header in ["Source", "Reports", "Last sync", ""] {
                ui.strong(header);
            }
            ui.end_row();
            for source in &facts.mail_sources {
                if let Some(c) = source_row_ui(ui, source, view) {
                    command = Some(c);
                }
                ui.end_row();
            }
        });
    for (id, said) in &view.source_tests {
        let Some(source) = facts.mail_sources.iter().find(|s| s.id == *id) else {
            continue;
        };
        match said {
            Ok(text) => ui.label(format!("Test of {}: {text}", source.location)),
            Err(e) => ui.colored_label(
                ui.visuals().error_fg_color,
                format!("Test of {} failed: {e}", source.location),
            ),
        };
    }
    ui.add_space(4.0);
    command.or_else(|| form_ui(ui, view))
}

fn source_row_ui(ui: &mut egui::Ui, source: &SourceRow, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.label(&source.location);
    ui.label(thousands(source.reports));
    let last = match (&source.synced_at, &source.last_result) {
        (Some(at), Some(result)) => {
            let when = chrono::DateTime::from_timestamp(*at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default();
            format!("{when} UTC: {result}")
        }
        _ => "never".into(),
    };
    if last.contains("error:") {
        ui.colored_label(ui.visuals().error_fg_color, last);
    } else {
        ui.label(last);
    }
    ui.horizontal(|ui| {
        if ui.button("Sync now").clicked() {
            command = Some(Command::SyncSources(Some(source.id)));
        }
        if ui.button("Test").clicked() {
            command = Some(Command::TestSource(source.id));
        }
        if ui.button("Edit").clicked() {
            let settings = SourceSettings::from_json(&source.location, source.settings.as_deref())
                .unwrap_or_default();
            view.source_form = crate::gui::SourceDraft {
                url: source.location.clone(),
                settings,
                password: String::new(),
            };
        }
        if view.confirm_remove == Some(source.id) {
            let text = format!("Remove its {} reports", thousands(source.reports));
            if ui.button(text).clicked() {
                command = Some(Command::RemoveSource(source.id, source.location.clone()));
            }
            if ui.button("Keep").clicked() {
                view.confirm_remove = None;
            }
        } else if ui.button("Remove…").clicked() {
            view.confirm_remove = Some(source.id);
        }
    });
    command
}

/// One labelled text field of the form.
fn field(ui: &mut egui::Ui, label: &str, text: &mut String, hint: &str, password: bool) {
    let name = ui.label(label);
    let edit = egui::TextEdit::singleline(text)
        .hint_text(hint)
        .password(password)
        .desired_width(420.0);
    ui.add(edit).labelled_by(name.id);
    ui.end_row();
}

/// An optional setting as a text field: empty is none.
fn optional(ui: &mut egui::Ui, label: &str, value: &mut Option<String>, hint: &str) {
    let mut text = value.clone().unwrap_or_default();
    field(ui, label, &mut text, hint, false);
    *value = (!text.trim().is_empty()).then(|| text.trim().to_string());
}

fn form_ui(ui: &mut egui::Ui, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    let form = &mut view.source_form;
    ui.strong("Add or change a source");
    egui::Grid::new("source_form")
        .num_columns(2)
        .show(ui, |ui| {
            field(
                ui,
                "Address",
                &mut form.url,
                "imaps://user%40example.com@mail.example.com/INBOX, maildir:PATH, watch:PATH",
                false,
            );
            field(
                ui,
                "Password",
                &mut form.password,
                "kept until the app closes",
                true,
            );
            optional(
                ui,
                "Password command",
                &mut form.settings.password_command,
                "pass show mail/tlsrpt",
            );
            optional(
                ui,
                "Token command (XOAUTH2)",
                &mut form.settings.token_command,
                "oama access user@example.com",
            );
            let mut ca = form
                .settings
                .ca_file
                .as_ref()
                .map(|p| p.display().to_string());
            optional(ui, "CA file (PEM)", &mut ca, "only for a private CA");
            form.settings.ca_file = ca.map(std::path::PathBuf::from);
            optional(
                ui,
                "Move imported to folder",
                &mut form.settings.move_to,
                "leave empty to change nothing on the server",
            );
        });
    if ui
        .add_enabled(
            !form.url.trim().is_empty(),
            egui::Button::new("Save source"),
        )
        .clicked()
    {
        let mut draft = form.clone();
        draft.url = draft.url.trim().to_string();
        command = Some(Command::AddSource(draft));
    }
    command
}
