//! The command line: grouped summaries, export of every table, usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(args)
        .output()
        .expect("run tlsrpt-analyzer")
}

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

#[test]
fn export_writes_every_table_in_csv_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("tables");
    let sample = sample_data();
    let output = run(&[
        "export",
        "--out",
        out.to_str().expect("path"),
        "--format",
        "both",
        "--by",
        "day,organization",
        sample.to_str().expect("path"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in [
        "reports",
        "failure-details",
        "daily",
        "weekly",
        "health",
        "by-policy",
        "by-result-type",
        "by-policy-version-organization",
        "by-day-organization",
    ] {
        for ext in ["csv", "json"] {
            let path = out.join(format!("{name}.{ext}"));
            assert!(path.is_file(), "{} missing", path.display());
        }
    }
    let expected: tlsrpt_analyzer::analysis::Summary = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample-data.expected.json"),
        )
        .expect("fixture"),
    )
    .expect("fixture JSON");
    let reports = csv::Reader::from_path(out.join("reports.csv"))
        .expect("reports.csv")
        .records()
        .count();
    assert_eq!(reports as u64, expected.reports);
    let json: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(out.join("reports.json")).expect("reports.json"))
            .expect("JSON");
    assert_eq!(json.len() as u64, expected.reports);
    let mut by_result =
        csv::Reader::from_path(out.join("by-result-type.csv")).expect("by-result-type.csv");
    let headers = by_result.headers().expect("headers").clone();
    assert_eq!(&headers[0], "result_type");
    let sum: u128 = by_result
        .records()
        .map(|r| {
            r.expect("row")[6]
                .parse::<u128>()
                .expect("detail_failed_sessions")
        })
        .sum();
    let expected_sum: u128 = expected
        .by_result_type
        .iter()
        .map(|r| r.failed_sessions)
        .sum();
    assert_eq!(sum, expected_sum);
}

#[test]
fn summary_by_two_dimensions_with_filters() {
    let sample = sample_data();
    let output = run(&[
        "summary",
        "--by",
        "policy-version,organization",
        "--domain",
        "example.com",
        "--from",
        "2026-08-01",
        "--to",
        "2026-08-31",
        "--format",
        "json",
        sample.to_str().expect("path"),
    ]);
    assert!(output.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row.get("policy_string").is_some() && row.get("organization").is_some());
        let last = row["last_day"].as_str().expect("last_day");
        assert!(last.starts_with("2026-08"), "{last}");
    }
    // After the mid-period policy change both versions appear for some sender.
    let versions: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r["policy_string"].as_str())
        .filter(|v| v.contains("mode:"))
        .collect();
    assert!(versions.len() >= 2, "{versions:?}");
}

#[test]
fn usage_errors_exit_with_status_2() {
    let sample = sample_data();
    let path = sample.to_str().expect("path");
    for args in [
        vec!["summary", "--by", "colour", path],
        vec!["summary", "--by", "day,organization,result-type", path],
        vec!["summary", "--format", "xml", path],
        vec![
            "export",
            "--out",
            "unused",
            "--by",
            "day,organization,mx-host",
            path,
        ],
        vec!["export", path],
    ] {
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Runs `args` in the checkout (so sources are shown relative to it, as
/// `sample-data/...`) and compares standard output with `tests/fixtures/golden/NAME`.
/// `UPDATE_GOLDEN=1` writes the file instead; review the diff before committing it.
fn assert_golden(args: &[&str], name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("run tlsrpt-analyzer");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let actual = String::from_utf8(output.stdout).expect("UTF-8");
    let path = root.join("tests/fixtures/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).expect("write golden file");
        return;
    }
    let golden = std::fs::read_to_string(&path).expect("golden file");
    if actual != golden {
        let line = actual
            .lines()
            .zip(golden.lines())
            .position(|(a, g)| a != g)
            .unwrap_or(actual.lines().count().min(golden.lines().count()));
        panic!(
            "{args:?} differs from {} at line {}:\n  actual: {:?}\n  golden: {:?}",
            path.display(),
            line + 1,
            actual.lines().nth(line),
            golden.lines().nth(line)
        );
    }
}

#[test]
fn summary_text_of_sample_data_matches_its_golden_file() {
    assert_golden(&["summary", "sample-data"], "summary.txt");
}

#[test]
fn summary_text_grouped_by_one_and_two_dimensions_matches_its_golden_files() {
    assert_golden(
        &["summary", "--by", "organization", "sample-data"],
        "summary-by-organization.txt",
    );
    assert_golden(
        &[
            "summary",
            "--by",
            "policy-domain,result-type",
            "sample-data",
        ],
        "summary-by-policy-domain-result-type.txt",
    );
    assert_golden(
        &[
            "summary",
            "--by",
            "week",
            "--domain",
            "example.net",
            "sample-data",
        ],
        "summary-by-week-example-net.txt",
    );
}
