//! The filter side panel: date range, values of each field with their counts,
//! free-text search, and one click to reset.

use chrono::NaiveDate;
use eframe::egui;

use super::{PanelData, a_labels, readable, thousands};
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
    command = command.or(quick_ranges_ui(ui, data.inventory.last_day, view));
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
    let parse = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
    let valid = |t: &str| t.trim().is_empty() || parse(t).is_some();
    let error = ui.visuals().error_fg_color;
    ui.horizontal(|ui| {
        ui.label("From");
        let date_field = |ui: &mut egui::Ui, text: &mut String| {
            let ok = valid(text);
            let mut field = egui::TextEdit::singleline(text)
                .desired_width(86.0)
                .hint_text("YYYY-MM-DD");
            if !ok {
                field = field.text_color(error);
            }
            ui.add(field)
        };
        let from = date_field(ui, &mut view.from_text);
        ui.label("to");
        let to = date_field(ui, &mut view.to_text);
        if (from.changed() || to.changed()) && valid(&view.from_text) && valid(&view.to_text) {
            let mut filter = view.filter.clone();
            filter.from = parse(&view.from_text);
            filter.to = parse(&view.to_text);
            command = Some(Command::SetFilter(filter));
        }
    })
    .response
    .on_hover_text("UTC days of the reports' start, inclusive");
    for (name, text) in [("From", &view.from_text), ("To", &view.to_text)] {
        if !valid(text) {
            ui.colored_label(
                error,
                format!(
                    "{name}: \"{}\" is not a date; write YYYY-MM-DD, e.g. 2026-08-01",
                    text.trim()
                ),
            );
        }
    }
    command
}

/// The last 7, 30 or 90 days of the data (ending on its last report day), or all.
fn quick_ranges_ui(
    ui: &mut egui::Ui,
    last_day: Option<NaiveDate>,
    view: &mut ViewState,
) -> Option<Command> {
    let last = last_day?;
    let mut command = None;
    ui.horizontal(|ui| {
        for days in [7, 30, 90] {
            let from = last - chrono::Duration::days(days - 1);
            let on = view.filter.from == Some(from) && view.filter.to == Some(last);
            if ui
                .selectable_label(on, format!("{days} days"))
                .on_hover_text(format!("{from} to {last}, the last {days} days with data"))
                .clicked()
            {
                command = Some(date_range(view, Some(from), Some(last)));
            }
        }
        let all = view.filter.from.is_none() && view.filter.to.is_none();
        if ui.selectable_label(all, "All").clicked() {
            command = Some(date_range(view, None, None));
        }
    });
    command
}

fn date_range(view: &mut ViewState, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Command {
    let text = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view.from_text = text(from);
    view.to_text = text(to);
    let mut filter = view.filter.clone();
    filter.from = from;
    filter.to = to;
    Command::SetFilter(filter)
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
                    "(none)".into()
                } else {
                    readable(&value.value)
                };
                let text = format!("{label}  {}", thousands(value.count));
                let mut hover = format!("{} {unit}", thousands(value.count));
                if let Some(a_labels) = a_labels(&value.value) {
                    hover = format!("{a_labels}\n{hover}");
                }
                if !value.spellings.is_empty() {
                    hover = format!("{hover}\nAlso written: {}", value.spellings.join(", "));
                }
                let response = ui.checkbox(&mut checked, text).on_hover_text(hover);
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
