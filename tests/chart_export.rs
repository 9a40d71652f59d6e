//! Charts exported as SVG and PNG from the same data the app plots.

use std::path::Path;
use std::sync::Arc;
use tlsrpt_analyzer::analysis::{
    ChartData, ChartKind, ChartOptions, Dimension, Filter, GRADE_BANDS, Period, chart, select,
};
use tlsrpt_analyzer::library::Dataset;
use tlsrpt_corpus as corpus;
use tlsrpt_corpus::CorpusOptions;

use tlsrpt_analyzer::export::{chart_svg, write_chart};
use tlsrpt_analyzer::library::{Loaded, Order, Source};
use tlsrpt_analyzer::report::parse_reports;

fn dataset() -> Dataset {
    corpus::loaded(&CorpusOptions {
        reports: 400,
        days: 30,
        ..CorpusOptions::default()
    })
    .dataset()
    .clone()
}

#[test]
fn every_chart_renders_as_svg_with_its_title_and_labels() {
    let dataset = dataset();
    let selection = select(&dataset, &Filter::default());
    for kind in ChartKind::ALL {
        let chart = chart(&dataset, &selection, kind, &ChartOptions::default());
        let svg = chart_svg(&chart).expect("SVG");
        assert!(svg.starts_with("<svg"), "{kind:?}");
        assert!(svg.contains(&chart.title), "{kind:?} has no title");
        match &chart.data {
            ChartData::CategoryBars { categories, .. } => {
                assert!(!categories.is_empty());
                // The largest category is named on the axis.
                assert!(svg.contains(categories[0].as_str()), "{kind:?}");
            }
            ChartData::TimeBars {
                period, buckets, ..
            }
            | ChartData::TimeLines {
                period, buckets, ..
            } => {
                // 30 days of reports: one bucket per day, the first named on the axis.
                assert_eq!(*period, Period::Day, "{kind:?}");
                assert!(buckets.len() >= 28, "{kind:?}");
                assert!(
                    svg.contains(&buckets[0].format("%Y-%m-%d").to_string()),
                    "{kind:?}"
                );
            }
        }
    }
}

#[test]
fn png_and_svg_files_are_written_by_extension() {
    let dataset = dataset();
    let selection = select(&dataset, &Filter::default());
    let chart = chart(
        &dataset,
        &selection,
        ChartKind::Sessions,
        &ChartOptions::default(),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let png = dir.path().join("chart.png");
    write_chart(&chart, &png).expect("PNG");
    let bytes = std::fs::read(&png).expect("read PNG");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    let svg = dir.path().join("chart.svg");
    write_chart(&chart, &svg).expect("SVG");
    assert!(
        std::fs::read_to_string(&svg)
            .expect("read SVG")
            .contains("All sessions per day")
    );
}

/// A report of `org` for `domain` starting on `day`, with `ok` successful sessions
/// and `failed` failures of `result`.
fn report(
    org: &str,
    id: &str,
    day: &str,
    domain: &str,
    ok: u64,
    failed: u64,
    result: &str,
) -> String {
    format!(
        r#"{{"organization-name":"{org}","report-id":"{id}",
        "date-range":{{"start-datetime":"{day}T00:00:00Z","end-datetime":"{day}T23:59:59Z"}},
        "policies":[{{"policy":{{"policy-type":"sts","policy-domain":"{domain}",
            "policy-string":["version: STSv1","mode: enforce","mx: mx.{domain}","max_age: 604800"]}},
        "summary":{{"total-successful-session-count":{ok},"total-failure-session-count":{failed}}},
        "failure-details":[{{"result-type":"{result}","failed-session-count":{failed}}}]}}]}}"#
    )
}

fn loaded(reports: &[String]) -> Loaded {
    let mut store = Loaded::new();
    let generation = store.begin_load();
    for (i, json) in reports.iter().enumerate() {
        let parsed = parse_reports(json.as_bytes()).expect("report");
        let source = Source::file(Arc::from(Path::new("r.json")));
        let order = Order {
            generation,
            file: i as u32,
            ..Order::default()
        };
        store.insert(parsed.into_iter().next().expect("one"), source, order);
    }
    store.finish_load();
    store
}

#[test]
fn failures_have_a_chart_of_their_own_where_a_doubling_stands_out() {
    // 10,000 sessions a day, 100 failures, then 200 on the 4th.
    let reports: Vec<String> = (1..=6)
        .map(|d| {
            let failed = if d == 4 { 200 } else { 100 };
            report(
                "Google Inc.",
                &format!("r{d}"),
                &format!("2026-08-0{d}"),
                "example.com",
                10_000,
                failed,
                "certificate-expired",
            )
        })
        .collect();
    let store = loaded(&reports);
    let dataset = store.dataset();
    let selection = select(dataset, &Filter::default());
    let failures = chart(
        dataset,
        &selection,
        ChartKind::Failures,
        &ChartOptions::default(),
    );
    let ChartData::TimeBars { series, .. } = &failures.data else {
        panic!("bars")
    };
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].value, "certificate-expired");
    let values: Vec<f64> = series[0]
        .values
        .iter()
        .map(|v| v.expect("a report each day"))
        .collect();
    assert_eq!(values, [100.0, 100.0, 100.0, 200.0, 100.0, 100.0]);
    // The failure rate is in percent, with the grade bands.
    let rate = chart(
        dataset,
        &selection,
        ChartKind::FailureRate,
        &ChartOptions::default(),
    );
    let ChartData::TimeLines {
        lines,
        percent,
        bands,
        ..
    } = &rate.data
    else {
        panic!("lines")
    };
    assert!(*percent);
    assert_eq!(bands, &GRADE_BANDS.to_vec());
    let fourth = lines[0].values[3].expect("a value");
    assert!((fourth - 200.0 * 100.0 / 10_200.0).abs() < 1e-9, "{fourth}");
    // Stacked by sender instead.
    let by_sender = ChartOptions {
        failures_by: Dimension::Organization,
    };
    let failures = chart(dataset, &selection, ChartKind::Failures, &by_sender);
    let ChartData::TimeBars { series, .. } = &failures.data else {
        panic!("bars")
    };
    assert_eq!(series[0].name, "Google Inc.");
    assert!(
        failures.title.ends_with("by organization"),
        "{}",
        failures.title
    );
}

#[test]
fn years_of_sparse_history_are_drawn_by_month() {
    let reports = [
        report(
            "A",
            "1",
            "2016-04-01",
            "example.com",
            10,
            1,
            "validation-failure",
        ),
        report(
            "A",
            "2",
            "2020-01-01",
            "example.com",
            10,
            2,
            "validation-failure",
        ),
        report(
            "A",
            "3",
            "2026-01-11",
            "example.com",
            10,
            3,
            "validation-failure",
        ),
    ];
    let store = loaded(&reports);
    let dataset = store.dataset();
    let selection = select(dataset, &Filter::default());
    let failures = chart(
        dataset,
        &selection,
        ChartKind::Failures,
        &ChartOptions::default(),
    );
    let ChartData::TimeBars {
        period,
        buckets,
        series,
    } = &failures.data
    else {
        panic!("bars")
    };
    assert_eq!(*period, Period::Month);
    // April 2016 to January 2026: 118 months, three of them with a report.
    assert_eq!(buckets.len(), 118);
    assert_eq!(series[0].values.iter().flatten().count(), 3);
    assert_eq!(failures.data.bucket_labels()[0], "2016-04");
    assert!(failures.title.contains("per month"));
}

#[test]
fn policy_versions_are_named_short_and_kept_whole() {
    let reports = [report("A", "1", "2026-08-01", "example.com", 10, 0, "x")];
    let store = loaded(&reports);
    let dataset = store.dataset();
    let selection = select(dataset, &Filter::default());
    let versions = chart(
        dataset,
        &selection,
        ChartKind::PolicyVersions,
        &ChartOptions::default(),
    );
    let ChartData::TimeLines { lines, .. } = &versions.data else {
        panic!("lines")
    };
    assert_eq!(lines[0].name, "STS enforce, mx.example.com, max_age 604800");
    assert_eq!(
        lines[0].value,
        "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 604800"
    );
}

#[test]
fn days_without_reports_are_gaps_in_the_chart_data() {
    let report = |id: &str, day: &str, ok: u64| {
        format!(
            r#"{{"organization-name":"Google Inc.","report-id":"{id}",
            "date-range":{{"start-datetime":"{day}T00:00:00Z","end-datetime":"{day}T23:59:59Z"}},
            "policies":[{{"policy":{{"policy-type":"no-policy-found","policy-domain":"example.com"}},
            "summary":{{"total-successful-session-count":{ok},"total-failure-session-count":0}}}}]}}"#
        )
    };
    let mut store = Loaded::new();
    let generation = store.begin_load();
    for (i, (day, ok)) in [("2026-08-01", 5), ("2026-08-02", 0), ("2026-08-04", 7)]
        .iter()
        .enumerate()
    {
        let parsed = parse_reports(report(&format!("r{i}"), day, *ok).as_bytes()).expect("report");
        let source = Source::file(Arc::from(Path::new("r.json")));
        let order = Order {
            generation,
            file: i as u32,
            ..Order::default()
        };
        store.insert(parsed.into_iter().next().expect("one"), source, order);
    }
    store.finish_load();
    let dataset = store.dataset();
    let selection = select(dataset, &Filter::default());
    let ChartData::TimeBars {
        buckets, series, ..
    } = chart(
        dataset,
        &selection,
        ChartKind::Sessions,
        &ChartOptions::default(),
    )
    .data
    else {
        panic!("daily bars")
    };
    assert_eq!(buckets.len(), 4);
    // A day with a report and no traffic is 0; a day without a report is a gap.
    assert_eq!(series[0].values, [Some(5.0), Some(0.0), None, Some(7.0)]);
    let sessions = chart(
        dataset,
        &selection,
        ChartKind::Sessions,
        &ChartOptions::default(),
    );
    let svg = chart_svg(&sessions).expect("SVG");
    assert!(svg.contains("2026-08-04"));
}
