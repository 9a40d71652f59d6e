//! The summary of generated corpora equals the generator's true totals.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

/// Runs the real binary, as a user would.
fn summary_json(dir: &Path) -> Summary {
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["summary", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run tlsrpt-analyzer");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("summary JSON")
}

fn relative(dir: &Path, source: &str) -> String {
    source
        .strip_prefix(&format!("{}/", dir.display()))
        .unwrap_or(source)
        .to_string()
}

fn assert_matches(dir: &Path, actual: &Summary, expected: &Summary) {
    assert_eq!(actual.reports, expected.reports, "reports");
    assert_eq!(actual.duplicates, expected.duplicates, "duplicates");
    assert_eq!(actual.successful_sessions, expected.successful_sessions);
    assert_eq!(actual.failed_sessions, expected.failed_sessions);
    assert_eq!(actual.by_result_type, expected.by_result_type);
    assert_eq!(actual.by_organization, expected.by_organization);
    assert_eq!(actual.by_policy, expected.by_policy);
    assert_eq!(actual.by_day, expected.by_day);

    let sources = |items: Vec<String>| -> BTreeSet<String> { items.into_iter().collect() };
    let actual_problems = sources(
        actual
            .problems
            .iter()
            .map(|p| relative(dir, &p.source))
            .collect(),
    );
    let expected_problems = sources(expected.problems.iter().map(|p| p.source.clone()).collect());
    assert_eq!(actual_problems, expected_problems, "problem sources");
    let actual_skipped = sources(
        actual
            .skipped
            .iter()
            .map(|s| relative(dir, &s.source))
            .collect(),
    );
    let expected_skipped = sources(expected.skipped.iter().map(|s| s.source.clone()).collect());
    assert_eq!(actual_skipped, expected_skipped, "skipped sources");

    let conflicts = |s: &Summary, rel: bool| -> Vec<(String, String, String)> {
        s.conflicts
            .iter()
            .map(|c| {
                let dropped = if rel {
                    relative(dir, &c.dropped)
                } else {
                    c.dropped.clone()
                };
                (c.organization.clone(), c.report_id.clone(), dropped)
            })
            .collect()
    };
    assert_eq!(
        conflicts(actual, true),
        conflicts(expected, false),
        "conflicts"
    );

    let mismatches = |s: &Summary| -> BTreeSet<(String, u64, u64)> {
        s.detail_mismatches
            .iter()
            .map(|m| {
                (
                    m.report_id.clone(),
                    m.summary_failed_sessions,
                    m.detail_failed_sessions,
                )
            })
            .collect()
    };
    assert_eq!(
        mismatches(actual),
        mismatches(expected),
        "detail mismatches"
    );
}

fn check(layout: Layout, reports: usize, seed: u64) -> Summary {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = CorpusOptions {
        reports,
        seed,
        layout,
        ..CorpusOptions::default()
    };
    let expected = generate(dir.path(), &options).expect("generate");
    let actual = summary_json(dir.path());
    assert_matches(dir.path(), &actual, &expected);
    expected
}

#[test]
fn mixed_corpus_with_every_container_and_junk_kind() {
    let expected = check(Layout::Mixed, 800, 7);
    // The corpus really holds what the test claims to cover.
    assert!(expected.duplicates >= 40, "{}", expected.duplicates);
    assert!(!expected.conflicts.is_empty());
    assert_eq!(expected.problems.len(), 8);
    assert_eq!(expected.skipped.len(), 4);
    assert!(!expected.detail_mismatches.is_empty());
    assert!(
        expected
            .by_result_type
            .iter()
            .any(|r| r.result_type == "Testing")
    );
    assert!(expected.by_policy.iter().any(|p| p.policy_domain.is_none()));
}

#[test]
fn mixed_corpus_other_seed() {
    check(Layout::Mixed, 250, 99);
}

#[test]
fn one_file_per_report_corpus() {
    let expected = check(Layout::Files, 200, 3);
    assert!(expected.problems.is_empty());
}

#[test]
fn single_mbox_corpus() {
    let expected = check(Layout::Mbox, 300, 5);
    assert_eq!(expected.reports, 300);
}

/// The demo data in `sample-data/` reads exactly as generated
/// (`tests/fixtures/sample-data.expected.json`, see README "Sample data").
#[test]
fn sample_data_matches_its_expected_summary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("sample-data");
    let expected_json = std::fs::read(root.join("tests/fixtures/sample-data.expected.json"))
        .expect("expected summary of sample-data");
    let expected: Summary = serde_json::from_slice(&expected_json).expect("expected JSON");
    let actual = summary_json(&dir);
    assert_matches(&dir, &actual, &expected);
    assert!(actual.reports > 1000);
}

/// Files, mailboxes and junk read the same on one decoder thread as on many: the
/// same reports from the same sources in the same order, the same problems, the
/// same kept copies of duplicates, equal to the generator's totals. One thread
/// also splits every mbox alone, decoding a message itself whenever the queue of
/// 64 is full.
#[test]
fn every_thread_count_reads_the_same() {
    use std::sync::atomic::AtomicBool;
    use tlsrpt_analyzer::ingest::{self, LoadOptions};
    use tlsrpt_analyzer::library::Loaded;

    let dir = tempfile::tempdir().expect("tempdir");
    let options = CorpusOptions {
        reports: 1500,
        seed: 21,
        layout: Layout::Mixed,
        ..CorpusOptions::default()
    };
    let expected = generate(dir.path(), &options).expect("generate");
    let mut runs = Vec::new();
    for threads in [1, 2, 3, 8] {
        let mut store = Loaded::new();
        let options = LoadOptions {
            threads: Some(threads),
            ..LoadOptions::default()
        };
        let paths = [dir.path().to_path_buf()];
        ingest::load_into(
            &mut store,
            &paths,
            &options,
            &AtomicBool::new(false),
            |_| {},
        );
        let summary = Summary::of(&store);
        assert_matches(dir.path(), &summary, &expected);
        let sources: Vec<String> = store
            .reports()
            .iter()
            .map(|r| r.source.to_string())
            .collect();
        let problems: Vec<String> = store
            .problems()
            .map(|p| format!("{}: {}", p.source, p.error))
            .collect();
        runs.push((threads, sources, problems));
    }
    let (_, first_sources, first_problems) = &runs[0];
    // An mbox longer than the queue, so that one thread fills it.
    assert!(
        first_sources
            .iter()
            .any(|s| s.contains(".mbox › message 65 ")),
        "{first_sources:?}"
    );
    for (threads, sources, problems) in &runs[1..] {
        assert_eq!(sources, first_sources, "{threads} threads");
        assert_eq!(problems, first_problems, "{threads} threads");
    }
}

/// A corpus with an incident day reads exactly as generated, and that day's
/// failures stand out: more than twice the mean of the other days.
#[test]
fn an_incident_day_more_than_doubles_its_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let incident = chrono::NaiveDate::from_ymd_opt(2026, 6, 20).unwrap();
    let options = CorpusOptions {
        reports: 600,
        seed: 12,
        layout: Layout::Files,
        days: 30,
        incident_day: Some(incident),
        ..CorpusOptions::default()
    };
    let expected = generate(dir.path(), &options).expect("generate");
    let actual = summary_json(dir.path());
    assert_matches(dir.path(), &actual, &expected);
    let failed = |row: &tlsrpt_analyzer::analysis::DayRow| row.failed_sessions as f64;
    let (day, others): (Vec<_>, Vec<_>) = actual
        .by_day
        .iter()
        .partition(|row| row.day == "2026-06-20");
    let mean = others.iter().map(|row| failed(row)).sum::<f64>() / others.len() as f64;
    assert_eq!(day.len(), 1);
    assert!(
        failed(day[0]) > 2.0 * mean,
        "{} vs a mean of {mean}",
        failed(day[0])
    );
}
