//! Any bytes through the whole pipeline: the reader, the store, the dataset, the
//! summary, every export table in CSV and JSON, the series, the health table and
//! every chart drawn as SVG and as pixels, unfiltered and under filters taken from
//! the data. Hostile counts and dates must give problems or exact, bounded output,
//! never an overflow (debug assertions are on), a panic or an allocation past the
//! RSS limit.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::analysis::{ChartKind, ChartOptions, Filter, MAX_DENSE_BUCKETS, Period, Summary, chart, group_by, health, select, series};
use tlsrpt_analyzer::library::Dataset;
use tlsrpt_analyzer::export::{
    CsvCells, ExportError, ExportSpec, TableFormat, chart_pixels, chart_svg, export_tables,
    group_table_text, summary_table,
};
use tlsrpt_analyzer::library::{Order, Loaded};
use tlsrpt_analyzer::report::SessionSum;

#[path = "common.rs"]
mod common;

/// Charts are drawn small: the drawing code is the same at any size.
const PIXELS: (u32, u32) = (320, 200);

fuzz_target!(|data: &[u8]| {
    let decoded = common::decode(data);
    let mut store = Loaded::new();
    let generation = store.begin_load();
    for (index, (report, source)) in decoded.reports.into_iter().enumerate() {
        let order = Order {
            generation,
            message: index as u64,
            ..Order::default()
        };
        store.insert(report, source, order);
    }
    for problem in decoded.problems {
        store.add_problem(problem, Order::default());
    }
    store.finish_load();
    let dataset = store.dataset();

    let unfiltered = Filter::default();
    let summary = Summary::filtered(&store, &unfiltered);
    check_summary(&store, &summary);
    let _ = summary_table(&summary);
    let _ = serde_json::to_vec(&summary);
    walk(&store, dataset, &unfiltered, true);
    // Filters made of the data's own values: a date, a domain, a sender, a result
    // type, and a search that matches its first letters.
    if let Some(first) = store.reports().first() {
        let report = &first.report;
        let policy = report.policies.first();
        let filter = Filter {
            from: Some(report.date_range.day()),
            to: Some(report.date_range.day()),
            policy_domains: policy
                .and_then(|p| p.policy.policy_domain.clone())
                .map(|d| d.to_string())
                .into_iter()
                .collect(),
            organizations: vec![report.organization_name.to_string()],
            result_types: policy
                .and_then(|p| p.failure_details.first())
                .map(|d| d.result_type.to_string())
                .into_iter()
                .collect(),
            text: report.report_id.chars().take(3).collect(),
            ..Filter::default()
        };
        walk(&store, dataset, &filter, false);
    }
});

/// The summary's totals equal the reports' own counts added up in u128.
fn check_summary(store: &Loaded, summary: &Summary) {
    let mut successful: SessionSum = 0;
    let mut failed: SessionSum = 0;
    for loaded in store.reports() {
        for policy in &loaded.report.policies {
            successful += SessionSum::from(policy.summary.total_successful_session_count);
            failed += SessionSum::from(policy.summary.total_failure_session_count);
        }
    }
    assert_eq!(summary.successful_sessions, successful);
    assert_eq!(summary.failed_sessions, failed);
    let by_day: SessionSum = summary.by_day.iter().map(|d| d.successful_sessions).sum();
    assert_eq!(by_day, successful);
    assert!(summary.by_day.windows(2).all(|w| w[0].day < w[1].day));
}

/// Everything the app and the exports compute for one filter; the charts drawn
/// as pixels too when `pixels` (once per input: drawing is the slowest step).
fn walk(store: &Loaded, dataset: &Dataset, filter: &Filter, pixels: bool) {
    let selection = select(dataset, filter);
    for step in [Period::Day, Period::Week] {
        let points = series(dataset, &selection, step);
        // Every bucket of a bounded span, or the buckets with data and one gap
        // after each: never a bucket for each day of an unbounded range.
        let most = MAX_DENSE_BUCKETS.max(2 * dataset.reports.len() as i64);
        assert!(points.len() as i64 <= most, "{} buckets", points.len());
    }
    let _ = health(dataset, &selection);
    let _ = group_table_text(&group_by(dataset, &selection, &[]));
    let spec = ExportSpec {
        filter,
        extra: &[],
        formats: &[TableFormat::Csv, TableFormat::Json],
        cells: CsvCells::Neutralized,
    };
    let open = &mut |_: &str| -> Result<Box<dyn Write>, ExportError> {
        Ok(Box::new(std::io::sink()))
    };
    export_tables(store, &spec, open).expect("export to a sink");
    for kind in ChartKind::ALL {
        let chart = chart(dataset, &selection, kind, &ChartOptions::default());
        chart_svg(&chart).expect("SVG");
        if pixels {
            chart_pixels(&chart, PIXELS).expect("pixels");
        }
    }
}
