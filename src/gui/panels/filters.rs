//! The filter side panel: date range, values of each field with their counts,
//! free-text search, and one click to reset.

use chrono::NaiveDate;
use eframe::egui;

use super::{PanelData, thousands};
use crate::gui::command::Command;
use crate::gui::data::Facet;
use crate::gui::view::ViewState;

/// Values listed per field before "show more" would be needed; the search box
/// narrows longer lists.
const MAX_VALUES: usize = 60;

pub fn filters_ui(ui: &mut egui::Ui, data: &PanelData, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.heading("Filters");
        let active = !view.filter.is_empty();
        if ui
            .add_enabled(active, egui::Button::new("Reset filters"))
            .on_hover_text("Remove every filter")
            .clicked()
        {
            command = Some(Command::ResetFilter);
        }
    });
    command = command.or(search_ui(ui, view));
    command = command.or(dates_ui(ui, view));
    ui.add(
        egui::TextEdit::singleline(&mut view.facet_search)
            .hint_text("Find a value in the lists below"),
    );
    let Some(aggregates) = data.aggregates else {
        return command;
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        for facet in Facet::ALL {
            if let Some(c) = facet_ui(ui, facet, aggregates.facet(facet), view) {
                command = Some(c);
            }
        }
    });
    command
}

fn search_ui(ui: &mut egui::Ui, view: &mut ViewState) -> Option<Command> {
    let mut text = view.filter.text.clone();
    let response = ui.add(
        egui::TextEdit::singleline(&mut text)
            .hint_text("Search every text column (Ctrl+F)")
            .id_salt("search"),
    );
    if view.focus_search {
        response.request_focus();
        view.focus_search = false;
    }
    (text != view.filter.text).then(|| {
        let mut filter = view.filter.clone();
        filter.text = text;
        Command::SetFilter(filter)
    })
}

fn dates_ui(ui: &mut egui::Ui, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.label("From");
        let from = ui.add(
            egui::TextEdit::singleline(&mut view.from_text)
                .desired_width(86.0)
                .hint_text("YYYY-MM-DD"),
        );
        ui.label("to");
        let to = ui.add(
            egui::TextEdit::singleline(&mut view.to_text)
                .desired_width(86.0)
                .hint_text("YYYY-MM-DD"),
        );
        if from.changed() || to.changed() {
            let parse = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
            let (from_ok, to_ok) = (
                view.from_text.trim().is_empty() || parse(&view.from_text).is_some(),
                view.to_text.trim().is_empty() || parse(&view.to_text).is_some(),
            );
            if from_ok && to_ok {
                let mut filter = view.filter.clone();
                filter.from = parse(&view.from_text);
                filter.to = parse(&view.to_text);
                command = Some(Command::SetFilter(filter));
            }
        }
    })
    .response
    .on_hover_text("UTC days of the reports' start, inclusive");
    command
}

fn facet_ui(
    ui: &mut egui::Ui,
    facet: Facet,
    values: &[crate::gui::data::FacetValue],
    view: &ViewState,
) -> Option<Command> {
    let mut command = None;
    let selected = facet.selected(&view.filter);
    let title = if selected.is_empty() {
        facet.title().to_string()
    } else {
        format!("{} ({} selected)", facet.title(), selected.len())
    };
    let unit = match facet {
        Facet::ResultType | Facet::MxHost => "failed sessions in failure details",
        _ => "reports",
    };
    egui::CollapsingHeader::new(title)
        .id_salt(facet.title())
        .default_open(!matches!(facet, Facet::MxHost))
        .show(ui, |ui| {
            let needle = view.facet_search.to_lowercase();
            let matching = values
                .iter()
                .filter(|v| needle.is_empty() || v.value.to_lowercase().contains(&needle));
            for (shown, value) in matching.enumerate() {
                if shown == MAX_VALUES {
                    ui.weak(format!(
                        "… narrow the list with the search box ({} more)",
                        values.len() - shown
                    ));
                    break;
                }
                let mut checked = selected.contains(&value.value);
                let label = if value.value.is_empty() {
                    "(none)"
                } else {
                    value.value.as_str()
                };
                let text = format!("{label}  {}", thousands(value.count));
                let response = ui
                    .checkbox(&mut checked, text)
                    .on_hover_text(format!("{} {unit}", value.count));
                if response.changed() {
                    command = Some(Command::ToggleFacet(facet, value.value.clone()));
                }
            }
            // Selected values with no rows left under the other filters stay visible.
            for value in selected
                .iter()
                .filter(|s| !values.iter().any(|v| &v.value == *s))
            {
                let mut checked = true;
                if ui.checkbox(&mut checked, format!("{value}  0")).changed() {
                    command = Some(Command::ToggleFacet(facet, value.clone()));
                }
            }
            if values.is_empty() {
                ui.weak("none");
            }
        });
    command
}
