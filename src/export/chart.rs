//! Charts as PNG or SVG files, drawn with plotters from the same [`Chart`] data the
//! app plots.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::analysis::{Chart, ChartData};

/// The font shipped in `assets/fonts` (plotters draws text with ab_glyph and has no
/// access to system fonts).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

#[derive(Debug, thiserror::Error)]
#[error("drawing chart: {0}")]
pub struct ChartError(String);

fn error(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Chart image size in pixels.
pub const CHART_SIZE: (u32, u32) = (1200, 640);

/// Renders a chart as an SVG document.
pub fn chart_svg(chart: &Chart) -> Result<String, ChartError> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(error)?;
    }
    Ok(svg)
}

/// Writes a chart as a PNG file.
pub fn chart_png(chart: &Chart, path: &Path) -> Result<(), ChartError> {
    register_font();
    let root = BitMapBackend::new(path, CHART_SIZE).into_drawing_area();
    draw(&root, chart)?;
    root.present().map_err(error)
}

/// Writes a chart to `path` as PNG or SVG, by its extension (SVG unless `.png`).
pub fn write_chart(chart: &Chart, path: &Path) -> Result<(), ChartError> {
    let png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if png {
        chart_png(chart, path)
    } else {
        std::fs::write(path, chart_svg(chart)?).map_err(error)
    }
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(46, 125, 50),
    RGBColor(198, 40, 40),
    RGBColor(21, 101, 192),
    RGBColor(239, 108, 0),
    RGBColor(106, 27, 154),
    RGBColor(0, 131, 143),
    RGBColor(121, 85, 72),
    RGBColor(96, 125, 139),
];

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(error)?;
    match &chart.data {
        ChartData::DailyBars { days, series } => draw_daily_bars(root, chart, days, series),
        ChartData::CategoryBars { categories, series } => {
            draw_category_bars(root, chart, categories, series)
        }
        ChartData::DailyLines {
            days,
            lines,
            percent,
        } => draw_daily_lines(root, chart, days, lines, *percent),
    }
}

fn day_label(days: &[chrono::NaiveDate], x: f64) -> String {
    let i = x.round();
    if i < 0.0 {
        return String::new();
    }
    days.get(i as usize)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn draw_daily_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    days: &[chrono::NaiveDate],
    series: &[crate::analysis::Series<Option<f64>>],
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let top = (0..days.len())
        .map(|i| series.iter().filter_map(|s| s.values[i]).sum::<f64>())
        .fold(1.0, f64::max);
    let mut ctx = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..days.len().max(1) as f64 - 0.5, 0.0..top * 1.05)
        .map_err(error)?;
    ctx.configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| day_label(days, *x))
        .y_desc(&chart.y_label)
        .draw()
        .map_err(error)?;
    let mut base = vec![0.0; days.len()];
    for (s, color) in series.iter().zip(PALETTE) {
        let bars: Vec<(f64, f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, base[i], base[i] + v)))
            .collect();
        for (i, _, top) in &bars {
            base[*i as usize] = *top;
        }
        ctx.draw_series(
            bars.iter().map(|(x, y0, y1)| {
                Rectangle::new([(x - 0.4, *y0), (x + 0.4, *y1)], color.filled())
            }),
        )
        .map_err(error)?
        .label(s.name.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    legend(&mut ctx)
}

fn draw_category_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    categories: &[String],
    series: &[crate::analysis::Series<f64>],
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let top = (0..categories.len())
        .map(|i| series.iter().map(|s| s.values[i]).sum::<f64>())
        .fold(1.0, f64::max);
    let n = categories.len().max(1) as f64;
    let mut ctx = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(260)
        .build_cartesian_2d(0.0..top * 1.05, -0.5..n - 0.5)
        .map_err(error)?;
    ctx.configure_mesh()
        .y_labels(categories.len().max(1))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            categories
                .get(i as usize)
                .map(|c| short(c, 36))
                .unwrap_or_default()
        })
        .x_desc(&chart.y_label)
        .draw()
        .map_err(error)?;
    let mut base = vec![0.0; categories.len()];
    for (s, color) in series.iter().zip(PALETTE) {
        let bars: Vec<(f64, f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, base[i], base[i] + v))
            .collect();
        for (i, _, end) in &bars {
            base[*i as usize] = *end;
        }
        ctx.draw_series(
            bars.iter().map(|(y, x0, x1)| {
                Rectangle::new([(*x0, y - 0.4), (*x1, y + 0.4)], color.filled())
            }),
        )
        .map_err(error)?
        .label(s.name.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    legend(&mut ctx)
}

fn draw_daily_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    days: &[chrono::NaiveDate],
    lines: &[crate::analysis::Series<Option<f64>>],
    percent: bool,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let top = if percent {
        1.0
    } else {
        lines
            .iter()
            .flat_map(|l| l.values.iter().flatten())
            .copied()
            .fold(1.0, f64::max)
    };
    let mut ctx = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..days.len().max(1) as f64 - 0.5, 0.0..top * 1.05)
        .map_err(error)?;
    ctx.configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| day_label(days, *x))
        .y_label_formatter(&|y| {
            if percent {
                format!("{:.0} %", y * 100.0)
            } else {
                format!("{y:.0}")
            }
        })
        .y_desc(&chart.y_label)
        .draw()
        .map_err(error)?;
    for (line, color) in lines.iter().zip(PALETTE.iter().cycle()) {
        let color = *color;
        // A day without a report breaks the line.
        for segment in segments(&line.values) {
            ctx.draw_series(LineSeries::new(segment, color.stroke_width(2)))
                .map_err(error)?;
        }
        let points: Vec<(f64, f64)> = line
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        ctx.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 2, color.filled())),
        )
        .map_err(error)?
        .label(short(&line.name, 60))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2)));
    }
    legend(&mut ctx)
}

/// Runs of consecutive present values, as points.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push((i as f64, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    ctx: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(error)
}

fn short(text: &str, max: usize) -> String {
    let text = if text.is_empty() { "(none)" } else { text };
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
