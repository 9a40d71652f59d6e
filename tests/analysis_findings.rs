//! Incidents, week-over-week and findings: on hand-built reports whose outcome is
//! stated in each test, on the generated corpus (its testing → enforce change, which
//! Microsoft picks up four days late, and Mail.ru's details), and as a property:
//! incidents add up to the selected failure details, computed independently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use serde_json::{Value, json};
use tlsrpt_analyzer::analysis::{
    CLEAN_DAYS_BEFORE_ENFORCE, Evidence, Filter, Finding, FindingKind, Incident, SPARKLINE_DAYS,
    Selection, Severity, findings, group_by, incidents, policy_abbreviation, select,
    week_over_week,
};
use tlsrpt_analyzer::library::{Loaded, Order, Source, date_of_day, day_of_date};
use tlsrpt_analyzer::report::parse_reports;
use tlsrpt_corpus::CorpusOptions;

// ---------------------------------------------------------------------------
// Hand-built reports

/// Day 0 of the hand-built reports.
fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 1).expect("date") + Duration::days(n)
}

/// A failure detail: result type, receiving MX host, failed sessions.
type Detail = (&'static str, Option<&'static str>, u64);

/// One policy of a report.
#[derive(Clone)]
struct Policy {
    policy_type: &'static str,
    domain: Option<&'static str>,
    strings: Vec<String>,
    successful: u64,
    /// The summary's failures; `None`: the sum of the details.
    failed: Option<u64>,
    details: Vec<Detail>,
}

fn sts_strings(domain: &str, mode: &str, max_age: u64) -> Vec<String> {
    vec![
        "version: STSv1".into(),
        format!("mode: {mode}"),
        format!("mx: mx1.{domain}"),
        format!("max_age: {max_age}"),
    ]
}

/// An MTA-STS policy in `mode`, with `successful` sessions and `details`.
fn sts(domain: &'static str, mode: &str, successful: u64, details: &[Detail]) -> Policy {
    Policy {
        policy_type: "sts",
        domain: Some(domain),
        strings: sts_strings(
            domain,
            mode,
            if mode == "enforce" { 604_800 } else { 86_400 },
        ),
        successful,
        failed: None,
        details: details.to_vec(),
    }
}

fn no_policy(domain: Option<&'static str>, successful: u64) -> Policy {
    Policy {
        policy_type: "no-policy-found",
        domain,
        strings: Vec::new(),
        successful,
        failed: None,
        details: Vec::new(),
    }
}

/// A report of `org` for day `n`.
fn report(org: &str, n: i64, policies: &[Policy]) -> Value {
    let date = day(n);
    let policies: Vec<Value> = policies
        .iter()
        .map(|p| {
            let details: Vec<Value> = p
                .details
                .iter()
                .map(|(result_type, mx, count)| {
                    let mut d = json!({"result-type": result_type, "failed-session-count": count});
                    if let Some(mx) = mx {
                        d["receiving-mx-hostname"] = json!(mx);
                    }
                    d
                })
                .collect();
            let detail_sum: u64 = p.details.iter().map(|d| d.2).sum();
            let mut policy = json!({"policy-type": p.policy_type});
            if let Some(domain) = p.domain {
                policy["policy-domain"] = json!(domain);
            }
            if !p.strings.is_empty() {
                policy["policy-string"] = json!(p.strings);
            }
            json!({
                "policy": policy,
                "summary": {
                    "total-successful-session-count": p.successful,
                    "total-failure-session-count": p.failed.unwrap_or(detail_sum),
                },
                "failure-details": details,
            })
        })
        .collect();
    json!({
        "organization-name": org,
        "report-id": format!("{org}-{date}-{}", policies.len()),
        "date-range": {
            "start-datetime": format!("{date}T00:00:00Z"),
            "end-datetime": format!("{date}T23:59:59Z"),
        },
        "contact-info": "tlsrpt@sender.example",
        "policies": policies,
    })
}

/// The reports loaded as one load. Report ids are made unique here.
fn loaded(reports: &[Value]) -> Loaded {
    let mut loaded = Loaded::new();
    let generation = loaded.begin_load();
    for (i, report) in reports.iter().enumerate() {
        let mut report = report.clone();
        report["report-id"] = json!(format!(
            "{}-{i}",
            report["report-id"].as_str().unwrap_or("")
        ));
        let text = serde_json::to_string(&report).expect("json");
        for parsed in parse_reports(text.as_bytes()).expect("valid report") {
            let source = Source::file(Arc::from(Path::new(&format!("r{i}.json"))));
            let order = Order {
                generation,
                file: i as u32,
                ..Order::default()
            };
            loaded.insert(parsed, source, order);
        }
    }
    loaded.finish_load();
    loaded
}

fn everything(loaded: &Loaded) -> Selection {
    select(loaded.dataset(), &Filter::default())
}

fn findings_of(reports: &[Value]) -> Vec<Finding> {
    let loaded = loaded(reports);
    findings(loaded.dataset(), &everything(&loaded))
}

fn only(findings: &[Finding], kind: FindingKind) -> Vec<&Finding> {
    findings.iter().filter(|f| f.kind == kind).collect()
}

fn domains(finding: &Finding) -> Vec<&str> {
    finding
        .subjects
        .iter()
        .filter_map(|s| s.policy_domain.as_deref())
        .collect()
}

// ---------------------------------------------------------------------------
// Incidents

/// Days 0 to 20: one failure seen from day 0 to day 5 by two senders, a new one on
/// the last day, the same result type at another MX host, and Mail.ru's details,
/// which name no MX host.
fn incident_reports() -> Vec<Value> {
    let d = "example.com";
    let mut reports = vec![
        report(
            "Google Inc.",
            0,
            &[sts(
                d,
                "enforce",
                100,
                &[("starttls-not-supported", Some("mx1.example.com"), 3)],
            )],
        ),
        report(
            "Google Inc.",
            5,
            &[sts(
                d,
                "enforce",
                100,
                &[("starttls-not-supported", Some("mx1.example.com"), 3)],
            )],
        ),
        report(
            "Microsoft Corporation",
            5,
            &[sts(
                d,
                "enforce",
                50,
                &[
                    ("starttls-not-supported", Some("mx1.example.com"), 4),
                    ("starttls-not-supported", Some("mx2.example.com"), 1),
                ],
            )],
        ),
        report(
            "Mail.ru",
            12,
            &[sts(
                d,
                "enforce",
                10,
                &[
                    ("certificate-expired", None, 2),
                    ("certificate-expired", None, 5),
                ],
            )],
        ),
        report(
            "Google Inc.",
            20,
            &[sts(
                d,
                "enforce",
                100,
                &[("certificate-expired", Some("mx1.example.com"), 7)],
            )],
        ),
    ];
    // Traffic without failures on day 18: a day with reports, not a gap.
    reports.push(report("Google Inc.", 18, &[sts(d, "enforce", 100, &[])]));
    reports
}

fn key(i: &Incident) -> (&str, &str, &str) {
    (&i.policy_domain, &i.result_type, &i.receiving_mx_hostname)
}

#[test]
fn one_incident_per_domain_result_type_and_mx_host_newest_first() {
    let loaded = loaded(&incident_reports());
    let list = incidents(loaded.dataset(), &everything(&loaded));
    let keys: Vec<_> = list.iter().map(key).collect();
    assert_eq!(
        keys,
        [
            ("example.com", "certificate-expired", "mx1.example.com"),
            ("example.com", "certificate-expired", ""),
            // Both last seen on day 5, both first seen then or before: the one
            // first seen later comes first.
            ("example.com", "starttls-not-supported", "mx2.example.com"),
            ("example.com", "starttls-not-supported", "mx1.example.com"),
        ]
    );
    let starttls = &list[3];
    assert_eq!((starttls.first_seen, starttls.last_seen), (day(0), day(5)));
    assert_eq!(starttls.failed_sessions, 10);
    assert_eq!(starttls.reports, 3);
    assert_eq!(starttls.senders, ["Google Inc.", "Microsoft Corporation"]);
    assert!(!starttls.new_this_week);

    // Mail.ru's two details without a host are one incident of one report.
    let mail_ru = &list[1];
    assert_eq!((mail_ru.failed_sessions, mail_ru.reports), (7, 1));
    assert_eq!(mail_ru.senders, ["Mail.ru"]);
    // Day 12 is 8 days before the last day: not this week. Day 20 is.
    assert!(!mail_ru.new_this_week);
    assert!(list[0].new_this_week);
}

#[test]
fn sparklines_cover_four_weeks_to_the_last_day_with_gaps_where_no_report_is() {
    let loaded = loaded(&incident_reports());
    let list = incidents(loaded.dataset(), &everything(&loaded));
    let starttls = &list[3];
    let first = day(20) - Duration::days(SPARKLINE_DAYS as i64 - 1);
    assert_eq!(starttls.sparkline.first_day, first);
    let slot = |n: i64| (day(n) - first).num_days() as usize;
    let line = &starttls.sparkline.failed_sessions;
    assert_eq!(line[slot(0)], Some(3));
    assert_eq!(line[slot(5)], Some(3 + 4));
    // Reports on days 12, 18 and 20, without this failure.
    assert_eq!(line[slot(12)], Some(0));
    assert_eq!(line[slot(18)], Some(0));
    assert_eq!(line[slot(20)], Some(0));
    // No report at all: unknown.
    assert_eq!(line[slot(1)], None);
    assert_eq!(line[0], None);
    let known = line.iter().filter(|d| d.is_some()).count();
    assert_eq!(known, 5);
}

#[test]
fn incidents_follow_the_selection_and_its_last_day() {
    let loaded = loaded(&incident_reports());
    let dataset = loaded.dataset();
    let filter = Filter {
        to: Some(day(12)),
        result_types: vec!["certificate-expired".into()],
        ..Filter::default()
    };
    let list = incidents(dataset, &select(dataset, &filter));
    assert_eq!(list.len(), 1);
    assert_eq!(key(&list[0]), ("example.com", "certificate-expired", ""));
    // The selection ends on day 12: Mail.ru's failure is new in its last week.
    assert!(list[0].new_this_week);
    assert_eq!(list[0].sparkline.first_day, day(12) - Duration::days(27));

    let nothing = Filter {
        organizations: vec!["nobody".into()],
        ..Filter::default()
    };
    assert!(incidents(dataset, &select(dataset, &nothing)).is_empty());
}

// ---------------------------------------------------------------------------
// Week over week

#[test]
fn the_last_week_of_the_data_beside_the_week_before() {
    let a = "a.example";
    let b = "b.example";
    let mut reports = Vec::new();
    // Previous week, days 0 to 6: Google for a.example, 100 ok and 0 failed a day.
    for n in 0..7 {
        reports.push(report("Google Inc.", n, &[sts(a, "enforce", 100, &[])]));
    }
    // Current week, days 7 to 13: Google for a.example with failures, and
    // Microsoft for b.example; a report of day 13 is the last.
    for n in 7..14 {
        reports.push(report(
            "Google Inc.",
            n,
            &[sts(
                a,
                "enforce",
                90,
                &[("certificate-expired", Some("mx1.a.example"), 10)],
            )],
        ));
        reports.push(report(
            "Microsoft Corporation",
            n,
            &[sts(b, "enforce", 200, &[])],
        ));
    }
    let loaded = loaded(&reports);
    let weeks = week_over_week(loaded.dataset(), &everything(&loaded)).expect("data");
    let (now, before) = (&weeks.current, &weeks.previous);
    assert_eq!((now.first_day, now.last_day), (day(7), day(13)));
    assert_eq!((before.first_day, before.last_day), (day(0), day(6)));
    assert_eq!((now.reports, before.reports), (14, 7));
    assert_eq!(
        (now.successful_sessions, before.successful_sessions),
        (7 * 290, 700)
    );
    assert_eq!((now.failed_sessions, before.failed_sessions), (70, 0));
    assert_eq!(now.detail_failed_sessions, 70);
    assert_eq!((now.senders, before.senders), (2, 1));
    assert_eq!((now.domains, before.domains), (2, 1));
    assert_eq!(now.failure_rate(), Some(70.0 / 2100.0));
    assert_eq!(before.failure_rate(), Some(0.0));

    let deltas = weeks.deltas();
    assert_eq!(deltas.reports.change, 7);
    assert_eq!(deltas.reports.relative, Some(1.0));
    assert_eq!(deltas.successful_sessions.change, 2030 - 700);
    assert_eq!(deltas.failed_sessions.change, 70);
    // Nothing failed before: no ratio.
    assert_eq!(deltas.failed_sessions.relative, None);
    assert_eq!(deltas.senders.change, 1);
    assert_eq!(deltas.failure_rate, Some(70.0 / 2100.0));
}

#[test]
fn a_week_without_reports_has_no_rate_and_no_ratios() {
    let reports = vec![
        report("Google Inc.", 0, &[sts("a.example", "enforce", 100, &[])]),
        report("Google Inc.", 20, &[sts("a.example", "enforce", 40, &[])]),
    ];
    let loaded = loaded(&reports);
    let weeks = week_over_week(loaded.dataset(), &everything(&loaded)).expect("data");
    assert!(weeks.current.has_data());
    assert!(!weeks.previous.has_data());
    assert_eq!(weeks.previous.reports, 0);
    assert_eq!(weeks.previous.failure_rate(), None);
    let deltas = weeks.deltas();
    assert_eq!(deltas.reports.change, 1);
    assert_eq!(deltas.reports.relative, None);
    assert_eq!(deltas.successful_sessions.change, 40);
    assert_eq!(deltas.failure_rate, None);
    // A week that falls off the end: a decrease.
    let flipped = tlsrpt_analyzer::analysis::Delta::between(0, 40);
    assert_eq!((flipped.change, flipped.relative), (-40, Some(-1.0)));

    let none = Filter {
        policy_domains: vec!["other.example".into()],
        ..Filter::default()
    };
    let dataset = loaded.dataset();
    assert_eq!(week_over_week(dataset, &select(dataset, &none)), None);
}

// ---------------------------------------------------------------------------
// Findings: MTA-STS testing

/// `org` reports `domain` in `mode` on each of `days`, failing on `failing` days.
fn daily(
    org: &str,
    domain: &'static str,
    mode: &str,
    days: std::ops::Range<i64>,
    failing: &[i64],
) -> Vec<Value> {
    days.map(|n| {
        let details: &[Detail] = if failing.contains(&n) {
            &[("certificate-expired", Some("mx1.example"), 5)]
        } else {
            &[]
        };
        report(org, n, &[sts(domain, mode, 100, details)])
    })
    .collect()
}

#[test]
fn testing_with_recent_failures_names_the_top_result_types() {
    let domain = "fails.example";
    let mut reports = daily("Google Inc.", domain, "testing", 0..21, &[]);
    reports.push(report(
        "Microsoft Corporation",
        15,
        &[sts(
            domain,
            "testing",
            10,
            &[
                ("starttls-not-supported", Some("mx1.fails.example"), 30),
                ("certificate-expired", Some("mx1.fails.example"), 20),
                ("validation-failure", Some("mx1.fails.example"), 20),
                ("dnssec-invalid", Some("mx1.fails.example"), 1),
            ],
        )],
    ));
    let found = findings_of(&reports);
    let testing = only(&found, FindingKind::TestingWithFailures);
    assert_eq!(testing.len(), 1);
    let finding = testing[0];
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(domains(finding), [domain]);
    let Evidence::Testing(t) = &finding.subjects[0].evidence else {
        panic!("testing evidence: {finding:?}");
    };
    let top: Vec<(&str, u128)> = t
        .top_result_types
        .iter()
        .map(|r| (r.result_type.as_str(), r.failed_sessions))
        .collect();
    // Three at most, ties by name.
    assert_eq!(
        top,
        [
            ("starttls-not-supported", 30),
            ("certificate-expired", 20),
            ("validation-failure", 20)
        ]
    );
    assert_eq!(t.since, day(20 - 13));
    assert_eq!(t.failed_sessions, 71);
    assert_eq!(t.last_failure, Some(day(15)));
    assert_eq!(t.policy.senders, ["Google Inc.", "Microsoft Corporation"]);
    assert_eq!(
        finding.message,
        "fails.example: MTA-STS in testing with failures in the last 14 days \
         (starttls-not-supported, certificate-expired, validation-failure); \
         fix them before switching to enforce"
    );
    assert!(only(&found, FindingKind::TestingReadyForEnforce).is_empty());
}

#[test]
fn testing_is_ready_for_enforce_after_fourteen_clean_days() {
    // The last day is 20; 14 clean days need the last failure on day 6 or before.
    let mut reports = daily("Google Inc.", "ready.example", "testing", 0..21, &[6]);
    reports.extend(daily(
        "Google Inc.",
        "almost.example",
        "testing",
        0..21,
        &[7],
    ));
    // Never failed, but in testing for 10 days only: no finding yet.
    reports.extend(daily(
        "Google Inc.",
        "young.example",
        "testing",
        11..21,
        &[],
    ));
    // Never failed since day 0: clean for 21 days.
    reports.extend(daily("Google Inc.", "clean.example", "testing", 0..21, &[]));
    let found = findings_of(&reports);

    let ready = only(&found, FindingKind::TestingReadyForEnforce);
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].severity, Severity::Info);
    assert_eq!(domains(ready[0]), ["clean.example", "ready.example"]);
    let clean_days: Vec<i64> = ready[0]
        .subjects
        .iter()
        .map(|s| match &s.evidence {
            Evidence::Testing(t) => t.clean_days,
            other => panic!("testing evidence: {other:?}"),
        })
        .collect();
    assert_eq!(clean_days, [21, 14]);
    assert_eq!(CLEAN_DAYS_BEFORE_ENFORCE, 14);
    assert!(ready[0].message.starts_with(
        "2 domains in MTA-STS testing have had no failure for 14 days or more; \
         ready to switch to enforce: clean.example, ready.example"
    ));

    let failing = only(&found, FindingKind::TestingWithFailures);
    assert_eq!(domains(failing[0]), ["almost.example"]);
    assert!(!found.iter().flat_map(domains).any(|d| d == "young.example"));
}

#[test]
fn a_domain_that_moved_to_enforce_is_not_in_testing() {
    let mut reports = daily("Google Inc.", "moved.example", "testing", 0..10, &[2]);
    reports.extend(daily(
        "Google Inc.",
        "moved.example",
        "enforce",
        10..21,
        &[15],
    ));
    let found = findings_of(&reports);
    assert!(only(&found, FindingKind::TestingWithFailures).is_empty());
    assert!(only(&found, FindingKind::TestingReadyForEnforce).is_empty());
}

// ---------------------------------------------------------------------------
// Findings: mode none, no policy found

#[test]
fn policies_in_mode_none_are_one_finding_for_all_their_domains() {
    let mut reports = daily("Google Inc.", "off.example", "none", 0..5, &[]);
    reports.extend(daily("Google Inc.", "also-off.example", "none", 3..5, &[]));
    // Was none, is enforce now: nothing to say about mode none.
    reports.extend(daily("Google Inc.", "back.example", "none", 0..2, &[]));
    reports.extend(daily("Google Inc.", "back.example", "enforce", 2..5, &[]));
    let found = findings_of(&reports);
    let none = only(&found, FindingKind::ModeNone);
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].severity, Severity::Warning);
    assert_eq!(domains(none[0]), ["also-off.example", "off.example"]);
    assert_eq!(
        none[0].message,
        "2 domains have an MTA-STS policy in mode none: also-off.example, off.example"
    );
    let Evidence::ModeNone(policy) = &none[0].subjects[1].evidence else {
        panic!("mode none evidence");
    };
    assert_eq!((policy.first_seen, policy.last_seen), (day(0), day(4)));
    assert_eq!(policy.reports, 5);
    assert!(policy.version.contains("mode: none"));
}

#[test]
fn no_policy_found_warns_when_others_applied_the_domains_policy() {
    let mut reports = daily("Google Inc.", "sts.example", "enforce", 0..10, &[]);
    reports.push(report("Yahoo", 6, &[no_policy(Some("sts.example"), 40)]));
    reports.push(report("Yahoo", 8, &[no_policy(Some("sts.example"), 50)]));
    // A domain without any MTA-STS policy.
    reports.push(report("Yahoo", 7, &[no_policy(Some("bare.example"), 9)]));
    // No policy found before the policy was published: history, not a finding.
    reports.push(report("Yahoo", 0, &[no_policy(Some("late.example"), 1)]));
    reports.extend(daily("Google Inc.", "late.example", "enforce", 1..10, &[]));
    // Postfix names no domain: it cannot be placed.
    reports.push(report("Postfix", 9, &[no_policy(None, 3)]));
    let found = findings_of(&reports);
    let no_policy: Vec<_> = only(&found, FindingKind::NoPolicyFound);
    assert_eq!(no_policy.len(), 2);
    let (warning, info) = (no_policy[0], no_policy[1]);
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(domains(warning), ["sts.example"]);
    let Evidence::NoPolicyFound(n) = &warning.subjects[0].evidence else {
        panic!("no policy evidence");
    };
    assert_eq!((n.reports, n.successful_sessions), (2, 90));
    assert_eq!((n.first_day, n.last_day), (day(6), day(8)));
    assert_eq!(n.senders, ["Yahoo"]);
    assert_eq!(n.sts_first_seen, Some(day(0)));
    assert!(warning.message.contains("Yahoo found no policy"));

    assert_eq!(info.severity, Severity::Info);
    assert_eq!(domains(info), ["bare.example"]);
}

// ---------------------------------------------------------------------------
// Findings: silent senders

#[test]
fn senders_that_reported_daily_and_stopped_for_a_week_are_silent() {
    let d = "example.com";
    let mut reports = daily("Everyday", d, "enforce", 0..21, &[]);
    // Daily until day 13, then nothing: 7 days silent by day 20.
    reports.extend(daily("Stopped", d, "enforce", 0..14, &[]));
    // Daily until day 14: 6 days silent, not yet a week.
    reports.extend(daily("Paused", d, "enforce", 0..15, &[]));
    // 12 of the 14 days up to day 13 (two missed), then nothing.
    let gappy = (0..14).filter(|&n| n != 3 && n != 5);
    reports.extend(gappy.map(|n| report("Gappy", n, &[sts(d, "enforce", 1, &[])])));
    // 11 of 14: not daily.
    let nearly = (0..14).filter(|&n| n != 3 && n != 5 && n != 7);
    reports.extend(nearly.map(|n| report("Nearly", n, &[sts(d, "enforce", 1, &[])])));
    // Every other day: not daily.
    let sometimes = (0..13).step_by(2);
    reports.extend(sometimes.map(|n| report("Sometimes", n, &[sts(d, "enforce", 1, &[])])));
    let found = findings_of(&reports);
    let silent = only(&found, FindingKind::SenderSilent);
    assert_eq!(silent.len(), 1);
    let senders: Vec<&str> = silent[0]
        .subjects
        .iter()
        .filter_map(|s| s.organization.as_deref())
        .collect();
    assert_eq!(senders, ["Gappy", "Stopped"]);
    let Evidence::Silent(s) = &silent[0].subjects[1].evidence else {
        panic!("silence evidence");
    };
    assert_eq!(
        (s.last_report, s.silent_days, s.reported_days),
        (day(13), 7, 14)
    );
    assert_eq!(s.policy_domains, [d]);
    let Evidence::Silent(g) = &silent[0].subjects[0].evidence else {
        panic!("silence evidence");
    };
    assert_eq!(
        (g.last_report, g.silent_days, g.reported_days),
        (day(13), 7, 12)
    );
}

// ---------------------------------------------------------------------------
// Findings: a policy change senders have not picked up

#[test]
fn senders_applying_the_old_policy_after_a_change_are_named() {
    let d = "change.example";
    let mut reports = daily("Google Inc.", d, "testing", 0..10, &[]);
    reports.extend(daily("Google Inc.", d, "enforce", 10..21, &[]));
    // Picks up the change four days late.
    reports.extend(daily("Microsoft Corporation", d, "testing", 0..14, &[]));
    reports.extend(daily("Microsoft Corporation", d, "enforce", 14..21, &[]));
    // One day late: within the grace day.
    reports.extend(daily("Quick", d, "testing", 0..12, &[]));
    reports.extend(daily("Quick", d, "enforce", 12..21, &[]));
    // Never picks it up.
    reports.extend(daily("Stuck", d, "testing", 0..21, &[]));
    // Sends no policy string: it applies no version anyone can compare.
    for n in 0..21 {
        let mut policy = sts(d, "enforce", 5, &[]);
        policy.strings.clear();
        reports.push(report("Mail.ru", n, &[policy]));
    }
    let found = findings_of(&reports);
    let old = only(&found, FindingKind::OldPolicyApplied);
    assert_eq!(old.len(), 2, "{old:#?}");
    let (warning, info) = (old[0], old[1]);

    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.subjects.len(), 1);
    assert_eq!(warning.subjects[0].organization.as_deref(), Some("Stuck"));
    let Evidence::OldPolicy(o) = &warning.subjects[0].evidence else {
        panic!("old policy evidence");
    };
    assert_eq!(o.changed_on, day(10));
    assert_eq!(o.old_last_applied, day(20));
    assert_eq!(o.picked_up_on, None);
    assert_eq!(o.days_since_change, 10);
    assert!(o.old_version.contains("mode: testing"));
    assert!(o.new_version.contains("mode: enforce"));
    assert_eq!(
        warning.message,
        "Stuck still applies the old sts policy of change.example 10 days after the change \
         (testing, mx1.change.example, max_age 86400 → enforce, mx1.change.example, max_age 604800)"
    );

    assert_eq!(info.severity, Severity::Info);
    assert_eq!(info.subjects.len(), 1);
    assert_eq!(
        info.subjects[0].organization.as_deref(),
        Some("Microsoft Corporation")
    );
    let Evidence::OldPolicy(o) = &info.subjects[0].evidence else {
        panic!("old policy evidence");
    };
    assert_eq!(
        (o.old_last_applied, o.picked_up_on),
        (day(13), Some(day(14)))
    );
    assert!(
        info.message
            .contains("until 2026-08-14, 3 days after the change")
    );
}

#[test]
fn a_reverted_change_leaves_the_restored_policy_current() {
    let d = "revert.example";
    let mut reports = daily("Google Inc.", d, "enforce", 0..5, &[]);
    reports.extend(daily("Google Inc.", d, "testing", 5..8, &[]));
    reports.extend(daily("Google Inc.", d, "enforce", 8..21, &[]));
    reports.extend(daily("Microsoft Corporation", d, "enforce", 0..21, &[]));
    let found = findings_of(&reports);
    assert!(
        only(&found, FindingKind::OldPolicyApplied).is_empty(),
        "{found:#?}"
    );
    assert!(only(&found, FindingKind::TestingWithFailures).is_empty());
}

/// A DANE policy with the TLSA records given as `strings`.
fn tlsa(domain: &'static str, strings: &[&str]) -> Policy {
    Policy {
        policy_type: "tlsa",
        domain: Some(domain),
        strings: strings.iter().map(|s| s.to_string()).collect(),
        successful: 10,
        failed: None,
        details: Vec::new(),
    }
}

#[test]
fn one_policy_written_differently_by_two_senders_is_one_version() {
    let d = "same.example";
    let mut reports = daily("Google Inc.", d, "enforce", 0..21, &[]);
    // The whole policy file in one string, CRLF, the MX pattern in upper case,
    // first seen later: compared as text it would be a newer version that Google
    // never picked up.
    let file = "version: STSv1\r\nmode: enforce\r\nmx: MX1.same.example\r\nmax_age: 604800\r\n";
    for n in 5..21 {
        let mut policy = sts(d, "enforce", 10, &[]);
        policy.strings = vec![file.to_string()];
        reports.push(report("Whole File", n, &[policy]));
    }
    // Microsoft's JSON array of TLSA records, and the same records one per string
    // in another order.
    let (a, b) = ("3 1 1 AAAA", "3 1 1 BBBB");
    let array = format!(r#"["{a}","{b}"]"#);
    for n in 0..21 {
        reports.push(report(
            "Microsoft Corporation",
            n,
            &[tlsa(d, &[array.as_str()])],
        ));
    }
    for n in 3..21 {
        reports.push(report(
            "Dane Sender",
            n,
            &[tlsa(d, &[b, &a.to_lowercase()])],
        ));
    }
    let found = findings_of(&reports);
    assert!(
        only(&found, FindingKind::OldPolicyApplied).is_empty(),
        "{found:#?}"
    );
}

#[test]
fn a_tlsa_rollover_not_picked_up_names_the_records_that_changed() {
    let d = "dane.example";
    let old = r#"["3 1 1 AAAA","3 1 1 BBBB"]"#;
    let new = r#"["3 1 1 BBBB","3 1 1 CCCC"]"#;
    let mut reports = Vec::new();
    for n in 0..21 {
        reports.push(report("Microsoft Corporation", n, &[tlsa(d, &[old])]));
        let current = if n < 10 { old } else { new };
        reports.push(report("Dane Sender", n, &[tlsa(d, &[current])]));
    }
    let found = findings_of(&reports);
    let old_policy = only(&found, FindingKind::OldPolicyApplied);
    assert_eq!(old_policy.len(), 1);
    assert_eq!(old_policy[0].severity, Severity::Warning);
    assert_eq!(
        old_policy[0].message,
        "Microsoft Corporation still applies the old tlsa policy of dane.example 10 days \
         after the change (3 1 1 AAAA → 3 1 1 CCCC)"
    );
}

#[test]
fn policy_abbreviations_keep_mode_mx_and_max_age_or_the_tlsa_count() {
    assert_eq!(
        policy_abbreviation(
            "sts",
            "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mail.example.com\nmax_age: 604800"
        ),
        "enforce, mx1.example.com +1, max_age 604800"
    );
    assert_eq!(
        policy_abbreviation("tlsa", r#"["3 1 1 AB12","3 1 1 CD34"]"#),
        "2 TLSA records"
    );
    assert_eq!(policy_abbreviation("tlsa", "3 1 1 AB12"), "1 TLSA record");
    let long = "x".repeat(100);
    assert_eq!(policy_abbreviation("other", &long).chars().count(), 41);
}

#[test]
fn finding_kinds_are_named_as_serialized() {
    for kind in FindingKind::ALL {
        let json = serde_json::to_string(&kind).expect("json");
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
    }
    let mut sorted = FindingKind::ALL;
    sorted.sort();
    assert_eq!(sorted, FindingKind::ALL);
}

#[test]
fn findings_are_warnings_first_then_by_kind() {
    let mut reports = daily("Google Inc.", "clean.example", "testing", 0..21, &[]);
    reports.extend(daily("Google Inc.", "off.example", "none", 0..21, &[]));
    reports.extend(daily("Stopped", "off.example", "none", 0..13, &[]));
    let found = findings_of(&reports);
    let order: Vec<(Severity, FindingKind)> = found.iter().map(|f| (f.severity, f.kind)).collect();
    assert_eq!(
        order,
        [
            (Severity::Warning, FindingKind::ModeNone),
            (Severity::Warning, FindingKind::SenderSilent),
            (Severity::Info, FindingKind::TestingReadyForEnforce),
        ]
    );
    assert!(findings_of(&[]).is_empty());
}

// ---------------------------------------------------------------------------
// The generated corpus

const CORPUS_DAYS: usize = 60;
const CORPUS_DOMAINS: usize = 4;

/// Every producer for every day and domain: example.com, example.net,
/// xn--bcher-kva.example and nosts.example. Domain `i` switches from testing to
/// enforce on day 30 + i; Microsoft four days later.
fn corpus() -> Loaded {
    tlsrpt_corpus::loaded(&CorpusOptions {
        reports: 6 * CORPUS_DAYS * CORPUS_DOMAINS,
        days: CORPUS_DAYS,
        domains: CORPUS_DOMAINS,
        ..CorpusOptions::default()
    })
}

fn corpus_day(n: i64) -> NaiveDate {
    CorpusOptions::default().first_day + Duration::days(n)
}

const STS_DOMAINS: [&str; 3] = ["example.com", "example.net", "xn--bcher-kva.example"];

#[test]
fn corpus_microsoft_picks_up_the_enforce_policy_four_days_late() {
    let loaded = corpus();
    let found = findings(loaded.dataset(), &everything(&loaded));
    let old = only(&found, FindingKind::OldPolicyApplied);
    assert_eq!(old.len(), 1, "{old:#?}");
    assert_eq!(old[0].severity, Severity::Info);
    assert_eq!(domains(old[0]), STS_DOMAINS);
    for (i, subject) in old[0].subjects.iter().enumerate() {
        assert_eq!(
            subject.organization.as_deref(),
            Some("Microsoft Corporation")
        );
        let Evidence::OldPolicy(o) = &subject.evidence else {
            panic!("old policy evidence");
        };
        let switch = corpus_day(30 + i as i64);
        assert_eq!(o.changed_on, switch);
        // Its last testing report is within its four late days (a day may bring
        // a no-policy-found report instead), its first enforce one right after.
        let late = (o.old_last_applied - switch).num_days();
        assert!((2..=3).contains(&late), "{o:?}");
        let picked = o.picked_up_on.map(|d| (d - switch).num_days());
        assert!(picked.is_some_and(|p| (4..=6).contains(&p)), "{o:?}");
    }
    assert!(old[0].message.starts_with(
        "Microsoft Corporation applied old policies of 3 domains for days after they changed"
    ));
    // Enforce everywhere by the end.
    assert!(only(&found, FindingKind::TestingWithFailures).is_empty());
    assert!(only(&found, FindingKind::TestingReadyForEnforce).is_empty());
    assert!(only(&found, FindingKind::ModeNone).is_empty());
    assert!(only(&found, FindingKind::SenderSilent).is_empty());
}

#[test]
fn corpus_cut_during_the_change_shows_microsoft_still_on_the_old_policy() {
    let loaded = corpus();
    let dataset = loaded.dataset();
    let filter = Filter {
        to: Some(corpus_day(33)),
        ..Filter::default()
    };
    let found = findings(dataset, &select(dataset, &filter));
    let warnings: Vec<_> = only(&found, FindingKind::OldPolicyApplied)
        .into_iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    assert_eq!(warnings.len(), 1);
    let example_com = warnings[0]
        .subjects
        .iter()
        .find(|s| s.policy_domain.as_deref() == Some("example.com"))
        .expect("example.com changed on day 30");
    let Evidence::OldPolicy(o) = &example_com.evidence else {
        panic!("old policy evidence");
    };
    assert_eq!(
        example_com.organization.as_deref(),
        Some("Microsoft Corporation")
    );
    assert_eq!((o.picked_up_on, o.days_since_change), (None, 3));

    // Before any change every domain with MTA-STS is in testing, with failures.
    let early = Filter {
        to: Some(corpus_day(20)),
        ..Filter::default()
    };
    let found = findings(dataset, &select(dataset, &early));
    let testing = only(&found, FindingKind::TestingWithFailures);
    assert_eq!(testing.len(), 1);
    assert_eq!(domains(testing[0]), STS_DOMAINS);
    assert!(only(&found, FindingKind::OldPolicyApplied).is_empty());
}

#[test]
fn corpus_no_policy_found_is_a_warning_where_others_apply_mta_sts() {
    let loaded = corpus();
    let found = findings(loaded.dataset(), &everything(&loaded));
    let no_policy = only(&found, FindingKind::NoPolicyFound);
    let by_severity: BTreeMap<_, Vec<&str>> =
        no_policy.iter().map(|f| (f.severity, domains(f))).collect();
    assert_eq!(by_severity[&Severity::Warning], STS_DOMAINS);
    // nosts.example: only no-policy-found and Microsoft's TLSA.
    assert_eq!(by_severity[&Severity::Info], ["nosts.example"]);
}

#[test]
fn corpus_mail_ru_details_without_mx_host_are_incidents_of_their_own() {
    let loaded = corpus();
    let dataset = loaded.dataset();
    let selection = everything(&loaded);
    let list = incidents(dataset, &selection);
    let without_host: Vec<&Incident> = list
        .iter()
        .filter(|i| i.receiving_mx_hostname.is_empty())
        .collect();
    assert!(!without_host.is_empty());
    for incident in &without_host {
        // Only Mail.ru, and Microsoft for policy fetch errors, leave the host out.
        let senders: BTreeSet<&str> = incident.senders.iter().map(String::as_str).collect();
        assert!(
            senders.is_subset(&BTreeSet::from(["Mail.ru", "Microsoft Corporation"])),
            "{incident:?}"
        );
        if senders.contains("Microsoft Corporation") {
            assert_eq!(incident.result_type, "sts-policy-fetch-error");
        }
    }
    assert!(without_host.iter().any(|i| i.senders == ["Mail.ru"]));
    // Incidents count the details, which for Mail.ru add up to more than the
    // summaries: their total is the details' total, not the summaries'.
    let total: u128 = list.iter().map(|i| i.failed_sessions).sum();
    let table = group_by(dataset, &selection, &[]);
    assert_eq!(total, table.total.detail_failed_sessions);
    assert!(total > table.total.failed_sessions);
}

// ---------------------------------------------------------------------------
// Properties

/// What an incident must say, computed from the details the selection keeps
/// without the incidents' code.
#[derive(Debug, PartialEq)]
struct Expected {
    failed_sessions: u128,
    first_seen: NaiveDate,
    last_seen: NaiveDate,
    senders: Vec<String>,
    reports: u64,
}

type IncidentKey = (String, String, String);

fn expected_incidents(loaded: &Loaded, selection: &Selection) -> BTreeMap<IncidentKey, Expected> {
    let dataset = loaded.dataset();
    // Per key: sessions, days, senders and reports.
    type Sets = (u128, BTreeSet<i32>, BTreeSet<String>, BTreeSet<u32>);
    let mut sets: BTreeMap<IncidentKey, Sets> = BTreeMap::new();
    for (d, detail) in dataset.details.iter().enumerate() {
        if !selection.details[d] {
            continue;
        }
        let policy = &dataset.policies[detail.policy as usize];
        let report = &dataset.reports[policy.report as usize];
        let key = (
            dataset.text(policy.policy_domain).to_string(),
            dataset.text(detail.result_type).to_string(),
            dataset.text(detail.receiving_mx_hostname).to_string(),
        );
        let entry = sets.entry(key).or_default();
        entry.0 += u128::from(detail.failed_session_count);
        entry.1.insert(report.day);
        entry
            .2
            .insert(dataset.text(report.organization).to_string());
        entry.3.insert(policy.report);
    }
    let date = |day: Option<&i32>| date_of_day(day.copied().unwrap_or_default());
    sets.into_iter()
        .map(|(key, (failed_sessions, days, senders, reports))| {
            let expected = Expected {
                failed_sessions,
                first_seen: date(days.first()),
                last_seen: date(days.last()),
                senders: senders.into_iter().collect(),
                reports: reports.len() as u64,
            };
            (key, expected)
        })
        .collect()
}

fn pick(values: &[String], choice: Option<u8>) -> Vec<String> {
    match choice {
        Some(i) if !values.is_empty() => vec![values[i as usize % values.len()].clone()],
        _ => Vec::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn incidents_add_up_to_the_selected_failure_details(
        seed in 0u64..1_000,
        domain in prop::option::of(any::<u8>()),
        organization in prop::option::of(any::<u8>()),
        result_type in prop::option::of(any::<u8>()),
        to in prop::option::of(0i64..20),
    ) {
        let loaded = tlsrpt_corpus::loaded(&CorpusOptions {
            reports: 300,
            seed,
            days: 20,
            domains: 3,
            ..CorpusOptions::default()
        });
        let dataset = loaded.dataset();
        let list_of = |f: fn(&tlsrpt_analyzer::library::Dataset) -> BTreeSet<String>| {
            f(dataset).into_iter().collect::<Vec<_>>()
        };
        let domains = list_of(|d| d.policies.iter().map(|p| d.text(p.policy_domain).to_string()).collect());
        let organizations = list_of(|d| d.reports.iter().map(|r| d.text(r.organization).to_string()).collect());
        let result_types = list_of(|d| d.details.iter().map(|x| d.text(x.result_type).to_string()).collect());
        let filter = Filter {
            to: to.map(|n| CorpusOptions::default().first_day + Duration::days(n)),
            policy_domains: pick(&domains, domain),
            organizations: pick(&organizations, organization),
            result_types: pick(&result_types, result_type),
            ..Filter::default()
        };
        let selection = select(dataset, &filter);
        let list = incidents(dataset, &selection);
        let expected = expected_incidents(&loaded, &selection);

        let got: BTreeMap<IncidentKey, Expected> = list
            .iter()
            .map(|i| {
                let key = (i.policy_domain.clone(), i.result_type.clone(), i.receiving_mx_hostname.clone());
                let got = Expected {
                    failed_sessions: i.failed_sessions,
                    first_seen: i.first_seen,
                    last_seen: i.last_seen,
                    senders: i.senders.clone(),
                    reports: i.reports,
                };
                (key, got)
            })
            .collect();
        prop_assert_eq!(got.len(), list.len(), "one incident per key");
        prop_assert_eq!(got, expected);

        let total: u128 = list.iter().map(|i| i.failed_sessions).sum();
        prop_assert_eq!(total, group_by(dataset, &selection, &[]).total.detail_failed_sessions);

        // Newest first: last seen, then first seen, both descending.
        for pair in list.windows(2) {
            prop_assert!(
                (pair[0].last_seen, pair[0].first_seen) >= (pair[1].last_seen, pair[1].first_seen)
            );
        }

        // Sparklines hold every failed session of their window.
        if let Some(first) = list.first() {
            let start = day_of_date(first.sparkline.first_day);
            let window = start..start + SPARKLINE_DAYS as i32;
            let mut in_window = 0u128;
            for (d, detail) in dataset.details.iter().enumerate() {
                let report = &dataset.reports[dataset.policies[detail.policy as usize].report as usize];
                if selection.details[d] && window.contains(&report.day) {
                    in_window += u128::from(detail.failed_session_count);
                }
            }
            let drawn: u128 = list
                .iter()
                .flat_map(|i| i.sparkline.failed_sessions.iter().flatten())
                .sum();
            prop_assert_eq!(drawn, in_window);
        }

        // The current week's cards are those of the same filter limited to its days.
        if let Some(weeks) = week_over_week(dataset, &selection) {
            let week_filter = Filter {
                from: Some(weeks.current.first_day),
                to: Some(weeks.current.last_day),
                ..filter.clone()
            };
            let week = select(dataset, &week_filter);
            let total = group_by(dataset, &week, &[]).total;
            prop_assert_eq!(weeks.current.reports, week.report_count() as u64);
            prop_assert_eq!(weeks.current.successful_sessions, total.distinct_successful_sessions);
            prop_assert_eq!(weeks.current.failed_sessions, total.distinct_failed_sessions);
            prop_assert_eq!(weeks.current.detail_failed_sessions, total.detail_failed_sessions);
        }
    }
}
