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

/// Draws a chart into RGB pixels (3 bytes each, rows from the top) of `size`: the
/// picture of a PNG, without the file.
pub fn chart_pixels(chart: &Chart, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    register_font();
    let mut pixels = vec![0; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(error)?;
    }
    Ok(pixels)
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

/// Width of the legend column right of the plot: a legend never covers data.
const LEGEND_WIDTH: u32 = 300;

/// A legend entry: its text and colour.
type Entry = (String, RGBColor);

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(error)?;
    let root = root
        .titled(&chart.title, ("sans-serif", 24))
        .map_err(error)?;
    let width = root.dim_in_pixel().0;
    let (plot, legend_area) = root.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
    let labels = chart.data.bucket_labels();
    let entries = match &chart.data {
        ChartData::TimeBars { series, .. } => draw_time_bars(&plot, chart, &labels, series)?,
        ChartData::CategoryBars { categories, series } => {
            draw_category_bars(&plot, chart, categories, series)?
        }
        ChartData::TimeLines {
            lines,
            percent,
            bands,
            ..
        } => draw_time_lines(&plot, chart, &labels, lines, *percent, bands)?,
    };
    draw_legend(&legend_area, &entries)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    for (i, (name, color)) in entries.iter().enumerate() {
        let y = 24 + i as i32 * 22;
        area.draw(&Rectangle::new([(8, y - 6), (22, y + 6)], color.filled()))
            .map_err(error)?;
        area.draw(&Text::new(
            short(name, 40),
            (30, y - 8),
            ("sans-serif", 15).into_font(),
        ))
        .map_err(error)?;
    }
    Ok(())
}

fn bucket_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if i < 0.0 || (x - i).abs() > 0.01 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

fn draw_time_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    labels: &[String],
    series: &[crate::analysis::Series<Option<f64>>],
) -> Result<Vec<Entry>, ChartError>
where
    DB::ErrorType: 'static,
{
    let top = (0..labels.len())
        .map(|i| series.iter().filter_map(|s| s.values[i]).sum::<f64>())
        .fold(1.0, f64::max);
    let mut ctx = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..labels.len().max(1) as f64 - 0.5, 0.0..top * 1.05)
        .map_err(error)?;
    ctx.configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| bucket_label(labels, *x))
        .y_label_formatter(&|y| thousands(*y))
        .y_desc(&chart.y_label)
        .draw()
        .map_err(error)?;
    let mut base = vec![0.0; labels.len()];
    let mut entries = Vec::new();
    for (s, color) in series.iter().zip(palette(series.len())) {
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
        .map_err(error)?;
        entries.push((s.name.clone(), color));
    }
    Ok(entries)
}

fn draw_category_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    categories: &[String],
    series: &[crate::analysis::Series<f64>],
) -> Result<Vec<Entry>, ChartError>
where
    DB::ErrorType: 'static,
{
    let top = (0..categories.len())
        .map(|i| series.iter().map(|s| s.values[i]).sum::<f64>())
        .fold(1.0, f64::max);
    let n = categories.len().max(1) as f64;
    let mut ctx = ChartBuilder::on(root)
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
        .x_label_formatter(&|x| thousands(*x))
        .x_desc(&chart.y_label)
        .draw()
        .map_err(error)?;
    let mut base = vec![0.0; categories.len()];
    let mut entries = Vec::new();
    for (s, color) in series.iter().zip(palette(series.len())) {
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
        .map_err(error)?;
        entries.push((s.name.clone(), color));
    }
    Ok(entries)
}

fn draw_time_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    labels: &[String],
    lines: &[crate::analysis::Series<Option<f64>>],
    percent: bool,
    bands: &[f64],
) -> Result<Vec<Entry>, ChartError>
where
    DB::ErrorType: 'static,
{
    let top = if percent {
        100.0
    } else {
        lines
            .iter()
            .flat_map(|l| l.values.iter().flatten())
            .copied()
            .fold(1.0, f64::max)
    };
    let mut ctx = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..labels.len().max(1) as f64 - 0.5, 0.0..top * 1.05)
        .map_err(error)?;
    ctx.configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| bucket_label(labels, *x))
        .y_label_formatter(&|y| {
            if percent {
                format!("{y:.0} %")
            } else {
                thousands(*y)
            }
        })
        .y_desc(&chart.y_label)
        .draw()
        .map_err(error)?;
    let right = labels.len().max(1) as f64 - 0.5;
    for &band in bands {
        let grey = RGBColor(120, 120, 120);
        ctx.draw_series(DashedLineSeries::new(
            [(-0.5, band), (right, band)],
            6,
            4,
            grey.stroke_width(1),
        ))
        .map_err(error)?;
    }
    let mut entries = Vec::new();
    for (line, color) in lines.iter().zip(palette(lines.len())) {
        // A bucket without a report breaks the line.
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
        .map_err(error)?;
        entries.push((line.name.clone(), color));
    }
    Ok(entries)
}

/// Colours for `n` series, cycling through the palette.
fn palette(n: usize) -> impl Iterator<Item = RGBColor> {
    PALETTE.iter().copied().cycle().take(n)
}

/// An axis number: whole ones with thin spaces between thousands, as the app
/// shows them.
fn thousands(value: f64) -> String {
    if value < 0.0 || value.fract().abs() > 1e-9 || value >= u128::MAX as f64 {
        return format!("{value:.1}");
    }
    super::text::thousands(value as u128)
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

fn short(text: &str, max: usize) -> String {
    let text = if text.is_empty() { "(none)" } else { text };
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
