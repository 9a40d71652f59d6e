//! Series, health, explanations and the failure-detail CSV on real reports.

use std::path::Path;
use std::sync::Arc;

use tlsrpt_analyzer::analysis::{
    Dimension, Filter, Grade, Period, Summary, explain, health, registered, select, series,
};

use tlsrpt_analyzer::export::{
    CsvCells, ExportSpec, FAILURE_DETAIL_COLUMNS, FailureDetailRecord, TableFormat, export_all,
    failure_detail_records, report_records, write_csv, write_json,
};
use tlsrpt_analyzer::ingest::{self};
use tlsrpt_analyzer::library::{Loaded, Order, Source};
use tlsrpt_analyzer::report::parse_reports;

/// A store of reports given as JSON texts.
fn store_of(reports: &[String]) -> Loaded {
    let mut store = Loaded::new();
    let generation = store.begin_load();
    for (i, json) in reports.iter().enumerate() {
        for report in parse_reports(json.as_bytes()).expect("valid report") {
            let source = Source::file(Arc::from(Path::new(&format!("r{i}.json"))));
            let order = Order {
                generation,
                file: i as u32,
                ..Order::default()
            };
            store.insert(report, source, order);
        }
    }
    store.finish_load();
    store
}

fn report(
    id: &str,
    org: &str,
    day: &str,
    domain: &str,
    ok: u64,
    failures: &[(&str, u64)],
) -> String {
    let details: Vec<String> = failures
        .iter()
        .map(|(rt, n)| {
            format!(r#"{{"result-type":"{rt}","receiving-mx-hostname":"mx.{domain}","failed-session-count":{n}}}"#)
        })
        .collect();
    let failed: u64 = failures.iter().map(|(_, n)| n).sum();
    format!(
        r#"{{"organization-name":"{org}","report-id":"{id}",
        "date-range":{{"start-datetime":"{day}T00:00:00Z","end-datetime":"{day}T23:59:59Z"}},
        "policies":[{{"policy":{{"policy-type":"sts","policy-domain":"{domain}",
          "policy-string":["version: STSv1","mode: enforce","mx: mx.{domain}","max_age: 86400"]}},
        "summary":{{"total-successful-session-count":{ok},"total-failure-session-count":{failed}}},
        "failure-details":[{}]}}]}}"#,
        details.join(",")
    )
}

#[test]
fn days_without_reports_are_gaps_not_zero_traffic() {
    let store = store_of(&[
        report("a", "Google Inc.", "2026-08-01", "example.com", 10, &[]),
        report("b", "Google Inc.", "2026-08-02", "example.com", 0, &[]),
        report(
            "c",
            "Google Inc.",
            "2026-08-05",
            "example.com",
            7,
            &[("starttls-not-supported", 3)],
        ),
    ]);
    let dataset = store.dataset();
    let points = series(dataset, &select(dataset, &Filter::default()), Period::Day);
    let days: Vec<String> = points.iter().map(|p| p.start.to_string()).collect();
    assert_eq!(
        days,
        [
            "2026-08-01",
            "2026-08-02",
            "2026-08-03",
            "2026-08-04",
            "2026-08-05"
        ]
    );
    let gaps: Vec<bool> = points.iter().map(|p| p.is_gap()).collect();
    // 2026-08-02 has a report with no traffic: zero, but not a gap.
    assert_eq!(gaps, [false, false, true, true, false]);
    assert_eq!(points[1].successful_sessions, 0);
    assert_eq!(points[4].failed_sessions, 3);

    let weeks = series(dataset, &select(dataset, &Filter::default()), Period::Week);
    // 2026-08-01 is a Saturday: two ISO weeks, starting on Mondays.
    let starts: Vec<String> = weeks.iter().map(|p| p.start.to_string()).collect();
    assert_eq!(starts, ["2026-07-27", "2026-08-03"]);
    assert_eq!(weeks[0].successful_sessions, 10);
    assert_eq!(weeks[1].reports, 1);
}

#[test]
fn grades_follow_the_ncsc_thresholds() {
    assert_eq!(Grade::of(0, 0), Grade::NoData);
    assert_eq!(Grade::of(100, 0), Grade::Fine);
    assert_eq!(Grade::of(9_999, 1), Grade::Info);
    assert_eq!(Grade::of(901, 99), Grade::Info);
    assert_eq!(Grade::of(900, 100), Grade::Warning);
    assert_eq!(Grade::of(501, 499), Grade::Warning);
    assert_eq!(Grade::of(500, 500), Grade::Error);
    assert_eq!(Grade::of(0, 1), Grade::Error);
}

#[test]
fn health_names_the_main_failure_and_who_reports_it() {
    let store = store_of(&[
        report(
            "a",
            "Google Inc.",
            "2026-08-01",
            "bad.example",
            10,
            &[("certificate-expired", 30)],
        ),
        report(
            "b",
            "Microsoft Corporation",
            "2026-08-01",
            "bad.example",
            5,
            &[("certificate-expired", 50), ("starttls-not-supported", 5)],
        ),
        report("c", "Google Inc.", "2026-08-02", "good.example", 100, &[]),
        report(
            "d",
            "Google Inc.",
            "2026-08-02",
            "meh.example",
            95,
            &[("validation-failure", 5)],
        ),
    ]);
    let dataset = store.dataset();
    let rows = health(dataset, &select(dataset, &Filter::default()));
    let domains: Vec<&str> = rows.iter().map(|h| h.policy_domain.as_str()).collect();
    assert_eq!(domains, ["bad.example", "meh.example", "good.example"]);
    let bad = &rows[0];
    assert_eq!(bad.grade, Grade::Error);
    assert_eq!(bad.failed_sessions, 85);
    assert_eq!(bad.top_result_type.as_deref(), Some("certificate-expired"));
    assert_eq!(bad.top_result_type_sessions, 80);
    assert_eq!(
        bad.top_result_type_sender.as_deref(),
        Some("Microsoft Corporation")
    );
    assert_eq!(rows[1].grade, Grade::Info);
    assert_eq!(rows[2].grade, Grade::Fine);
    assert_eq!(rows[2].top_result_type, None);
}

#[test]
fn every_registered_result_type_is_explained_and_unknown_ones_say_so() {
    assert_eq!(registered().len(), 11);
    for e in registered() {
        assert!(e.registered);
        assert_eq!(explain(e.result_type), *e);
        assert_eq!(
            explain(&e.result_type.to_uppercase()).result_type,
            e.result_type
        );
        assert!(
            e.meaning.len() > 40 && e.fix.len() > 40,
            "{}",
            e.result_type
        );
    }
    let unknown = explain("Testing");
    assert!(!unknown.registered);
    assert!(unknown.meaning.contains("not in the RFC 8460 registry"));
}

#[path = "common/real_samples.rs"]
mod samples;
use samples::real_samples;

#[test]
fn real_failure_details_csv_carries_policy_domain_and_type_on_every_row() {
    let Some(dir) = real_samples() else { return };
    let store = ingest::load(&[dir]);
    let dataset = store.dataset();
    let selection = select(dataset, &Filter::default());
    let records = failure_detail_records(&store, &selection);
    let mut bytes = Vec::new();
    write_csv(&FAILURE_DETAIL_COLUMNS, &records, CsvCells::Raw, &mut bytes).expect("CSV");
    let back: Vec<FailureDetailRecord> = csv::Reader::from_reader(&bytes[..])
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("read CSV");
    assert_eq!(back, records);
    let details: usize = store
        .reports()
        .iter()
        .flat_map(|r| &r.report.policies)
        .map(|p| p.failure_details.len())
        .sum();
    assert_eq!(back.len(), details);
    assert!(back.len() >= 10);
    for row in &back {
        assert!(!row.policy_type.is_empty(), "{row:?}");
        let report = store
            .reports()
            .iter()
            .find(|r| *r.report.report_id == row.report_id)
            .expect("report of the row");
        let has_domain = report
            .report
            .policies
            .iter()
            .any(|p| p.policy.policy_domain.is_some());
        assert_eq!(!row.policy_domain.is_empty(), has_domain, "{row:?}");
    }
    // Mail.ru's fetch errors keep their reason text.
    assert!(
        back.iter()
            .any(|r| r.failure_reason_code == "bad https response code: 404")
    );
}

#[test]
fn go_error_strings_with_quotes_survive_csv() {
    let go_error = r#"Get "https://mta-sts.example.com/.well-known/mta-sts.txt": x509: certificate signed by unknown authority"#;
    let json = report(
        "g",
        "Google Inc.",
        "2026-08-01",
        "example.com",
        1,
        &[("sts-webpki-invalid", 2)],
    )
    .replace(
        r#""failed-session-count":2"#,
        &format!(
            r#""failed-session-count":2,"failure-reason-code":{}"#,
            serde_json::to_string(go_error).unwrap()
        ),
    );
    let store = store_of(&[json]);
    let dataset = store.dataset();
    let records = failure_detail_records(&store, &select(dataset, &Filter::default()));
    let mut bytes = Vec::new();
    write_csv(&FAILURE_DETAIL_COLUMNS, &records, CsvCells::Raw, &mut bytes).expect("CSV");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(text.contains(r#""Get ""https://mta-sts.example.com/.well-known/mta-sts.txt"": x509: certificate signed by unknown authority""#), "{text}");
    let back: Vec<FailureDetailRecord> = csv::Reader::from_reader(&bytes[..])
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("read CSV");
    assert_eq!(back[0].failure_reason_code, go_error);
    assert_eq!(back[0].policy_domain, "example.com");
    assert_eq!(back[0].policy_mode, "enforce");
    assert_eq!(back[0].policy_mx, "mx.example.com");
}

#[test]
fn export_all_writes_each_grouping_once() {
    let store = store_of(&[report(
        "g",
        "Google Inc.",
        "2026-08-01",
        "example.com",
        5,
        &[("starttls-not-supported", 2)],
    )]);
    let _dataset = store.dataset();
    let dir = tempfile::tempdir().expect("temporary folder");
    // The app passes its current grouping, which is usually one written anyway.
    let extra = [
        vec![Dimension::Organization],
        vec![],
        vec![Dimension::PolicyDomain, Dimension::ResultType],
        vec![Dimension::Day, Dimension::MxHost],
    ];
    let formats = [TableFormat::Csv, TableFormat::Json];
    let spec = ExportSpec {
        filter: &Filter::default(),
        extra: &extra,
        formats: &formats,
        cells: CsvCells::Neutralized,
    };
    let written = export_all(dir.path(), &store, &spec).expect("export");
    let mut names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    let on_disk = std::fs::read_dir(dir.path()).expect("folder").count();
    assert_eq!(written.len(), on_disk, "{names:?}");
    assert!(
        names.contains(&"by-day-mx-host.json".to_string()),
        "{names:?}"
    );
    assert!(names.iter().all(|n| !n.starts_with("by-.")), "{names:?}");
    names.sort();
    names.dedup();
    assert_eq!(names.len(), written.len(), "a file written twice");
}

#[test]
fn json_export_reports_a_failing_final_write() {
    // /dev/full takes every write call and fails it with ENOSPC; a table this
    // small only reaches it when the buffered writer is flushed.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipping: this system has no /dev/full");
        return;
    };
    let result = write_json(&["one row"], std::io::BufWriter::new(full));
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn a_report_without_policies_is_counted_and_exported_unless_a_policy_filter_excludes_it() {
    let empty = r#"{"organization-name":"Quiet Sender","report-id":"no-policies",
        "date-range":{"start-datetime":"2026-08-02T00:00:00Z","end-datetime":"2026-08-02T23:59:59Z"},
        "policies":[]}"#;
    let store = store_of(&[
        report("g", "Google Inc.", "2026-08-01", "example.com", 5, &[]),
        empty.to_string(),
    ]);
    let dataset = store.dataset();
    let kept_ids = |filter: &Filter| -> Vec<String> {
        report_records(&store, &select(dataset, filter))
            .into_iter()
            .map(|r| r.report_id)
            .collect()
    };
    let summary = Summary::filtered(&store, &Filter::default());
    assert_eq!(summary.reports, 2);
    assert_eq!(summary.successful_sessions, 5);
    assert_eq!(kept_ids(&Filter::default()), ["g", "no-policies"]);
    let quiet = Filter {
        organizations: vec!["Quiet Sender".into()],
        ..Filter::default()
    };
    assert_eq!(kept_ids(&quiet), ["no-policies"]);
    assert_eq!(Summary::filtered(&store, &quiet).reports, 1);
    // Report-level text matches it; a policy-level filter cannot.
    let by_text = |text: &str| Filter {
        text: text.into(),
        ..Filter::default()
    };
    assert_eq!(kept_ids(&by_text("no-polic")), ["no-policies"]);
    assert_eq!(kept_ids(&by_text("example.com")), ["g"]);
    let by_domain = Filter {
        policy_domains: vec!["example.com".into()],
        ..Filter::default()
    };
    assert_eq!(kept_ids(&by_domain), ["g"]);
    assert_eq!(Summary::filtered(&store, &by_domain).reports, 1);
    let august_1 = Filter {
        to: chrono::NaiveDate::from_ymd_opt(2026, 8, 1),
        ..Filter::default()
    };
    assert_eq!(kept_ids(&august_1), ["g"]);
}
