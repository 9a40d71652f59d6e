//! CPU time of one frame of each view with 100,000 reports loaded, measured
//! headless with egui_kittest (layout and tessellation, no GPU), and the time from
//! a filter change to the aggregate being ready.
//!
//!     cargo bench --bench gui_frames

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use eframe::egui;
use egui_kittest::Harness;
use tlsrpt_analyzer::analysis::{ChartOptions, Dimension, Filter};
use tlsrpt_analyzer::gui::{App, Command, StartOptions, Tab};
use tlsrpt_corpus as corpus;
use tlsrpt_corpus::CorpusOptions;

fn app_with_reports(reports: usize) -> Harness<'static, App> {
    let store = corpus::loaded(&CorpusOptions {
        reports,
        days: 90,
        domains: 40,
        ..CorpusOptions::default()
    });
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| App::new(cc, StartOptions::default()));
    h.state_mut().set_data(store);
    h.state_mut().wait_until_idle();
    h.run_steps(3);
    h
}

fn bench(c: &mut Criterion) {
    let reports: usize = std::env::var("BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut h = app_with_reports(reports);
    let mut group = c.benchmark_group(format!("frame with {reports} reports"));
    let views: [(&str, Vec<Command>); 8] = [
        ("overview", vec![Command::SetTab(Tab::Overview)]),
        ("incidents", vec![Command::SetTab(Tab::Incidents)]),
        ("charts", vec![Command::SetTab(Tab::Charts)]),
        (
            "charts, failures by sender",
            vec![Command::SetChartOptions(ChartOptions {
                failures_by: Dimension::Organization,
            })],
        ),
        (
            "table organization x result-type",
            vec![
                Command::SetTab(Tab::Table),
                Command::SetGrouping(vec![Dimension::Organization, Dimension::ResultType]),
            ],
        ),
        (
            "table sending-ip (large)",
            vec![Command::SetGrouping(vec![Dimension::SendingIp])],
        ),
        ("problems", vec![Command::SetTab(Tab::Problems)]),
        ("domain check", vec![Command::SetTab(Tab::Checker)]),
    ];
    for (name, commands) in views {
        for command in commands {
            h.state_mut().apply(command);
        }
        h.state_mut().wait_until_idle();
        h.run_steps(2);
        group.bench_function(name, |b| b.iter(|| h.step()));
    }
    group.finish();

    // A filter change: from the command to the aggregate being ready, after
    // which the next frame shows it.
    let mut group = c.benchmark_group(format!("filter change with {reports} reports"));
    h.state_mut().apply(Command::SetTab(Tab::Overview));
    let filters = [
        Filter {
            organizations: vec!["Google Inc.".into()],
            ..Filter::default()
        },
        Filter {
            result_types: vec!["starttls-not-supported".into()],
            ..Filter::default()
        },
    ];
    let mut flip = 0;
    group.bench_function("aggregate ready (worker)", |b| {
        b.iter(|| {
            flip ^= 1;
            let started = Instant::now();
            h.state_mut()
                .apply(Command::SetFilter(filters[flip].clone()));
            h.step();
            h.state_mut().wait_until_idle();
            black_box(started.elapsed())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
