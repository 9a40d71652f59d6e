//! The warehouse export (`export --format parquet,ndjson`): the fact tables read
//! back (Parquet with the `parquet` crate, NDJSON with serde_json) say what
//! `summary` says, in typed columns named as the CSV ones, partitioned by day.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;
use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::export::{FAILURE_DETAIL_COLUMNS, FactTable, REPORT_COLUMNS};
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

#[path = "common/ingest.rs"]
#[allow(dead_code)]
mod common;
use common::tempdir;

fn run(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(args)
        .output()
        .expect("run tlsrpt-analyzer");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn corpus(dir: &Path, reports: usize, seed: u64) -> PathBuf {
    let out = dir.join("corpus");
    let options = CorpusOptions {
        reports,
        seed,
        layout: Layout::Mixed,
        ..CorpusOptions::default()
    };
    generate(&out, &options).unwrap();
    out
}

/// A row as column name → JSON value (timestamps as RFC 3339 text).
type Row = BTreeMap<String, Json>;

fn ndjson_rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

fn text<'a>(row: &'a Row, column: &str) -> &'a str {
    row[column]
        .as_str()
        .unwrap_or_else(|| panic!("{column} is text"))
}

fn count(row: &Row, column: &str) -> u128 {
    row[column]
        .as_u64()
        .unwrap_or_else(|| panic!("{column} is a count")) as u128
}

/// The rows of the copies the engine keeps: per (organization, report_key) of
/// the `reports` table, the first in (shard, input_order) (README, "Sharded runs").
fn kept_copies(reports: &[Row]) -> Vec<(u64, String)> {
    let mut first: HashMap<(String, String), (u64, String)> = HashMap::new();
    for row in reports {
        let key = (
            text(row, "organization").into(),
            text(row, "report_key").into(),
        );
        let copy = (
            row["shard"].as_u64().unwrap(),
            text(row, "input_order").into(),
        );
        let kept = first.entry(key).or_insert(copy.clone());
        if copy < *kept {
            *kept = copy;
        }
    }
    first.into_values().collect()
}

fn of_kept<'a>(rows: &'a [Row], kept: &[(u64, String)]) -> Vec<&'a Row> {
    let kept: std::collections::HashSet<_> = kept.iter().collect();
    rows.iter()
        .filter(|r| kept.contains(&(r["shard"].as_u64().unwrap(), text(r, "input_order").into())))
        .collect()
}

/// The totals and breakdowns of `summary` computed from the fact tables.
fn assert_tables_say_what_summary_says(
    reports: &[Row],
    policies: &[Row],
    details: &[Row],
    summary: &Summary,
) {
    let kept = kept_copies(reports);
    assert_eq!(kept.len() as u64, summary.reports);
    let policies = of_kept(policies, &kept);
    let sum = |column: &str| policies.iter().map(|r| count(r, column)).sum::<u128>();
    assert_eq!(sum("successful_sessions"), summary.successful_sessions);
    assert_eq!(sum("failed_sessions"), summary.failed_sessions);
    let mut by_day: BTreeMap<String, (u128, u128)> = BTreeMap::new();
    for row in &policies {
        let day = by_day.entry(text(row, "day").into()).or_default();
        day.0 += count(row, "successful_sessions");
        day.1 += count(row, "failed_sessions");
    }
    let expected: BTreeMap<String, (u128, u128)> = summary
        .by_day
        .iter()
        .map(|d| (d.day.clone(), (d.successful_sessions, d.failed_sessions)))
        .collect();
    assert_eq!(by_day, expected);
    let mut by_result_type: BTreeMap<String, u128> = BTreeMap::new();
    for row in of_kept(details, &kept) {
        *by_result_type
            .entry(text(row, "result_type").into())
            .or_default() += count(row, "failed_session_count");
    }
    let expected: BTreeMap<String, u128> = summary
        .by_result_type
        .iter()
        .map(|r| (r.result_type.clone(), r.failed_sessions))
        .collect();
    assert_eq!(by_result_type, expected);
}

fn names(table: FactTable) -> Vec<&'static str> {
    table.columns().iter().map(|c| c.name).collect()
}

#[test]
fn fact_table_columns_are_the_csv_columns_then_where_the_copy_came_from() {
    let reports = names(FactTable::Reports);
    assert_eq!(reports[..REPORT_COLUMNS.len()], REPORT_COLUMNS);
    assert_eq!(
        reports[REPORT_COLUMNS.len()..],
        ["shard", "input_order", "report_key"]
    );
    let details = names(FactTable::FailureDetails);
    assert_eq!(
        details[..FAILURE_DETAIL_COLUMNS.len()],
        FAILURE_DETAIL_COLUMNS
    );
    assert_eq!(
        details[FAILURE_DETAIL_COLUMNS.len()..],
        ["shard", "input_order"]
    );
    let policies = names(FactTable::Policies);
    for column in [
        "organization",
        "report_id",
        "start_datetime",
        "policy_type",
        "policy_domain",
        "policy_mode",
        "policy_mx",
        "successful_sessions",
        "failed_sessions",
        "source",
    ] {
        assert!(policies.contains(&column), "{column}");
    }
}

#[test]
fn ndjson_of_a_corpus_says_what_summary_says() {
    let dir = tempdir();
    let corpus = corpus(dir.path(), 400, 5);
    let out = dir.path().join("out");
    run(&["export", "--format", "ndjson", "--out", s(&out), s(&corpus)]);
    let summary = Summary::of(&tlsrpt_analyzer::ingest::load(&[corpus]));
    let reports = ndjson_rows(&out.join("reports.ndjson"));
    let policies = ndjson_rows(&out.join("policies.ndjson"));
    let details = ndjson_rows(&out.join("failure-details.ndjson"));
    for (rows, table) in [
        (&reports, FactTable::Reports),
        (&policies, FactTable::Policies),
        (&details, FactTable::FailureDetails),
    ] {
        let mut expected: Vec<&str> = names(table);
        expected.push("day");
        expected.sort();
        for row in rows.iter() {
            assert_eq!(row.keys().map(String::as_str).collect::<Vec<_>>(), expected);
            // The day is the UTC day of the start, which is RFC 3339 UTC text.
            assert!(text(row, "start_datetime").starts_with(text(row, "day")));
            assert!(text(row, "start_datetime").ends_with('Z'));
        }
    }
    assert_tables_say_what_summary_says(&reports, &policies, &details, &summary);
}

#[test]
fn export_of_a_library_writes_the_rows_of_its_inputs() {
    let dir = tempdir();
    let corpus = corpus(dir.path(), 200, 9);
    let library = dir.path().join("lib.sqlite");
    run(&["import", "--library", s(&library), s(&corpus)]);
    let (from_paths, from_library) = (dir.path().join("paths"), dir.path().join("library"));
    run(&[
        "export",
        "--format",
        "ndjson",
        "--out",
        s(&from_paths),
        s(&corpus),
    ]);
    let args = ["export", "--format", "ndjson", "--shard", "3"];
    run(&[
        &args[..],
        &["--out", s(&from_library), "--library", s(&library)],
    ]
    .concat());
    // Each report once, by key, with its numbers (the streamed copy that counts).
    let numbers = |dir: &Path| {
        let rows = ndjson_rows(&dir.join("reports.ndjson"));
        let kept = kept_copies(&rows);
        let mut numbers: Vec<String> = of_kept(&rows, &kept)
            .iter()
            .map(|r| {
                let columns = ["report_key", "start_datetime", "policy_domains", "source"];
                let counts = ["policies", "successful_sessions", "failed_sessions"];
                let texts = columns.map(|c| text(r, c).to_string());
                format!("{texts:?} {:?}", counts.map(|c| count(r, c)))
            })
            .collect();
        numbers.sort();
        (
            numbers,
            rows.iter().map(|r| r["shard"].clone()).collect::<Vec<_>>(),
        )
    };
    let (paths, _) = numbers(&from_paths);
    let (library, shards) = numbers(&from_library);
    assert_eq!(paths, library);
    assert!(shards.iter().all(|s| s == 3));
    let summary = Summary::of(&tlsrpt_analyzer::ingest::load(&[corpus]));
    assert_eq!(library.len() as u64, summary.reports);
}

#[test]
fn a_filter_keeps_the_rows_it_keeps_in_the_csv_tables() {
    let dir = tempdir();
    let corpus = corpus(dir.path(), 200, 2);
    let out = dir.path().join("out");
    let args = ["export", "--format", "ndjson,csv", "--result-type"];
    run(&[
        &args[..],
        &["starttls-not-supported", "--out", s(&out), s(&corpus)],
    ]
    .concat());
    let details = ndjson_rows(&out.join("failure-details.ndjson"));
    assert!(!details.is_empty());
    assert!(
        details
            .iter()
            .all(|r| text(r, "result_type") == "starttls-not-supported")
    );
    let csv = std::fs::read_to_string(out.join("failure-details.csv")).unwrap();
    assert_eq!(csv.lines().count() - 1, details.len());
}

#[cfg(feature = "parquet")]
mod parquet_files {
    use super::*;
    use parquet::basic::{LogicalType, TimeUnit, Type as Physical};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    /// Every file of a table: its partition folder's day, and its rows.
    fn parquet_rows(table_dir: &Path, table: FactTable) -> Vec<Row> {
        let mut rows = Vec::new();
        for day in std::fs::read_dir(table_dir).unwrap() {
            let day = day.unwrap().path();
            let name = day.file_name().unwrap().to_str().unwrap().to_string();
            let value = name.strip_prefix("day=").expect("Hive partition folder");
            for file in std::fs::read_dir(&day).unwrap() {
                let file = file.unwrap().path();
                assert!(file.to_str().unwrap().ends_with(".parquet"));
                let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap())
                    .expect("a Parquet file");
                assert_schema(&reader, table);
                for row in reader.get_row_iter(None).unwrap() {
                    let mut out = Row::new();
                    for (name, field) in row.unwrap().get_column_iter() {
                        out.insert(name.clone(), json_of(field));
                    }
                    out.insert("day".into(), Json::from(value));
                    rows.push(out);
                }
            }
        }
        rows
    }

    fn assert_schema(reader: &SerializedFileReader<std::fs::File>, table: FactTable) {
        let schema = reader.metadata().file_metadata().schema_descr();
        let columns = table.columns();
        assert_eq!(schema.num_columns(), columns.len());
        for (i, column) in columns.iter().enumerate() {
            let descr = schema.column(i);
            assert_eq!(descr.name(), column.name);
            let expected = match column.kind {
                tlsrpt_analyzer::export::Kind::Text => {
                    (Physical::BYTE_ARRAY, Some(LogicalType::String))
                }
                tlsrpt_analyzer::export::Kind::Count => (Physical::INT64, None),
                tlsrpt_analyzer::export::Kind::Time => (
                    Physical::INT64,
                    Some(LogicalType::timestamp(true, TimeUnit::MILLIS)),
                ),
            };
            assert_eq!(
                (descr.physical_type(), descr.logical_type_ref().cloned()),
                expected,
                "{}",
                column.name
            );
        }
    }

    fn json_of(field: &Field) -> Json {
        match field {
            Field::Str(text) => Json::from(text.as_str()),
            Field::Long(n) => Json::from(*n),
            Field::TimestampMillis(ms) => {
                let time = chrono::DateTime::from_timestamp_millis(*ms).unwrap();
                Json::from(time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            }
            other => panic!("unexpected Parquet value {other:?}"),
        }
    }

    #[test]
    fn parquet_of_a_corpus_is_typed_partitioned_by_day_and_says_what_summary_says() {
        let dir = tempdir();
        let corpus = corpus(dir.path(), 500, 3);
        let out = dir.path().join("out");
        run(&[
            "export",
            "--format",
            "parquet,ndjson",
            "--out",
            s(&out),
            s(&corpus),
        ]);
        let summary = Summary::of(&tlsrpt_analyzer::ingest::load(&[corpus]));
        let table = |t: FactTable| parquet_rows(&out.join(t.name()), t);
        let reports = table(FactTable::Reports);
        let policies = table(FactTable::Policies);
        let details = table(FactTable::FailureDetails);
        for row in reports.iter().chain(&policies).chain(&details) {
            assert!(text(row, "start_datetime").starts_with(text(row, "day")));
        }
        assert_tables_say_what_summary_says(&reports, &policies, &details, &summary);
        // The NDJSON of the same run holds the same rows.
        let sorted = |mut rows: Vec<Row>| {
            rows.sort_by_key(|r| serde_json::to_string(r).unwrap());
            rows
        };
        let ndjson = ndjson_rows(&out.join("policies.ndjson"));
        assert_eq!(sorted(policies), sorted(ndjson));
    }

    #[test]
    fn hostile_text_is_kept_exactly() {
        use tlsrpt_analyzer::export::{
            FactDetail, FactPolicy, FactReport, WarehouseFormat, WarehouseWriter,
        };
        let dir = tempdir();
        let hostile = [
            "=HYPERLINK(\"http://x\")",
            "nul\u{0}byte",
            "line\nbreak\r\n\"quoted\",comma",
            "\u{202e}rtl \u{feff} 😀 ü",
            "",
        ];
        let report = FactReport {
            organization: hostile[0].into(),
            report_id: hostile[1].into(),
            start: 1_780_272_000,
            end: 1_780_358_399,
            contact_info: hostile[2].into(),
            source: hostile[3].into(),
            report_key: hostile[1].into(),
            policies: vec![FactPolicy {
                policy_type: "sts".into(),
                policy_domain: hostile[3].into(),
                successful_sessions: 1 << 53,
                details: vec![FactDetail {
                    result_type: hostile[2].into(),
                    additional_information: "x".repeat(100_000),
                    failed_session_count: 7,
                    ..FactDetail::default()
                }],
                ..FactPolicy::default()
            }],
            ..FactReport::default()
        };
        let formats = [WarehouseFormat::Parquet, WarehouseFormat::Ndjson];
        let mut writer = WarehouseWriter::create(dir.path(), &formats).unwrap();
        writer.write(&report).unwrap();
        writer.finish().unwrap();
        for table in FactTable::ALL {
            let parquet = parquet_rows(&dir.path().join(table.name()), table);
            let ndjson = ndjson_rows(&dir.path().join(format!("{}.ndjson", table.name())));
            assert_eq!(parquet, ndjson);
            assert_eq!(parquet.len(), 1);
            let row = &parquet[0];
            assert_eq!(text(row, "organization"), hostile[0]);
            assert_eq!(text(row, "report_id"), hostile[1]);
            assert_eq!(text(row, "contact_info"), hostile[2]);
            assert_eq!(text(row, "day"), "2026-06-01");
        }
        let policies = parquet_rows(&dir.path().join("policies"), FactTable::Policies);
        assert_eq!(text(&policies[0], "policy_domain"), hostile[3]);
        assert_eq!(count(&policies[0], "successful_sessions"), 1 << 53);
        let details = parquet_rows(
            &dir.path().join("failure-details"),
            FactTable::FailureDetails,
        );
        assert_eq!(text(&details[0], "result_type"), hostile[2]);
        assert_eq!(text(&details[0], "additional_information").len(), 100_000);
    }
}
