//! Property tests: for random corpora and random filters, every grouping adds up to
//! the filtered totals, the totals equal an independent computation over the report
//! model, and CSV exports read back to the same numbers.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use proptest::prelude::*;
use tlsrpt_analyzer::analysis::{Dimension, Filter, GroupTable, Level, Measures, group_by, select};
use tlsrpt_analyzer::export::{
    CsvCells, FAILURE_DETAIL_COLUMNS, FailureDetailRecord, failure_detail_records, write_csv,
    write_group_csv,
};
use tlsrpt_analyzer::library::Loaded;
use tlsrpt_analyzer::library::date_of_day;
use tlsrpt_analyzer::report::Report;
use tlsrpt_corpus as corpus;
use tlsrpt_corpus::CorpusOptions;

fn store(seed: u64, reports: usize) -> Loaded {
    corpus::loaded(&CorpusOptions {
        reports,
        seed,
        days: 20,
        domains: 3,
        ..CorpusOptions::default()
    })
}

/// Values of a column, to draw filters from.
struct Values {
    domains: Vec<String>,
    organizations: Vec<String>,
    types: Vec<String>,
    results: Vec<String>,
    mx_hosts: Vec<String>,
    first: NaiveDate,
    days: i64,
}

fn values(store: &Loaded) -> Values {
    let mut v = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    let mut first = NaiveDate::MAX;
    let mut last = NaiveDate::MIN;
    for loaded in store.reports() {
        let r = &loaded.report;
        v.1.insert(r.organization_name.to_string());
        first = first.min(r.date_range.day());
        last = last.max(r.date_range.day());
        for p in &r.policies {
            v.0.insert(p.policy.policy_domain.as_deref().unwrap_or("").to_string());
            v.2.insert(p.policy.policy_type.as_str().to_string());
            for d in &p.failure_details {
                v.3.insert(d.result_type.as_str().to_string());
                v.4.insert(d.receiving_mx_hostname.as_deref().unwrap_or("").to_string());
            }
        }
    }
    Values {
        domains: v.0.into_iter().collect(),
        organizations: v.1.into_iter().collect(),
        types: v.2.into_iter().collect(),
        results: v.3.into_iter().collect(),
        mx_hosts: v.4.into_iter().collect(),
        first,
        days: (last - first).num_days(),
    }
}

/// Choices that become a filter once the corpus's values are known.
#[derive(Debug, Clone)]
struct FilterDraw {
    range: Option<(u8, u8)>,
    picks: [Vec<u8>; 5],
    text: Option<u8>,
}

fn filter_draw() -> impl Strategy<Value = FilterDraw> {
    let picks = || prop::collection::vec(any::<u8>(), 0..3);
    (
        prop::option::of((any::<u8>(), any::<u8>())),
        [picks(), picks(), picks(), picks(), picks()],
        prop::option::weighted(0.3, any::<u8>()),
    )
        .prop_map(|(range, picks, text)| FilterDraw { range, picks, text })
}

const TEXTS: [&str; 5] = ["google", "example.net", "x509", "209.85", "TESTING"];

fn make_filter(draw: &FilterDraw, v: &Values) -> Filter {
    let pick = |from: &[String], picks: &[u8]| -> Vec<String> {
        if from.is_empty() {
            return Vec::new();
        }
        picks
            .iter()
            .map(|&i| from[i as usize % from.len()].clone())
            .collect()
    };
    let (from, to) = match draw.range {
        Some((a, b)) => {
            let days = v.days.max(1);
            let (a, b) = (a as i64 % (days + 1), b as i64 % (days + 1));
            (
                Some(v.first + chrono::Duration::days(a.min(b))),
                Some(v.first + chrono::Duration::days(a.max(b))),
            )
        }
        None => (None, None),
    };
    Filter {
        from,
        to,
        policy_domains: pick(&v.domains, &draw.picks[0]),
        organizations: pick(&v.organizations, &draw.picks[1]),
        policy_types: pick(&v.types, &draw.picks[2]),
        result_types: pick(&v.results, &draw.picks[3]),
        mx_hosts: pick(&v.mx_hosts, &draw.picks[4]),
        text: draw
            .text
            .map(|i| TEXTS[i as usize % TEXTS.len()].to_string())
            .unwrap_or_default(),
    }
}

/// The filter semantics, computed directly on the report model.
fn reference_totals(store: &Loaded, filter: &Filter) -> Measures {
    let within = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
    let needle = filter.text.to_lowercase();
    let hit = |s: &str| !needle.is_empty() && s.to_lowercase().contains(&needle);
    let mut total = Measures::default();
    for loaded in store.reports() {
        let r: &Report = &loaded.report;
        let day = r.date_range.day();
        if filter.from.is_some_and(|f| day < f) || filter.to.is_some_and(|t| day > t) {
            continue;
        }
        if !within(&filter.organizations, &r.organization_name) {
            continue;
        }
        let report_hit = hit(&r.organization_name)
            || hit(&r.report_id)
            || r.contact_info.as_deref().is_some_and(hit);
        let mut counted = false;
        // Kept policies' sessions per (domain, type), for the sessions counted once.
        let mut by_type: Vec<(Option<String>, String, u128, u128)> = Vec::new();
        for p in &r.policies {
            let domain = p.policy.policy_domain.as_deref().unwrap_or("");
            if !within(&filter.policy_domains, domain)
                || !within(&filter.policy_types, p.policy.policy_type.as_str())
            {
                continue;
            }
            let mode = p
                .policy
                .decoded()
                .mode()
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            let policy_hit = report_hit
                || hit(p.policy.policy_type.as_str())
                || hit(domain)
                || hit(&mode)
                || hit(&p.policy.policy_string.join("\n"));
            let mut kept_failed = 0;
            let mut any = false;
            for d in &p.failure_details {
                let strings = [
                    d.result_type.to_string(),
                    d.sending_mta_ip
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                    d.receiving_ip
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                    d.receiving_mx_hostname.as_deref().unwrap_or("").to_string(),
                    d.receiving_mx_helo.as_deref().unwrap_or("").to_string(),
                    d.failure_reason_code.as_deref().unwrap_or("").to_string(),
                    d.additional_information
                        .as_deref()
                        .unwrap_or("")
                        .to_string(),
                ];
                let text_ok = needle.is_empty() || policy_hit || strings.iter().any(|s| hit(s));
                if text_ok
                    && within(&filter.result_types, d.result_type.as_str())
                    && within(
                        &filter.mx_hosts,
                        d.receiving_mx_hostname.as_deref().unwrap_or(""),
                    )
                {
                    kept_failed += d.failed_session_count;
                    any = true;
                }
            }
            let detail_filter = !filter.result_types.is_empty() || !filter.mx_hosts.is_empty();
            let kept = if detail_filter || !needle.is_empty() {
                any || (policy_hit && !detail_filter)
            } else {
                true
            };
            if kept {
                if !counted {
                    total.reports += 1;
                    counted = true;
                }
                let (ok, failed) = (
                    u128::from(p.summary.total_successful_session_count),
                    u128::from(p.summary.total_failure_session_count),
                );
                total.successful_sessions += ok;
                total.failed_sessions += failed;
                total.detail_failed_sessions += u128::from(kept_failed);
                let key = (
                    p.policy.policy_domain.as_deref().map(String::from),
                    p.policy.policy_type.to_string(),
                );
                match by_type
                    .iter_mut()
                    .find(|t| (&t.0, &t.1) == (&key.0, &key.1))
                {
                    Some(t) => {
                        t.2 += ok;
                        t.3 += failed;
                    }
                    None => by_type.push((key.0, key.1, ok, failed)),
                }
            }
        }
        // Per named domain the type with the most sessions; unnamed ones all count.
        let mut best: Vec<(Option<String>, u128, u128)> = Vec::new();
        for (domain, _, ok, failed) in by_type {
            match best.iter_mut().find(|b| domain.is_some() && b.0 == domain) {
                Some(b) if ok + failed > b.1 + b.2 => *b = (domain, ok, failed),
                Some(_) => {}
                None => best.push((domain, ok, failed)),
            }
        }
        for (_, ok, failed) in best {
            total.distinct_successful_sessions += ok;
            total.distinct_failed_sessions += failed;
        }
    }
    total
}

fn assert_adds_up(table: &GroupTable) {
    let rows = &table.rows;
    let sum = |f: fn(&Measures) -> u128| rows.iter().map(|r| f(&r.measures)).sum::<u128>();
    assert_eq!(
        sum(|m| m.detail_failed_sessions),
        table.total.detail_failed_sessions,
        "{:?}",
        table.dimensions
    );
    if table.has_session_counts() {
        assert_eq!(
            sum(|m| m.successful_sessions),
            table.total.successful_sessions,
            "{:?}",
            table.dimensions
        );
        if table.level == Level::Report {
            // A report is in one group of a report dimension: counted once there.
            assert_eq!(
                sum(|m| m.distinct_successful_sessions),
                table.total.distinct_successful_sessions,
                "{:?}",
                table.dimensions
            );
        }
        assert_eq!(
            sum(|m| m.failed_sessions),
            table.total.failed_sessions,
            "{:?}",
            table.dimensions
        );
    }
    if table.dimensions.len() == 1 && table.level == Level::Report {
        assert_eq!(
            sum(|m| u128::from(m.reports)),
            u128::from(table.total.reports),
            "{:?}",
            table.dimensions
        );
    }
    for row in rows {
        assert!(row.measures.reports >= 1);
        assert!(row.measures.first_day <= row.measures.last_day);
    }
}

/// Reads a grouped CSV back: the measure columns of every row.
fn read_group_csv(bytes: &[u8], key_columns: usize) -> Vec<(Vec<String>, Vec<Option<f64>>)> {
    let mut reader = csv::Reader::from_reader(bytes);
    reader
        .records()
        .map(|r| {
            let r = r.expect("CSV record");
            let keys = r.iter().take(key_columns).map(String::from).collect();
            let numbers = r
                .iter()
                .skip(key_columns)
                .take(7)
                .map(|c| {
                    if c.is_empty() {
                        None
                    } else {
                        Some(c.parse::<f64>().expect("number"))
                    }
                })
                .collect();
            (keys, numbers)
        })
        .collect()
}

fn check_csv_round_trip(table: &GroupTable) {
    let mut bytes = Vec::new();
    write_group_csv(table, CsvCells::Raw, &mut bytes).expect("write CSV");
    let back = read_group_csv(&bytes, table.key_columns().len());
    assert_eq!(back.len(), table.rows.len());
    for ((keys, numbers), row) in back.iter().zip(&table.rows) {
        assert_eq!(keys, &row.labels);
        let m = &row.measures;
        let sessions = table.has_session_counts();
        let expect = |v: u128| if sessions { Some(v as f64) } else { None };
        assert_eq!(numbers[0], Some(m.reports as f64));
        assert_eq!(numbers[1], expect(m.successful_sessions));
        assert_eq!(numbers[2], expect(m.failed_sessions));
        assert_eq!(numbers[3], expect(m.total_sessions()));
        assert_eq!(numbers[4], if sessions { m.success_rate() } else { None });
        assert_eq!(numbers[5], Some(m.detail_failed_sessions as f64));
        assert_eq!(numbers[6], table.detail_share(row));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_grouping_adds_up_to_the_filtered_totals(
        seed in 0u64..1_000,
        reports in 20usize..160,
        draw in filter_draw(),
        pair in (0usize..15, 0usize..15),
    ) {
        let store = store(seed, reports);
        let dataset = store.dataset();
        let filter = make_filter(&draw, &values(&store));
        let selection = select(dataset, &filter);

        let total = group_by(dataset, &selection, &[]).total;
        let reference = reference_totals(&store, &filter);
        prop_assert_eq!(total.reports, reference.reports);
        prop_assert_eq!(total.successful_sessions, reference.successful_sessions);
        prop_assert_eq!(total.failed_sessions, reference.failed_sessions);
        prop_assert_eq!(total.detail_failed_sessions, reference.detail_failed_sessions);
        prop_assert_eq!(total.distinct_successful_sessions, reference.distinct_successful_sessions);
        prop_assert_eq!(total.distinct_failed_sessions, reference.distinct_failed_sessions);

        for dimension in Dimension::ALL {
            let table = group_by(dataset, &selection, &[dimension]);
            prop_assert_eq!(table.total, total);
            assert_adds_up(&table);
        }
        let dims = [Dimension::ALL[pair.0], Dimension::ALL[pair.1]];
        let table = group_by(dataset, &selection, &dims);
        assert_adds_up(&table);
        check_csv_round_trip(&table);
    }

    #[test]
    fn failure_details_csv_reads_back_to_the_same_records(
        seed in 0u64..1_000,
        reports in 10usize..80,
        draw in filter_draw(),
    ) {
        let store = store(seed, reports);
        let dataset = store.dataset();
        let filter = make_filter(&draw, &values(&store));
        let selection = select(dataset, &filter);
        let records = failure_detail_records(&store, &selection);
        let mut bytes = Vec::new();
        write_csv(&FAILURE_DETAIL_COLUMNS, &records, CsvCells::Raw, &mut bytes).expect("write CSV");
        let back: Vec<FailureDetailRecord> = csv::Reader::from_reader(&bytes[..])
            .deserialize()
            .collect::<Result<_, _>>()
            .expect("read CSV");
        prop_assert_eq!(&back, &records);
        let sum: u128 = back.iter().map(|r| u128::from(r.failed_session_count)).sum();
        prop_assert_eq!(sum, group_by(dataset, &selection, &[]).total.detail_failed_sessions);
    }
}

#[test]
fn day_and_week_labels_sort_chronologically() {
    let store = store(5, 300);
    let dataset = store.dataset();
    let selection = select(dataset, &Filter::default());
    for dimension in [Dimension::Day, Dimension::Week, Dimension::Month] {
        let table = group_by(dataset, &selection, &[dimension]);
        let firsts: Vec<i32> = table.rows.iter().map(|r| r.measures.first_day).collect();
        let mut sorted = firsts.clone();
        sorted.sort();
        assert_eq!(firsts, sorted, "{dimension}");
    }
    let weeks = group_by(dataset, &selection, &[Dimension::Week]);
    for row in &weeks.rows {
        let first = date_of_day(row.measures.first_day);
        let label = format!(
            "{}-W{:02}",
            first.iso_week().year(),
            first.iso_week().week()
        );
        assert_eq!(row.labels[0], label);
    }
}

use chrono::Datelike;
