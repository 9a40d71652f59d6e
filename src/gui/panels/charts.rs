//! Interactive charts (egui_plot): hover shows exact numbers, drag and scroll pan
//! and zoom, double-click resets, and a click on a bar or a line filters on it.

use eframe::egui;
use egui_plot::{
    AxisHints, Bar, BarChart, GridInput, GridMark, HoverPosition, ItemId, Legend, Line, Plot,
    PlotPoints,
};

use super::thousands;
use crate::analysis::{Chart, ChartData, ChartKind, explain};
use crate::gui::command::Command;
use crate::gui::data::Aggregates;
use crate::gui::view::ViewState;

const COLORS: [egui::Color32; 8] = [
    egui::Color32::from_rgb(46, 160, 67),
    egui::Color32::from_rgb(220, 50, 47),
    egui::Color32::from_rgb(38, 139, 210),
    egui::Color32::from_rgb(239, 108, 0),
    egui::Color32::from_rgb(108, 113, 196),
    egui::Color32::from_rgb(42, 161, 152),
    egui::Color32::from_rgb(181, 137, 0),
    egui::Color32::from_rgb(133, 153, 0),
];

pub fn charts_ui(ui: &mut egui::Ui, a: &Aggregates, _view: &mut ViewState) -> Option<Command> {
    let mut command = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for chart in &a.charts {
            ui.horizontal(|ui| {
                ui.heading(&chart.title);
                if ui
                    .button("Save image…")
                    .on_hover_text("Save this chart as PNG or SVG")
                    .clicked()
                {
                    command = Some(Command::ExportChart(chart.kind));
                }
            });
            if let Some(hint) = hint(chart.kind) {
                ui.weak(hint);
            }
            if let Some(c) = chart_ui(ui, chart) {
                command = Some(c);
            }
            ui.add_space(12.0);
        }
    });
    command
}

fn hint(kind: ChartKind) -> Option<&'static str> {
    match kind {
        ChartKind::DailySessions => {
            Some("Days without any report are left empty: no report is not the same as no traffic.")
        }
        ChartKind::ByResultType | ChartKind::ByOrganization | ChartKind::ByMxHost => {
            Some("Click a bar to filter on it.")
        }
        ChartKind::DomainSuccessRate => {
            Some("Click a line to filter on its domain; a gap means no report that day.")
        }
        ChartKind::PolicyVersions => Some(
            "Which policy each sender applied: after a change, the old version fades out as caches expire.",
        ),
    }
}

/// Draws one chart; returns a filter command when a bar or line is clicked.
pub fn chart_ui(ui: &mut egui::Ui, chart: &Chart) -> Option<Command> {
    let id = chart.kind.file_stem();
    match &chart.data {
        ChartData::DailyBars { days, series } => {
            let labels: Vec<String> = days.iter().map(|d| d.to_string()).collect();
            let mut charts: Vec<BarChart> = Vec::new();
            for (i, s) in series.iter().enumerate() {
                let bars: Vec<Bar> = s
                    .values
                    .iter()
                    .enumerate()
                    .filter_map(|(x, v)| {
                        v.map(|v| Bar::new(x as f64, v).name(&labels[x]).width(0.8))
                    })
                    .collect();
                let refs: Vec<&BarChart> = charts.iter().collect();
                let series_name = s.name.clone();
                let chart = BarChart::new(s.name.clone(), bars)
                    .color(COLORS[i % COLORS.len()])
                    .element_formatter(Box::new(move |bar, _| {
                        format!(
                            "{}\n{series_name}: {}",
                            bar.name,
                            thousands(bar.value as u64)
                        )
                    }))
                    .stack_on(&refs);
                charts.push(chart);
            }
            let axis_labels = labels.clone();
            Plot::new(id)
                .height(240.0)
                .legend(Legend::default())
                .x_axis_formatter(move |mark, _| day_of(&axis_labels, mark.value))
                .y_axis_label(&chart.y_label)
                .show(ui, |plot| {
                    for chart in charts {
                        plot.bar_chart(chart);
                    }
                });
            None
        }
        ChartData::CategoryBars { categories, series } => {
            category_chart(ui, chart, id, categories, series)
        }
        ChartData::DailyLines {
            days,
            lines,
            percent,
        } => lines_chart(ui, chart, id, days, lines, *percent),
    }
}

fn day_of(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

fn category_chart(
    ui: &mut egui::Ui,
    chart: &Chart,
    id: &str,
    categories: &[String],
    series: &[crate::analysis::Series<f64>],
) -> Option<Command> {
    let names: Vec<String> = categories
        .iter()
        .map(|c| {
            if c.is_empty() {
                "(none)".to_string()
            } else {
                c.clone()
            }
        })
        .collect();
    let mut charts: Vec<BarChart> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let bars: Vec<Bar> = s
            .values
            .iter()
            .enumerate()
            .map(|(y, v)| {
                Bar::new(y as f64, *v)
                    .name(&names[y])
                    .width(0.7)
                    .horizontal()
            })
            .collect();
        let refs: Vec<&BarChart> = charts.iter().collect();
        let kind = chart.kind;
        let series_name = s.name.clone();
        // A single series of failures is drawn in the failure colour.
        let colour = if series.len() == 1 {
            COLORS[1]
        } else {
            COLORS[i % COLORS.len()]
        };
        let bar_chart = BarChart::new(s.name.clone(), bars)
            .color(colour)
            .horizontal()
            .element_formatter(Box::new(move |bar, _| {
                let mut text = format!(
                    "{}\n{series_name}: {}",
                    bar.name,
                    thousands(bar.value as u64)
                );
                if kind == ChartKind::ByResultType {
                    text.push_str("\n\n");
                    text.push_str(explain(&bar.name).meaning);
                }
                text
            }))
            .stack_on(&refs);
        charts.push(bar_chart);
    }
    let axis_names = names.clone();
    let response = Plot::new(id)
        .height((names.len() as f32 * 28.0 + 60.0).clamp(160.0, 640.0))
        .legend(Legend::default())
        .custom_y_axes(vec![
            AxisHints::new_y()
                .formatter(move |mark, _| day_of(&axis_names, mark.value))
                .label_spacing(8.0..=12.0)
                .min_thickness(190.0),
        ])
        .y_grid_spacer(every_category)
        .x_axis_label(&chart.y_label)
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
            plot.pointer_coordinate()
        });
    let clicked = response.response.clicked();
    let dimension = chart.kind.filter_dimension()?;
    let point = response.inner?;
    if !clicked {
        return None;
    }
    let index = point.y.round();
    let within = (point.y - index).abs() < 0.4 && index >= 0.0;
    let category = categories.get(index as usize).filter(|_| within)?;
    Some(Command::FilterTo(dimension, category.clone()))
}

fn lines_chart(
    ui: &mut egui::Ui,
    chart: &Chart,
    id: &str,
    days: &[chrono::NaiveDate],
    lines: &[crate::analysis::Series<Option<f64>>],
    percent: bool,
) -> Option<Command> {
    let labels: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    let axis_labels = labels.clone();
    let hover_labels = labels.clone();
    let response = Plot::new(id)
        .height(260.0)
        .legend(Legend::default())
        .x_axis_formatter(move |mark, _| day_of(&axis_labels, mark.value))
        .y_axis_label(&chart.y_label)
        .label_formatter(move |pos| {
            let HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } = pos
            else {
                return None;
            };
            let day = day_of(&hover_labels, position.x.round());
            let value = if percent {
                format!("{:.2} %", position.y * 100.0)
            } else {
                thousands(position.y as u64)
            };
            Some(format!("{plot_name}\n{day}: {value}"))
        })
        .show(ui, |plot| {
            for (i, line) in lines.iter().enumerate() {
                let color = COLORS[i % COLORS.len()];
                // One line per run of days with reports: gaps stay gaps.
                for (segment_index, segment) in segments(&line.values).into_iter().enumerate() {
                    let points: PlotPoints = segment.into_iter().collect();
                    let mut item = Line::new(line.name.clone(), points).color(color).width(2.0);
                    item = item.id(ItemId::new((line.name.as_str(), segment_index)));
                    plot.line(item);
                }
            }
        });
    if !response.response.clicked() {
        return None;
    }
    let dimension = chart.kind.filter_dimension()?;
    let hovered = response.hovered_plot_item?;
    let line = lines
        .iter()
        .find(|line| (0..days.len()).any(|s| ItemId::new((line.name.as_str(), s)) == hovered))?;
    let value = if line.name == "(none)" {
        String::new()
    } else {
        line.name.clone()
    };
    Some(Command::FilterTo(dimension, value))
}

fn segments(values: &[Option<f64>]) -> Vec<Vec<[f64; 2]>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push([i as f64, *v]),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// One grid mark (and so one label) per category of a bar chart.
fn every_category(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    let first = low.ceil().max(0.0) as i64;
    let last = high.floor() as i64;
    (first..=last)
        .map(|i| GridMark {
            value: i as f64,
            step_size: 1.0,
        })
        .collect()
}
