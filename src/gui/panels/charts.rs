//! Interactive charts (egui_plot). Failures first, on an axis of their own.
//!
//! Interaction that holds: the mouse wheel scrolls the page (Ctrl + wheel zooms a
//! time chart, drag pans it); a plot fits its data whenever the data or the
//! filters change unless the user zoomed it, and then shows "Reset zoom"; a
//! double-click resets and filters nothing (a click waits out the double-click
//! time); a click on a bar, a line or a legend entry filters on it. Legends are
//! drawn below the plots, never over the data, and hover shows every value of the
//! bucket in a tooltip that stays inside the window.

use eframe::egui;
use egui_plot::{
    AxisHints, Bar, BarChart, GridInput, GridMark, HLine, Line, LineStyle, Plot, PlotPoint,
    PlotPoints,
};

use super::{a_labels, readable, thousands};
use crate::analysis::{Chart, ChartData, ChartKind, ChartOptions, Dimension, Series, explain};
use crate::gui::command::Command;
use crate::gui::data::Aggregates;
use crate::gui::view::ViewState;

const COLORS: [egui::Color32; 8] = [
    egui::Color32::from_rgb(220, 50, 47),
    egui::Color32::from_rgb(38, 139, 210),
    egui::Color32::from_rgb(239, 108, 0),
    egui::Color32::from_rgb(108, 113, 196),
    egui::Color32::from_rgb(42, 161, 152),
    egui::Color32::from_rgb(181, 137, 0),
    egui::Color32::from_rgb(211, 54, 130),
    egui::Color32::from_rgb(120, 120, 120),
];
const SUCCESS: egui::Color32 = egui::Color32::from_rgb(46, 160, 67);
const FAILURE: egui::Color32 = egui::Color32::from_rgb(220, 50, 47);

/// Line charts with more lines than this are drawn one small chart per line.
const SMALL_MULTIPLES_FROM: usize = 5;

pub fn charts_ui(ui: &mut egui::Ui, a: &Aggregates, view: &mut ViewState) -> Option<Command> {
    let mut command = pending_click(ui, view);
    egui::ScrollArea::vertical().show(ui, |ui| {
        for chart in &a.charts {
            let plot_id = egui::Id::unique(("chart", chart.kind.file_stem()));
            let zoomed = is_zoomed(ui.ctx(), plot_id, chart);
            ui.horizontal(|ui| {
                ui.heading(&chart.title);
                if ui
                    .button("Save image…")
                    .on_hover_text("Save this chart as PNG or SVG")
                    .clicked()
                {
                    command = Some(Command::ExportChart(chart.kind));
                }
                if zoomed && ui.button("Reset zoom").clicked() {
                    view.reset_plots.push(plot_id);
                }
                if chart.kind == ChartKind::Failures
                    && let Some(c) = stack_choice_ui(ui, &view.chart_options)
                {
                    command = Some(c);
                }
            });
            ui.weak(hint(chart));
            let reset = take_reset(view, plot_id);
            let clicked = chart_ui(ui, chart, &a.query.charts, plot_id, reset);
            match clicked {
                Clicked::Filter(c) => view.pending_click = Some((now(ui), c)),
                Clicked::Double => view.pending_click = None,
                Clicked::Now(c) => command = Some(c),
                Clicked::Nothing => {}
            }
            ui.add_space(14.0);
        }
    });
    command
}

/// What a click on a chart asks for.
enum Clicked {
    Nothing,
    /// A click on a bar or line: filter, once no second click follows.
    Filter(Command),
    /// A legend entry or a bar of a plot that does not reset on double-click:
    /// filter at once.
    Now(Command),
    /// A double-click: the plot resets itself; a pending click is dropped.
    Double,
}

fn now(ui: &egui::Ui) -> f64 {
    ui.input(|i| i.time)
}

/// The click waiting for the double-click time to pass, once it has.
fn pending_click(ui: &egui::Ui, view: &mut ViewState) -> Option<Command> {
    let (at, _) = view.pending_click.as_ref()?;
    let delay = ui.ctx().options(|o| o.input_options.max_double_click_delay);
    let waited = now(ui) - at;
    if waited < delay {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(delay - waited + 0.01));
        return None;
    }
    view.pending_click.take().map(|(_, command)| command)
}

fn take_reset(view: &mut ViewState, id: egui::Id) -> bool {
    let before = view.reset_plots.len();
    view.reset_plots.retain(|&p| p != id);
    view.reset_plots.len() != before
}

/// Whether the user zoomed or panned the plot away from its data.
fn is_zoomed(ctx: &egui::Context, id: egui::Id, chart: &Chart) -> bool {
    if small_multiples(chart) {
        return false;
    }
    egui_plot::PlotMemory::load(ctx, id).is_some_and(|m| !m.auto_bounds.all())
}

fn stack_choice_ui(ui: &mut egui::Ui, options: &ChartOptions) -> Option<Command> {
    let mut command = None;
    ui.separator();
    ui.label("by");
    for by in ChartOptions::FAILURES_BY {
        let title = match by {
            Dimension::Organization => "Sender",
            other => other.title(),
        };
        if ui
            .selectable_label(options.failures_by == by, title)
            .clicked()
        {
            command = Some(Command::SetChartOptions(ChartOptions { failures_by: by }));
        }
    }
    command
}

fn hint(chart: &Chart) -> &'static str {
    match chart.kind {
        ChartKind::Failures => {
            "Failed sessions only, on their own axis. Click a bar or a legend entry to filter on it; Ctrl + wheel zooms."
        }
        ChartKind::FailureRate => {
            "Dashed lines: the NCSC grades (under 10 % failed: info; 50 % and more: error). Click a line or a domain to filter on it."
        }
        ChartKind::Sessions => {
            "Successful and failed sessions; a bucket without any report is left empty: no report is not the same as no traffic."
        }
        ChartKind::ByResultType | ChartKind::ByOrganization | ChartKind::ByMxHost => {
            "Click a bar to filter on it."
        }
        ChartKind::PolicyVersions => {
            "Which policy each sender applied: after a change, the old version fades out as caches expire. Hover an entry for the whole policy."
        }
    }
}

/// Draws one chart.
fn chart_ui(
    ui: &mut egui::Ui,
    chart: &Chart,
    options: &ChartOptions,
    id: egui::Id,
    reset: bool,
) -> Clicked {
    let dimension = chart.kind.filter_dimension(options);
    let labels = chart.data.bucket_labels();
    match &chart.data {
        ChartData::TimeBars { series, .. } => {
            let clicked = time_bars(ui, chart, id, reset, &labels, series, dimension);
            let legend = legend_ui(ui, series, dimension, &colors_of(chart, series.len()));
            legend.map_or(clicked, Clicked::Now)
        }
        ChartData::CategoryBars { categories, series } => {
            category_bars(ui, chart, id, reset, categories, series, dimension)
        }
        ChartData::TimeLines {
            lines,
            percent,
            bands,
            ..
        } => {
            if small_multiples(chart) {
                return small_multiples_ui(ui, chart, &labels, lines, bands, dimension);
            }
            let colors = colors_of(chart, lines.len());
            let shape = LineShape {
                percent: *percent,
                bands,
                colors: &colors,
            };
            let clicked = time_lines(ui, chart, id, reset, &labels, lines, &shape, dimension);
            let legend = legend_ui(ui, lines, dimension, &colors);
            legend.map_or(clicked, Clicked::Now)
        }
    }
}

fn small_multiples(chart: &Chart) -> bool {
    matches!(&chart.data, ChartData::TimeLines { lines, percent: true, .. } if lines.len() >= SMALL_MULTIPLES_FROM)
}

fn colors_of(chart: &Chart, n: usize) -> Vec<egui::Color32> {
    if chart.kind == ChartKind::Sessions {
        return vec![SUCCESS, FAILURE];
    }
    (0..n).map(|i| COLORS[i % COLORS.len()]).collect()
}

fn filter_on<T>(dimension: Option<Dimension>, series: &Series<T>) -> Option<Command> {
    let dimension = dimension?;
    if series.name.ends_with(" others") && series.value.is_empty() {
        return None;
    }
    Some(Command::FilterTo(dimension, series.value.clone()))
}

/// The shared settings of every plot: no page scroll taken, zoom with Ctrl + wheel.
fn plot<'a>(id: egui::Id, height: f32, reset: bool) -> Plot<'a> {
    let plot = Plot::new(id)
        .id(id)
        .height(height)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_x(false)
        .show_y(false)
        .y_axis_formatter(|mark, _| axis_number(mark.value));
    if reset { plot.reset() } else { plot }
}

fn axis_number(value: f64) -> String {
    if value < 0.0 || value.fract().abs() > 1e-9 {
        return String::new();
    }
    thousands(value as u64)
}

fn bucket_of(labels: &[String], x: f64) -> Option<usize> {
    let i = x.round();
    (i >= 0.0 && (x - i).abs() <= 0.5 && (i as usize) < labels.len()).then_some(i as usize)
}

fn bucket_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 {
        return String::new();
    }
    bucket_of(labels, x)
        .map(|i| labels[i].clone())
        .unwrap_or_default()
}

/// Stacked bars per time bucket. A click on a segment filters on its series.
fn time_bars(
    ui: &mut egui::Ui,
    chart: &Chart,
    id: egui::Id,
    reset: bool,
    labels: &[String],
    series: &[Series<Option<f64>>],
    dimension: Option<Dimension>,
) -> Clicked {
    let colors = colors_of(chart, series.len());
    let mut charts: Vec<BarChart> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let bars: Vec<Bar> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(x, v)| {
                v.map(|v| {
                    Bar::new(x as f64, v)
                        .width(0.8)
                        .fill(colors[i].gamma_multiply(0.85))
                })
            })
            .collect();
        let refs: Vec<&BarChart> = charts.iter().collect();
        let bar_chart = BarChart::new(s.name.clone(), bars)
            .color(colors[i])
            .allow_hover(false)
            .stack_on(&refs);
        charts.push(bar_chart);
    }
    let axis_labels = labels.to_vec();
    let response = plot(id, 240.0, reset)
        .allow_zoom([true, false])
        .allow_drag([true, false])
        .x_axis_formatter(move |mark, _| bucket_label(&axis_labels, mark.value))
        .y_axis_label(chart.y_label.clone())
        .include_y(0.0)
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
            plot.pointer_coordinate()
        });
    keep_zoom_to_the_plot(ui, &response.response);
    let pointer = response.inner;
    let bucket = pointer.and_then(|p| bucket_of(labels, p.x));
    let hovered_series = pointer
        .zip(bucket)
        .and_then(|(p, b)| stacked_at(series, b, p.y));
    let plot_response = response.response;
    if let Some(b) = bucket {
        let _ = plot_response.clone().on_hover_ui_at_pointer(|ui| {
            bucket_tooltip(ui, &labels[b], series, b, hovered_series, &colors);
        });
    }
    clicked_on(
        &plot_response,
        hovered_series.and_then(|s| filter_on(dimension, &series[s])),
    )
}

/// What a click on a plot does: a double-click resets it, a click on a bar or
/// line filters on what `filter` names.
fn clicked_on(plot: &egui::Response, filter: Option<Command>) -> Clicked {
    if plot.double_clicked() {
        return Clicked::Double;
    }
    match filter {
        Some(c) if plot.clicked() => Clicked::Filter(c),
        _ => Clicked::Nothing,
    }
}

/// Ctrl + wheel over a plot zooms it: the page around it does not scroll too.
fn keep_zoom_to_the_plot(ui: &egui::Ui, plot: &egui::Response) {
    if plot.contains_pointer() && ui.input(|i| i.modifiers.command) {
        ui.ctx()
            .input_mut(|i| i.smooth_scroll_delta = egui::Vec2::ZERO);
    }
}

/// The series whose stacked segment holds height `y` in bucket `b`.
fn stacked_at(series: &[Series<Option<f64>>], b: usize, y: f64) -> Option<usize> {
    let mut base = 0.0;
    for (i, s) in series.iter().enumerate() {
        let top = base + s.values[b].unwrap_or(0.0);
        if y >= base && y < top {
            return Some(i);
        }
        base = top;
    }
    None
}

/// Every series' value in one bucket, the hovered one in bold.
fn bucket_tooltip(
    ui: &mut egui::Ui,
    label: &str,
    series: &[Series<Option<f64>>],
    b: usize,
    hovered: Option<usize>,
    colors: &[egui::Color32],
) {
    ui.strong(label);
    if series.iter().all(|s| s.values[b].is_none()) {
        ui.weak("No report covers this period.");
        return;
    }
    let mut total = 0.0;
    egui::Grid::new("bucket_tooltip").show(ui, |ui| {
        for (i, s) in series.iter().enumerate().rev() {
            let value = s.values[b].unwrap_or(0.0);
            total += value;
            swatch(ui, colors[i]);
            let name = egui::RichText::new(&s.name);
            ui.label(if hovered == Some(i) {
                name.strong()
            } else {
                name
            });
            ui.label(thousands(value as u64));
            ui.end_row();
        }
        if series.len() > 1 {
            ui.label("");
            ui.label("total");
            ui.label(thousands(total as u64));
            ui.end_row();
        }
    });
}

/// How lines are drawn: percentages or counts, the bands, the colours.
struct LineShape<'a> {
    percent: bool,
    bands: &'a [f64],
    colors: &'a [egui::Color32],
}

/// Lines over time buckets. A click near a line filters on it.
#[allow(clippy::too_many_arguments)]
fn time_lines(
    ui: &mut egui::Ui,
    chart: &Chart,
    id: egui::Id,
    reset: bool,
    labels: &[String],
    lines: &[Series<Option<f64>>],
    shape: &LineShape,
    dimension: Option<Dimension>,
) -> Clicked {
    let LineShape {
        percent,
        bands,
        colors,
    } = *shape;
    let axis_labels = labels.to_vec();
    let mut plot = plot(id, 260.0, reset)
        .allow_zoom([true, false])
        .allow_drag([true, false])
        .x_axis_formatter(move |mark, _| bucket_label(&axis_labels, mark.value))
        .y_axis_label(chart.y_label.clone())
        .include_y(0.0);
    if percent {
        plot = plot
            .include_y(percent_top(lines))
            .y_grid_spacer(percent_marks)
            .y_axis_formatter(|mark, _| format!("{:.0} %", mark.value));
    }
    let response = plot.show(ui, |plot| {
        draw_bands(plot, bands);
        for (i, line) in lines.iter().enumerate() {
            draw_line(plot, line, colors[i], 2.0);
        }
        plot.pointer_coordinate()
    });
    keep_zoom_to_the_plot(ui, &response.response);
    let pointer = response.inner;
    let bucket = pointer.and_then(|p| bucket_of(labels, p.x));
    let nearest = pointer
        .zip(bucket)
        .and_then(|(p, b)| nearest_line(lines, b, p, &response.transform));
    let plot_response = response.response;
    if let Some(b) = bucket {
        let _ = plot_response.clone().on_hover_ui_at_pointer(|ui| {
            lines_tooltip(ui, &labels[b], lines, b, nearest, percent, colors);
        });
    }
    clicked_on(
        &plot_response,
        nearest.and_then(|l| filter_on(dimension, &lines[l])),
    )
}

fn draw_bands(plot: &mut egui_plot::PlotUi, bands: &[f64]) {
    for &band in bands {
        plot.hline(
            HLine::new(format!("{band:.0} %"), band)
                .color(egui::Color32::GRAY)
                .style(LineStyle::dashed_loose())
                .allow_hover(false),
        );
    }
}

/// A line, one segment per run of buckets with reports: gaps stay gaps.
fn draw_line(
    plot: &mut egui_plot::PlotUi,
    line: &Series<Option<f64>>,
    color: egui::Color32,
    width: f32,
) {
    for segment in segments(&line.values) {
        if let [only] = segment[..] {
            // A bucket with data between two without: a line of one point draws
            // nothing, so it is a dot (sparse history, a domain seen once).
            plot.points(
                egui_plot::Points::new(line.name.clone(), vec![only])
                    .color(color)
                    .radius(width + 1.5)
                    .allow_hover(false),
            );
            continue;
        }
        let points: PlotPoints = segment.into_iter().collect();
        plot.line(
            Line::new(line.name.clone(), points)
                .color(color)
                .width(width)
                .allow_hover(false),
        );
    }
}

/// The top of a percent axis: the highest value with some room, and at least the
/// first grade band (10 %), so that the bands say how bad a line is.
fn percent_top(lines: &[Series<Option<f64>>]) -> f64 {
    let highest = lines
        .iter()
        .flat_map(|l| l.values.iter().flatten())
        .fold(0.0_f64, |a, &b| a.max(b));
    (highest * 1.15).clamp(12.0, 100.0)
}

/// Grid marks of a percent axis: the grade bands and round steps, each labelled.
fn percent_marks(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    [0.0, 5.0, 10.0, 20.0, 30.0, 50.0, 75.0, 100.0]
        .into_iter()
        .filter(|v| *v >= low && *v <= high)
        .map(|value| GridMark {
            value,
            step_size: 10.0,
        })
        .collect()
}

/// Grid marks of a small failure-rate chart: 0, the grade bands and 100 where
/// they fit, each a major mark so that its label shows on a short plot (round
/// steps of 10 % would be too close together to be labelled).
fn band_marks(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    let span = (high - low).max(1.0);
    let mut marks: Vec<GridMark> = Vec::new();
    for value in [0.0, 10.0, 50.0, 100.0] {
        let apart = marks.last().is_none_or(|m| value - m.value >= span * 0.15);
        if value >= low && value <= high && apart {
            marks.push(GridMark {
                value,
                step_size: span,
            });
        }
    }
    marks
}

/// The line closest to the pointer in bucket `b`, within 12 points on screen.
fn nearest_line(
    lines: &[Series<Option<f64>>],
    b: usize,
    pointer: PlotPoint,
    transform: &egui_plot::PlotTransform,
) -> Option<usize> {
    let at = transform.position_from_point(&pointer);
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let value = line.values[b]?;
            let point = transform.position_from_point(&PlotPoint::new(b as f64, value));
            Some((i, (point.y - at.y).abs()))
        })
        .filter(|(_, distance)| *distance <= 12.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

fn lines_tooltip(
    ui: &mut egui::Ui,
    label: &str,
    lines: &[Series<Option<f64>>],
    b: usize,
    nearest: Option<usize>,
    percent: bool,
    colors: &[egui::Color32],
) {
    ui.strong(label);
    let mut present: Vec<(usize, f64)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.values[b].map(|v| (i, v)))
        .collect();
    if present.is_empty() {
        ui.weak("No report covers this period.");
        return;
    }
    present.sort_by(|a, b| b.1.total_cmp(&a.1));
    egui::Grid::new("lines_tooltip").show(ui, |ui| {
        for (i, value) in present {
            swatch(ui, colors[i]);
            let name = egui::RichText::new(&lines[i].name);
            ui.label(if nearest == Some(i) {
                name.strong()
            } else {
                name
            });
            ui.label(if percent {
                format!("{value:.1} %")
            } else {
                thousands(value as u64)
            });
            ui.end_row();
        }
    });
}

/// One small failure-rate chart per line, three to a row, each titled with a
/// link that filters on it.
fn small_multiples_ui(
    ui: &mut egui::Ui,
    chart: &Chart,
    labels: &[String],
    lines: &[Series<Option<f64>>],
    bands: &[f64],
    dimension: Option<Dimension>,
) -> Clicked {
    let mut clicked = Clicked::Nothing;
    // One scale for all, so that the charts compare at a glance.
    let top = percent_top(lines);
    let columns = 3;
    let width = (ui.available_width() / columns as f32 - 12.0).max(160.0);
    egui::Grid::new(("small_multiples", chart.kind.file_stem()))
        .spacing([12.0, 10.0])
        .show(ui, |ui| {
            for (i, line) in lines.iter().enumerate() {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    let hover = match a_labels(&line.name) {
                        Some(a_labels) => format!("Filter on this domain ({a_labels})"),
                        None => "Filter on this domain".to_string(),
                    };
                    let title = ui.link(readable(&line.name)).on_hover_text(hover);
                    if title.clicked()
                        && let Some(c) = filter_on(dimension, line)
                    {
                        clicked = Clicked::Now(c);
                    }
                    let id = egui::Id::unique(("small", chart.kind.file_stem(), i));
                    let axis_labels = labels.to_vec();
                    let response = Plot::new(id)
                        .id(id)
                        .width(width)
                        .height(120.0)
                        .allow_scroll(false)
                        .allow_zoom(false)
                        .allow_drag(false)
                        .allow_boxed_zoom(false)
                        .allow_double_click_reset(false)
                        .show_x(false)
                        .show_y(false)
                        .include_y(0.0)
                        .include_y(top)
                        .y_grid_spacer(band_marks)
                        .x_axis_formatter(move |mark, _| bucket_label(&axis_labels, mark.value))
                        .y_axis_formatter(|mark, _| format!("{:.0} %", mark.value))
                        .show(ui, |plot| {
                            draw_bands(plot, bands);
                            draw_line(plot, line, COLORS[0], 1.5);
                            plot.pointer_coordinate()
                        });
                    if let Some(b) = response.inner.and_then(|p| bucket_of(labels, p.x)) {
                        let single = std::slice::from_ref(line);
                        let _ = response.response.on_hover_ui_at_pointer(|ui| {
                            lines_tooltip(ui, &labels[b], single, b, Some(0), true, &COLORS[..1]);
                        });
                    }
                });
                if (i + 1) % columns == 0 {
                    ui.end_row();
                }
            }
        });
    clicked
}

/// The legend below a chart: one entry per series, a click filters on it when the
/// chart has a dimension; the whole value on hover.
fn legend_ui<T>(
    ui: &mut egui::Ui,
    series: &[Series<T>],
    dimension: Option<Dimension>,
    colors: &[egui::Color32],
) -> Option<Command> {
    let mut command = None;
    ui.horizontal_wrapped(|ui| {
        for (i, s) in series.iter().enumerate() {
            // An entry (swatch and name) never breaks across lines.
            let name = readable(&s.name).replace(' ', "\u{a0}");
            let galley = egui::WidgetText::from(name.as_str()).into_galley(
                ui,
                Some(egui::TextWrapMode::Extend),
                f32::INFINITY,
                egui::TextStyle::Body,
            );
            let entry = 10.0 + ui.spacing().item_spacing.x + galley.size().x;
            if ui.available_size_before_wrap().x < entry {
                ui.end_row();
            }
            swatch(ui, colors[i]);
            let filter = filter_on(dimension, s);
            let hover = if s.value.is_empty() || s.value == s.name {
                s.name.clone()
            } else {
                s.value.clone()
            };
            let response = if filter.is_some() {
                ui.link(name)
            } else {
                ui.label(name)
            };
            let response = response.on_hover_text(hover);
            if response.clicked() {
                command = filter.clone();
            }
            ui.add_space(8.0);
        }
    });
    command
}

fn category_bars(
    ui: &mut egui::Ui,
    chart: &Chart,
    id: egui::Id,
    reset: bool,
    categories: &[String],
    series: &[Series<f64>],
    dimension: Option<Dimension>,
) -> Clicked {
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
    let colors: Vec<egui::Color32> = if series.len() == 1 {
        vec![FAILURE]
    } else {
        vec![SUCCESS, FAILURE]
    };
    let mut charts: Vec<BarChart> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let bars: Vec<Bar> = s
            .values
            .iter()
            .enumerate()
            .map(|(row, v)| {
                Bar::new(top_down(names.len(), row), *v)
                    .width(0.7)
                    .fill(colors[i % colors.len()].gamma_multiply(0.85))
                    .horizontal()
            })
            .collect();
        let refs: Vec<&BarChart> = charts.iter().collect();
        let bar_chart = BarChart::new(s.name.clone(), bars)
            .color(colors[i % colors.len()])
            .horizontal()
            .allow_hover(false)
            .stack_on(&refs);
        charts.push(bar_chart);
    }
    // The first (largest) category at the top.
    let axis_names: Vec<String> = names.iter().rev().cloned().collect();
    let response = plot(
        id,
        (names.len() as f32 * 26.0 + 60.0).clamp(140.0, 620.0),
        reset,
    )
    .allow_zoom(false)
    .allow_drag(false)
    .allow_double_click_reset(false)
    .custom_y_axes(vec![
        AxisHints::new_y()
            .formatter(move |mark, _| short(&bucket_label(&axis_names, mark.value), 34))
            .label_spacing(8.0..=12.0)
            .min_thickness(220.0),
    ])
    .x_axis_formatter(|mark, _| axis_number(mark.value))
    .y_grid_spacer(every_category)
    .x_axis_label(chart.y_label.clone())
    .include_x(0.0)
    .show(ui, |plot| {
        for c in charts {
            plot.bar_chart(c);
        }
        plot.pointer_coordinate()
    });
    let row = response
        .inner
        .and_then(|p| bucket_of(&names, p.y).filter(|_| (p.y - p.y.round()).abs() < 0.4))
        .map(|from_bottom| names.len() - 1 - from_bottom);
    let plot_response = response.response;
    if let Some(row) = row {
        let kind = chart.kind;
        let _ = plot_response.clone().on_hover_ui_at_pointer(|ui| {
            ui.strong(&names[row]);
            egui::Grid::new("category_tooltip").show(ui, |ui| {
                for (i, s) in series.iter().enumerate() {
                    swatch(ui, colors[i % colors.len()]);
                    ui.label(&s.name);
                    ui.label(thousands(s.values[row] as u64));
                    ui.end_row();
                }
            });
            if kind == ChartKind::ByResultType {
                ui.separator();
                ui.set_max_width(360.0);
                ui.label(explain(&names[row]).meaning);
            }
        });
    }
    match (plot_response.clicked(), dimension, row) {
        (true, Some(dimension), Some(row)) => {
            Clicked::Now(Command::FilterTo(dimension, categories[row].clone()))
        }
        _ => Clicked::Nothing,
    }
}

/// A small square of a series' colour, for legends and tooltips.
fn swatch(ui: &mut egui::Ui, color: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
}

/// The y of row `row` of `n` categories drawn from the top down.
fn top_down(n: usize, row: usize) -> f64 {
    (n - 1 - row) as f64
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
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
