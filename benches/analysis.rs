//! Re-filtering and re-grouping a dataset of about 1,000,000 failure-detail rows.
//!
//!     cargo bench --bench analysis
//!
//! Each iteration changes the filter (alternating between two) and aggregates one
//! dimension, as a click in the app does.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use tlsrpt_analyzer::analysis::{Dimension, Filter, Period, group_by, select, series};
use tlsrpt_analyzer::library::Dataset;
use tlsrpt_corpus as corpus;
use tlsrpt_corpus::CorpusOptions;

fn dataset() -> Dataset {
    let reports: usize = std::env::var("BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_420_000);
    let store = corpus::loaded(&CorpusOptions {
        reports,
        days: 365,
        domains: 50,
        ..CorpusOptions::default()
    });
    let dataset = store.dataset().clone();
    eprintln!(
        "dataset: {} reports, {} policy rows, {} failure-detail rows, {} strings",
        dataset.reports.len(),
        dataset.policies.len(),
        dataset.details.len(),
        dataset.strings.len()
    );
    dataset
}

fn filters() -> [Filter; 2] {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d);
    [
        Filter {
            from: day(7, 1),
            to: day(12, 31),
            policy_domains: vec![
                "example.com".into(),
                "example.net".into(),
                "customer7.example".into(),
            ],
            ..Filter::default()
        },
        Filter {
            organizations: vec!["Google Inc.".into(), "Microsoft Corporation".into()],
            result_types: vec![
                "starttls-not-supported".into(),
                "certificate-expired".into(),
            ],
            ..Filter::default()
        },
    ]
}

fn bench(c: &mut Criterion) {
    let dataset = dataset();
    let filters = filters();
    let mut group = c.benchmark_group("filter change + group by");
    for dims in [
        vec![Dimension::Organization],
        vec![Dimension::ResultType],
        vec![Dimension::Day],
        vec![Dimension::PolicyVersion, Dimension::Organization],
        vec![Dimension::MxHost, Dimension::ResultType],
    ] {
        let name: Vec<&str> = dims.iter().map(|d| d.name()).collect();
        let mut flip = 0;
        group.bench_function(name.join(","), |b| {
            b.iter(|| {
                flip ^= 1;
                let selection = select(&dataset, &filters[flip]);
                black_box(group_by(&dataset, &selection, &dims))
            })
        });
    }
    let mut flip = 0;
    group.bench_function("daily series", |b| {
        b.iter(|| {
            flip ^= 1;
            let selection = select(&dataset, &filters[flip]);
            black_box(series(&dataset, &selection, Period::Day))
        })
    });
    group.bench_function("text search", |b| {
        let filter = Filter {
            text: "x509".into(),
            ..Filter::default()
        };
        b.iter(|| {
            black_box(group_by(
                &dataset,
                &select(&dataset, &filter),
                &[Dimension::Organization],
            ))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
