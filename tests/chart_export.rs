//! Charts exported as SVG and PNG from the same data the app plots.

use std::path::Path;
use std::sync::Arc;
use tlsrpt_analyzer::analysis::{ChartData, ChartKind, Dataset, Filter, chart, select};
use tlsrpt_analyzer::corpus::{self, CorpusOptions};

use tlsrpt_analyzer::export::{chart_svg, write_chart};
use tlsrpt_analyzer::ingest::{Order, ReportStore, Source};
use tlsrpt_analyzer::report::parse_reports;

fn dataset() -> Dataset {
    Dataset::from_store(&corpus::store(&CorpusOptions {
        reports: 400,
        days: 30,
        ..CorpusOptions::default()
    }))
}

#[test]
fn every_chart_renders_as_svg_with_its_title_and_labels() {
    let dataset = dataset();
    let selection = select(&dataset, &Filter::default());
    for kind in ChartKind::ALL {
        let chart = chart(&dataset, &selection, kind);
        let svg = chart_svg(&chart).expect("SVG");
        assert!(svg.starts_with("<svg"), "{kind:?}");
        assert!(svg.contains(kind.title()), "{kind:?} has no title");
        match &chart.data {
            ChartData::CategoryBars { categories, .. } => {
                assert!(!categories.is_empty());
                // The largest category is named on the axis.
                assert!(svg.contains(categories[0].as_str()), "{kind:?}");
            }
            ChartData::DailyBars { days, .. } | ChartData::DailyLines { days, .. } => {
                assert!(days.len() >= 28, "{kind:?}");
                assert!(
                    svg.contains(&days[0].format("%Y-%m-%d").to_string()),
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
    let chart = chart(&dataset, &selection, ChartKind::DailySessions);
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
            .contains("Sessions per day")
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
    let mut store = ReportStore::new();
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
    let dataset = Dataset::from_store(&store);
    let selection = select(&dataset, &Filter::default());
    let ChartData::DailyBars { days, series } =
        chart(&dataset, &selection, ChartKind::DailySessions).data
    else {
        panic!("daily bars")
    };
    assert_eq!(days.len(), 4);
    // A day with a report and no traffic is 0; a day without a report is a gap.
    assert_eq!(series[0].values, [Some(5.0), Some(0.0), None, Some(7.0)]);
    let svg = chart_svg(&chart(&dataset, &selection, ChartKind::DailySessions)).expect("SVG");
    assert!(svg.contains("2026-08-04"));
}
