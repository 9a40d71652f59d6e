//! The grouped table: one or two dimensions, sortable columns, a row opens its
//! failure details, and each detail leads to its report.

use std::sync::Arc;

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use super::{a_labels, percent, readable, thousands};
use crate::analysis::{Dimension, GroupTable, explain};
use crate::gui::command::Command;
use crate::gui::data::{Aggregates, MAX_DETAIL_LINES};
use crate::gui::view::{Sort, SortCache, ViewState};

const MEASURES: [(&str, &str); 7] = [
    ("Reports", "Distinct reports"),
    (
        "Successful",
        "Successful sessions (report summaries); a report's sessions under two policy types of one domain counted once",
    ),
    (
        "Failed",
        "Failed sessions (report summaries); a report's sessions under two policy types of one domain counted once",
    ),
    ("Success", "Success rate: successful / all sessions"),
    (
        "Failed (details)",
        "Failed sessions of the failure details under the filters: under a filter on result type, MX host or text, only the matching details; without one, it differs from Failed only where a report's own details disagree with its summary (Problems tab, conflicting copies; summary --format json, detail_mismatches)",
    ),
    ("Share", "Share of all failure-detail sessions in the table"),
    ("Days", "First and last UTC day of the group's reports"),
];

pub fn table_ui(ui: &mut egui::Ui, a: &Aggregates, view: &mut ViewState) -> Option<Command> {
    let mut command = grouping_ui(ui, view);
    if a.table.dimensions.contains(&Dimension::ResultType) {
        ui.weak("Hover a result type for what it means and what to fix.");
    }
    let order = sorted_rows(a, view);
    let details_height = if view.selected_group.is_some() {
        ui.available_height() * 0.45
    } else {
        0.0
    };
    let table_height = ui.available_height() - details_height;
    ui.allocate_ui(egui::vec2(ui.available_width(), table_height), |ui| {
        // Wide tables (two dimensions, long policy strings) scroll sideways.
        egui::ScrollArea::horizontal()
            .id_salt("group_table_scroll")
            .show(ui, |ui| {
                if let Some(c) = group_table_ui(ui, &a.table, order.as_deref(), view) {
                    command = Some(c);
                }
            });
    });
    if view.selected_group.is_some() {
        ui.separator();
        if let Some(c) = details_ui(ui, a, view) {
            command = Some(c);
        }
    }
    command
}

fn grouping_ui(ui: &mut egui::Ui, view: &ViewState) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.label("Group by");
        let first = view.grouping.first().copied();
        let second = view.grouping.get(1).copied();
        let mut chosen_first = first;
        let mut chosen_second = second;
        egui::ComboBox::from_id_salt("group_first")
            .selected_text(first.map_or("(total)", |d| d.title()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen_first, None, "(total)");
                for d in Dimension::ALL {
                    ui.selectable_value(&mut chosen_first, Some(d), d.title());
                }
            });
        ui.label("and");
        egui::ComboBox::from_id_salt("group_second")
            .selected_text(second.map_or("(nothing)", |d| d.title()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen_second, None, "(nothing)");
                for d in Dimension::ALL {
                    ui.selectable_value(&mut chosen_second, Some(d), d.title());
                }
            });
        if chosen_first != first || chosen_second != second {
            let grouping: Vec<Dimension> = chosen_first.into_iter().chain(chosen_second).collect();
            command = Some(Command::SetGrouping(grouping));
        }
    });
    command
}

/// The row order for the current sort (`None`: the table's own order), computed
/// once per aggregate and sort.
fn sorted_rows(a: &Aggregates, view: &mut ViewState) -> Option<Arc<[usize]>> {
    let sort = view.sort?;
    if let Some(cache) = &view.sort_cache
        && cache.sort == sort
        && cache.data_version == a.data_version
        && cache.query == a.query
    {
        return Some(cache.order.clone());
    }
    let table = &a.table;
    let keys = table.key_columns().len();
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    order.sort_by(|&x, &y| {
        let (rx, ry) = (&table.rows[x], &table.rows[y]);
        let ordering = if sort.column < keys {
            rx.labels[sort.column].cmp(&ry.labels[sort.column])
        } else {
            let value = |r: &crate::analysis::GroupRow| measure_value(table, r, sort.column - keys);
            value(rx).total_cmp(&value(ry))
        };
        if sort.descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let order: Arc<[usize]> = order.into();
    view.sort_cache = Some(SortCache {
        sort,
        data_version: a.data_version,
        query: a.query.clone(),
        order: order.clone(),
    });
    Some(order)
}

fn measure_value(table: &GroupTable, row: &crate::analysis::GroupRow, index: usize) -> f64 {
    let m = &row.measures;
    match index {
        0 => m.reports as f64,
        1 => m.distinct_successful_sessions as f64,
        2 => m.distinct_failed_sessions as f64,
        3 => distinct_rate(m).unwrap_or(-1.0),
        4 => m.detail_failed_sessions as f64,
        5 => table.detail_share(row).unwrap_or(0.0),
        _ => m.first_day as f64,
    }
}

/// Successful over all sessions, counted once.
fn distinct_rate(m: &crate::analysis::Measures) -> Option<f64> {
    let all = m.distinct_total_sessions();
    (all > 0).then(|| m.distinct_successful_sessions as f64 / all as f64)
}

/// A column title with its sort arrow, on one line.
fn sort_title(title: &str, sort: Option<Sort>, index: usize) -> String {
    match sort {
        Some(s) if s.column == index && s.descending => format!("{title} ⬇"),
        Some(s) if s.column == index => format!("{title} ⬆"),
        _ => title.to_string(),
    }
}

fn group_table_ui(
    ui: &mut egui::Ui,
    table: &GroupTable,
    order: Option<&[usize]>,
    view: &mut ViewState,
) -> Option<Command> {
    let mut command = None;
    let key_columns = table.key_columns();
    let dimensions = label_dimensions(table);
    let sessions = table.has_session_counts();
    let mut builder = TableBuilder::new(ui)
        .id_salt("group_table")
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click());
    for _ in &key_columns {
        builder = builder.column(Column::initial(200.0).at_least(60.0).clip(true));
    }
    builder = builder.columns(Column::auto().at_least(70.0), MEASURES.len() - 1);
    builder = builder.column(Column::auto().at_least(190.0));
    builder
        .header(22.0, |mut header| {
            let titles = key_columns.iter().map(|c| (*c, "")).chain(MEASURES);
            for (index, (title, hint)) in titles.enumerate() {
                header.col(|ui| {
                    let text = egui::RichText::new(sort_title(title, view.sort, index));
                    let mut response =
                        ui.add(egui::Button::new(text).wrap_mode(egui::TextWrapMode::Extend));
                    if !hint.is_empty() {
                        response = response.on_hover_text(hint);
                    }
                    if response.clicked() {
                        let descending =
                            !matches!(view.sort, Some(s) if s.column == index && s.descending);
                        view.sort = Some(Sort {
                            column: index,
                            descending,
                        });
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, table.rows.len(), |mut row| {
                let index = order.map_or(row.index(), |order| order[row.index()]);
                let group = &table.rows[index];
                let selected = view.selected_group.as_ref() == Some(&group.keys);
                row.set_selected(selected);
                for (label, &dimension) in group.labels.iter().zip(&dimensions) {
                    row.col(|ui| {
                        let text = if label.is_empty() {
                            "(none)".to_string()
                        } else {
                            readable(label).replace('\n', "; ")
                        };
                        // Not selectable, so that a click selects the row.
                        let response = ui.add(egui::Label::new(text).selectable(false).truncate());
                        if dimension == Dimension::ResultType {
                            let e = explain(label);
                            response.on_hover_text(format!(
                                "{}\n\nWhat to check: {}",
                                e.meaning, e.fix
                            ));
                        } else if dimension == Dimension::PolicyVersion {
                            response.on_hover_text(label.as_str());
                        } else if let Some(a_labels) = a_labels(label) {
                            response.on_hover_text(a_labels);
                        }
                    });
                }
                let m = &group.measures;
                let count = |n: crate::report::SessionSum| {
                    if sessions { thousands(n) } else { "–".into() }
                };
                let cells = [
                    thousands(m.reports),
                    count(m.distinct_successful_sessions),
                    count(m.distinct_failed_sessions),
                    if sessions {
                        percent(distinct_rate(m))
                    } else {
                        "–".into()
                    },
                    thousands(m.detail_failed_sessions),
                    percent(table.detail_share(group)),
                    match (m.first_date(), m.last_date()) {
                        (Some(f), Some(l)) if f == l => f.to_string(),
                        (Some(f), Some(l)) => format!("{f} – {l}"),
                        _ => String::new(),
                    },
                ];
                for cell in cells {
                    row.col(|ui| {
                        ui.add(egui::Label::new(cell).selectable(false).truncate());
                    });
                }
                if row.response().clicked() {
                    command = Some(Command::SelectGroup(if selected {
                        None
                    } else {
                        Some(group.keys.clone())
                    }));
                }
            });
        });
    command
}

/// The dimension of each label column.
fn label_dimensions(table: &GroupTable) -> Vec<Dimension> {
    table
        .dimensions
        .iter()
        .flat_map(|d| std::iter::repeat_n(*d, d.columns().len()))
        .collect()
}

/// A failure detail's "additional-information": a link when it is an http(s) URI,
/// else text (a report's `javascript:` or `file:` URI is never opened).
fn information_ui(ui: &mut egui::Ui, text: &str) {
    match crate::report::web_link(text) {
        Some(url) => {
            ui.add(egui::Hyperlink::from_label_and_url(url, url));
        }
        None => {
            let label = ui.add(egui::Label::new(text).truncate());
            if !text.is_empty() {
                label.on_hover_text(text);
            }
        }
    }
}

/// The text a details column sorts by.
fn detail_key(d: &crate::gui::data::DetailLine, column: usize) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match column {
        1 => Cow::Borrowed(&d.day),
        2 => Cow::Borrowed(&d.organization),
        3 => Cow::Borrowed(&d.policy_domain),
        4 => Cow::Borrowed(&d.result_type),
        5 => Cow::Borrowed(&d.sending_mta_ip),
        6 => Cow::Borrowed(&d.receiving_ip),
        7 => Cow::Borrowed(&d.receiving_mx_hostname),
        8 => Cow::Owned(format!("{:020}", d.failed_session_count)),
        9 => Cow::Borrowed(&d.failure_reason_code),
        _ => Cow::Borrowed(&d.additional_information),
    }
}

/// The detail lines in the order of `sort` (a click on a column title).
fn sorted_details(a: &Aggregates, sort: Option<Sort>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.details.len()).collect();
    if let Some(sort) = sort {
        order.sort_by(|&x, &y| {
            let ordering =
                detail_key(&a.details[x], sort.column).cmp(&detail_key(&a.details[y], sort.column));
            if sort.descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    order
}

fn details_ui(ui: &mut egui::Ui, a: &Aggregates, view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    ui.horizontal(|ui| {
        ui.strong(format!(
            "Failure details of the selected row: {}",
            thousands(a.details_total as u64)
        ));
        if a.details_total > MAX_DETAIL_LINES {
            ui.weak(format!("(first {MAX_DETAIL_LINES} shown; export for all)"));
        }
        if ui.button("Close details").clicked() {
            command = Some(Command::SelectGroup(None));
        }
    });
    if a.details.is_empty() {
        ui.weak(
            "No failure details: the reports in this row had no failures (or gave no details).",
        );
        return command;
    }
    let titles = [
        "",
        "Day",
        "Organization",
        "Policy domain",
        "Result type",
        "Sending IP",
        "Receiving IP",
        "MX host",
        "Sessions",
        "Reason",
        "Information",
    ];
    let widths = [
        64.0, 80.0, 120.0, 120.0, 170.0, 95.0, 95.0, 120.0, 60.0, 160.0,
    ];
    let order = sorted_details(a, view.details_sort);
    let mut builder = TableBuilder::new(ui)
        .id_salt("details_table")
        .striped(true)
        .resizable(true);
    for width in widths {
        builder = builder.column(Column::initial(width).at_least(40.0).clip(true));
    }
    builder
        .column(Column::remainder().at_least(80.0).clip(true))
        .header(22.0, |mut header| {
            for (index, title) in titles.into_iter().enumerate() {
                header.col(|ui| {
                    if index == 0 {
                        return;
                    }
                    let text = egui::RichText::new(sort_title(title, view.details_sort, index));
                    if ui
                        .add(egui::Button::new(text).wrap_mode(egui::TextWrapMode::Extend))
                        .on_hover_text("Sort by this column")
                        .clicked()
                    {
                        let descending = !matches!(view.details_sort, Some(s) if s.column == index && s.descending);
                        view.details_sort = Some(Sort {
                            column: index,
                            descending,
                        });
                    }
                });
            }
        })
        .body(|body| {
            body.rows(22.0, order.len(), |mut row| {
                let d = &a.details[order[row.index()]];
                row.col(|ui| {
                    if ui
                        .small_button("Report")
                        .on_hover_text("Open the report of this failure detail")
                        .clicked()
                    {
                        command = Some(Command::OpenReport(d.store_index));
                    }
                });
                let cells = [
                    d.day.as_str(),
                    d.organization.as_str(),
                    d.policy_domain.as_str(),
                    d.result_type.as_str(),
                    d.sending_mta_ip.as_str(),
                    d.receiving_ip.as_str(),
                    d.receiving_mx_hostname.as_str(),
                ];
                for cell in cells {
                    row.col(|ui| {
                        let response = ui.add(egui::Label::new(cell).truncate());
                        if cell == d.result_type {
                            response.on_hover_text(explain(cell).meaning);
                        }
                    });
                }
                row.col(|ui| {
                    ui.label(thousands(d.failed_session_count));
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&d.failure_reason_code).truncate())
                        .on_hover_text(&d.failure_reason_code);
                });
                row.col(|ui| information_ui(ui, &d.additional_information));
            });
        });
    command
}
