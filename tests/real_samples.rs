//! Golden tests against the real TLS-RPT samples in `../shared/samples/real`
//! (provenance in its `SOURCES.md`, quirks in `../shared/design/report-quirks.md`).
//!
//! The samples are not copied into this repository (their licenses vary); every test
//! is skipped, with a message, when the directory is not there. Every expected value
//! below was read from the sample file itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use tlsrpt_analyzer::analysis::{ConflictRow, MismatchRow, OrganizationRow, Summary};
use tlsrpt_analyzer::ingest::{self};
use tlsrpt_analyzer::library::{Loaded, LoadedReport, Location, Order, SkipReason, Source};
use tlsrpt_analyzer::report::{
    DecodedPolicy, FailureDetail, IpText, Policy, PolicyType, Report, ResultType, SessionSummary,
    StsMode, StsPolicy, Text, TlsaRecord, parse_reports,
};

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

#[path = "common/real_samples.rs"]
mod samples;

/// The samples directory, or `None` (with a message) when it is not checked out
/// and `CI` is not set.
fn samples_dir() -> Option<PathBuf> {
    samples::real_samples()
}

/// Parses a JSON sample holding one report with `parse_reports`.
fn parse_single(dir: &Path, file: &str) -> Report {
    let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut reports = parse_reports(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(reports.len(), 1, "{file}: number of reports");
    reports.remove(0)
}

/// Loads one sample file through `ingest::load` (sniffing, gzip, MIME) and returns
/// its only report; the load must have no problems, skips or duplicates.
fn load_single(dir: &Path, file: &str) -> LoadedReport {
    let path = dir.join(file);
    let store = ingest::load(std::slice::from_ref(&path));
    let problems: Vec<String> = store
        .problems()
        .map(|p| format!("{}: {}", p.source, p.error))
        .collect();
    assert!(problems.is_empty(), "{file}: problems {problems:?}");
    let skipped: Vec<String> = store
        .skipped()
        .map(|s| format!("{}: {}", s.source, s.reason))
        .collect();
    assert!(skipped.is_empty(), "{file}: skipped {skipped:?}");
    assert_eq!(store.duplicates(), 0, "{file}: duplicates");
    assert_eq!(store.reports().len(), 1, "{file}: number of reports");
    let loaded = store.reports()[0].clone();
    assert_eq!(&*loaded.source.path, path.as_path(), "{file}: source path");
    loaded
}

/// Loads an e-mail sample and checks that its report came from `attachment`.
fn load_from_attachment(dir: &Path, file: &str, attachment: &str) -> Report {
    let loaded = load_single(dir, file);
    assert_eq!(
        loaded.source.trail,
        [Location::Attachment(attachment.to_string())],
        "{file}: source trail"
    );
    let shown = loaded.source.to_string();
    assert!(
        shown.contains(&format!("attachment {attachment}")),
        "{file}: source {shown:?} does not name attachment {attachment:?}"
    );
    loaded.report
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn texts(items: &[&str]) -> Vec<Text> {
    items.iter().map(|s| Text::from(*s)).collect()
}

fn text(value: &str) -> Option<Text> {
    Some(Text::from(value))
}

fn ip(value: &str) -> Option<IpText> {
    Some(IpText::Ip(value.parse().unwrap()))
}

fn policy(
    policy_type: PolicyType,
    strings: &[&str],
    domain: Option<&str>,
    mx: &[&str],
) -> Arc<Policy> {
    Arc::new(Policy {
        policy_type,
        policy_string: texts(strings),
        policy_domain: domain.map(Text::from),
        mx_host: texts(mx),
    })
}

fn summary(successful: u64, failed: u64) -> SessionSummary {
    SessionSummary {
        total_successful_session_count: successful,
        total_failure_session_count: failed,
    }
}

/// A failure detail with only a result type and a count; others via `..detail(..)`.
fn detail(result_type: ResultType, failed_session_count: u64) -> FailureDetail {
    FailureDetail {
        result_type,
        sending_mta_ip: None,
        receiving_mx_hostname: None,
        receiving_mx_helo: None,
        receiving_ip: None,
        failed_session_count,
        additional_information: None,
        failure_reason_code: None,
    }
}

/// A decoded "version: STSv1" policy with nothing unrecognized.
fn sts(mode: StsMode, mx: &[&str], max_age: u64) -> DecodedPolicy {
    DecodedPolicy::Sts(StsPolicy {
        version: Some("STSv1".into()),
        mode: Some(mode),
        mx: mx.iter().map(|m| m.to_string()).collect(),
        max_age: Some(max_age),
        extra: Vec::new(),
    })
}

fn assert_header(
    report: &Report,
    organization: &str,
    report_id: &str,
    start: &str,
    end: &str,
    contact: Option<&str>,
) {
    assert_eq!(&*report.organization_name, organization);
    assert_eq!(&*report.report_id, report_id);
    assert_eq!(report.date_range.start, utc(start), "start-datetime");
    assert_eq!(report.date_range.end, utc(end), "end-datetime");
    assert_eq!(report.contact_info.as_deref(), contact, "contact-info");
}

/// Google-format success report for one policy with no failure details.
fn assert_no_failure_details(report: &Report) {
    for (index, p) in report.policies.iter().enumerate() {
        assert!(
            p.failure_details.is_empty(),
            "policy {index}: failure details"
        );
        assert!(!p.details_disagree(), "policy {index}: details disagree");
    }
}

const RFC_REPORT_ID: &str = "5065427c-23d3-47ca-b6e0-946ea0e8c4be";
/// RFC 8460 §4.4 "additional-information", as in the RFC text.
const RFC_ADDITIONAL_INFO: &str =
    "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported";
/// The same value as mangled with spaces in mail-auth's and tlsrpt-be's copies (the
/// trailing space in the file is trimmed).
const MANGLED_ADDITIONAL_INFO: &str =
    "https://reports.company-x.example/report_info ? id = 5065427 c - 23 d3# StarttlsNotSupported";

/// The RFC 8460 §4.4 example report (Company-X), in any of its copies.
fn assert_rfc_example(report: &Report, report_id: &str, policy_domain: &str, additional: &str) {
    assert_header(
        report,
        "Company-X",
        report_id,
        "2016-04-01T00:00:00Z",
        "2016-04-01T23:59:59Z",
        Some("sts-reporting@company-x.example"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: testing",
                "mx: *.mail.company-y.example",
                "max_age: 86400",
            ],
            Some(policy_domain),
            &["*.mail.company-y.example"],
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(StsMode::Testing, &["*.mail.company-y.example"], 86400)
    );
    assert_eq!(p.summary, summary(5326, 303));
    assert_eq!(
        p.failure_details,
        [
            FailureDetail {
                sending_mta_ip: ip("2001:db8:abcd:12::1"),
                receiving_mx_hostname: text("mx1.mail.company-y.example"),
                ..detail(ResultType::CertificateExpired, 100)
            },
            FailureDetail {
                sending_mta_ip: ip("2001:db8:abcd:13::1"),
                receiving_mx_hostname: text("mx2.mail.company-y.example"),
                receiving_ip: ip("203.0.113.56"),
                additional_information: text(additional),
                ..detail(ResultType::StarttlsNotSupported, 200)
            },
            FailureDetail {
                sending_mta_ip: ip("198.51.100.62"),
                receiving_mx_hostname: text("mx-backup.mail.company-y.example"),
                receiving_ip: ip("203.0.113.58"),
                failure_reason_code: text("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"),
                ..detail(ResultType::ValidationFailure, 3)
            },
        ]
    );
    // 100 + 200 + 3 = 303
    assert!(!p.details_disagree());
}

// ---------------------------------------------------------------------------------
// dmarc-report-viewer/
// ---------------------------------------------------------------------------------

#[test]
fn google_sts_enforce_with_mx_host_array() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "dmarc-report-viewer/google.json");
    assert_header(
        &report,
        "Google Inc.",
        "2025-05-22T00:00:00Z_foo-bar.io",
        "2025-05-22T00:00:00Z",
        "2025-05-22T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: enforce",
                "mx: *.foo-bar.io",
                "max_age: 2592000"
            ],
            Some("foo-bar.io"),
            &["*.foo-bar.io"],
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(StsMode::Enforce, &["*.foo-bar.io"], 2592000)
    );
    assert_eq!(p.summary, summary(1, 0));
    assert_no_failure_details(&report);
}

#[test]
fn microsoft_tlsa_policy_string_is_json_array() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "dmarc-report-viewer/microsoft.json");
    assert_header(
        &report,
        "Microsoft Corporation",
        "133925885310113267+random.net",
        "2025-05-23T00:00:00Z",
        "2025-05-23T23:59:59Z",
        Some("tlsrpt-noreply@microsoft.com"),
    );
    assert_eq!(report.policies.len(), 2);

    let sts_policy = &report.policies[0];
    // Microsoft sends no "mx-host".
    assert_eq!(
        sts_policy.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: enforce",
                "mx: *.random.net",
                "max_age: 2592000"
            ],
            Some("random.net"),
            &[],
        )
    );
    assert_eq!(
        sts_policy.policy.decoded(),
        sts(StsMode::Enforce, &["*.random.net"], 2592000)
    );
    assert_eq!(sts_policy.summary, summary(2, 0));

    let tlsa = &report.policies[1];
    assert_eq!(tlsa.policy.policy_type, PolicyType::Tlsa);
    assert_eq!(tlsa.policy.policy_domain.as_deref(), Some("random.net"));
    assert!(tlsa.policy.mx_host.is_empty());
    // ONE policy-string element that holds a JSON array of two TLSA records.
    assert_eq!(tlsa.policy.policy_string.len(), 1);
    assert!(tlsa.policy.policy_string[0].starts_with("[\"3 1 1 6007EEE5"));
    assert_eq!(
        tlsa.policy.decoded(),
        DecodedPolicy::Tlsa(vec![
            TlsaRecord::Parsed {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "6007EEE553E85D8DF007A845D19EC343283D4E416E9A33F9EF3040C8B7C285BC".into(),
            },
            TlsaRecord::Parsed {
                usage: 3,
                selector: 1,
                matching_type: 1,
                data: "837C773D54C2E2BD71871A3FC352BE8214D5646CBAE5E3091401A7274717998B".into(),
            },
        ])
    );
    assert_eq!(tlsa.policy.decoded().mode(), None);
    assert_eq!(tlsa.summary, summary(2, 0));
    assert_no_failure_details(&report);
    assert_eq!(report.successful_sessions(), 4);
    assert_eq!(report.failed_sessions(), 0);
}

#[test]
fn stalwart_style_contact_info_null_and_mx_prefix_in_mx_host() {
    let Some(dir) = samples_dir() else { return };
    // CRLF line ends; loaded through ingest.
    let loaded = load_single(&dir, "dmarc-report-viewer/no-contact.json");
    assert!(loaded.source.trail.is_empty());
    let report = loaded.report;
    assert_header(
        &report,
        "server.com",
        "123_456",
        "2026-01-11T00:00:00Z",
        "2026-01-12T00:00:00Z",
        None,
    );
    assert_eq!(report.date_range.day(), day("2026-01-11"));
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    // "mx-host": ["mx: mx.server.com"] loses its "mx: " prefix.
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: enforce",
                "max_age: 86400",
                "mx: mx.server.com"
            ],
            Some("server.com"),
            &["mx.server.com"],
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(StsMode::Enforce, &["mx.server.com"], 86400)
    );
    assert_eq!(p.summary, summary(1, 0));
    // "failure-details": []
    assert_no_failure_details(&report);
}

#[test]
fn google_no_policy_found_without_policy_string() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "dmarc-report-viewer/no-policy.json");
    assert_header(
        &report,
        "Google Inc.",
        "2025-03-27T00:00:00Z_foo-bar.io",
        "2025-03-27T00:00:00Z",
        "2025-03-27T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(PolicyType::NoPolicyFound, &[], Some("foo-bar.io"), &[])
    );
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(1, 0));
    assert_no_failure_details(&report);
}

#[test]
fn microsoft_fetch_error_without_ips_and_report_id_ending_in_plus() {
    let Some(dir) = samples_dir() else { return };
    let loaded = load_single(&dir, "dmarc-report-viewer/no_ip_and_mx.json");
    let report = loaded.report;
    assert_microsoft_fetch_error(&report, "1234567890+");
}

/// Microsoft's report of one failed policy fetch: sts without "policy-string" and
/// "mx-host", a failure detail without sending-mta-ip, receiving-ip or
/// receiving-mx-hostname.
fn assert_microsoft_fetch_error(report: &Report, report_id: &str) {
    assert_header(
        report,
        "Microsoft Corporation",
        report_id,
        "2025-06-14T00:00:00Z",
        "2025-06-14T23:59:59Z",
        Some("tlsrpt-noreply@microsoft.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(PolicyType::Sts, &[], Some("xxxxxxxx.xx"), &[])
    );
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(0, 3));
    assert_eq!(
        p.failure_details,
        [detail(ResultType::StsPolicyFetchError, 3)]
    );
    assert!(!p.details_disagree());
}

#[test]
fn rfc_example_with_mx_host_array() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "dmarc-report-viewer/rfc-example.json");
    assert_rfc_example(
        &report,
        RFC_REPORT_ID,
        "company-y.example",
        RFC_ADDITIONAL_INFO,
    );
}

// ---------------------------------------------------------------------------------
// github-issues/
// ---------------------------------------------------------------------------------

#[test]
fn microsoft_issue57_no_sending_mta_ip_and_report_id_ending_in_plus() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(
        &dir,
        "github-issues/cry-inc_dmarc-report-viewer_issue57_microsoft-no-sending-mta-ip.json",
    );
    assert_microsoft_fetch_error(&report, "133944884956529435+");
}

#[test]
fn stalwart_style_issue71_contact_info_null_and_end_datetime_next_midnight() {
    let Some(dir) = samples_dir() else { return };
    let loaded = load_single(
        &dir,
        "github-issues/cry-inc_dmarc-report-viewer_issue71_contact-info-null.json",
    );
    let report = loaded.report;
    assert_header(
        &report,
        "refluxstop.de",
        "1768089600_5665667737528564296",
        "2026-01-11T00:00:00Z",
        "2026-01-12T00:00:00Z",
        None,
    );
    assert_eq!(report.date_range.day(), day("2026-01-11"));
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    let mx = ["mx1.hin.ch", "mx2.hin.ch", "mx3.hin.ch", "mx4.hin.ch"];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: enforce",
                "max_age: 86400",
                "mx: mx1.hin.ch",
                "mx: mx2.hin.ch",
                "mx: mx3.hin.ch",
                "mx: mx4.hin.ch",
            ],
            Some("hin.ch"),
            &mx,
        )
    );
    assert_eq!(p.policy.decoded(), sts(StsMode::Enforce, &mx, 86400));
    assert_eq!(p.summary, summary(1, 0));
    assert_no_failure_details(&report);
}

#[test]
fn stalwart_contact_info_null_and_empty_arrays() {
    let Some(dir) = samples_dir() else { return };
    let loaded = load_single(
        &dir,
        "github-issues/domainaware_parsedmarc_issue575_stalwart-style-empty-arrays.json",
    );
    let report = loaded.report;
    assert_header(
        &report,
        "mx.egressif.io",
        "1730332800_11732957880687192466",
        "2024-10-31T00:00:00Z",
        "2024-11-01T00:00:00Z",
        None,
    );
    assert_eq!(report.date_range.day(), day("2024-10-31"));
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    // "policy-string": [], "mx-host": [], "failure-details": []
    assert_eq!(
        p.policy,
        policy(
            PolicyType::NoPolicyFound,
            &[],
            Some("redacted.example.com"),
            &[]
        )
    );
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(1, 0));
    assert_no_failure_details(&report);
}

#[test]
fn google_issue52_sts_wildcard_mx_host_array() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(
        &dir,
        "github-issues/jgosmann_dmarc-metrics-exporter_issue52_google-mx-host.json",
    );
    assert_header(
        &report,
        "Google Inc.",
        "2025-06-01T00:00:00Z_maxchernoff.ca",
        "2025-06-01T00:00:00Z",
        "2025-06-01T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: enforce",
                "mx: *.migadu.com",
                "max_age: 1209600"
            ],
            Some("maxchernoff.ca"),
            &["*.migadu.com"],
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(StsMode::Enforce, &["*.migadu.com"], 1209600)
    );
    assert_eq!(p.summary, summary(3, 0));
    assert_no_failure_details(&report);
}

#[test]
fn postfix_no_policy_domain() {
    let Some(dir) = samples_dir() else { return };
    // Summary keys failure-first, report-id last.
    let loaded = load_single(
        &dir,
        "github-issues/sys4_tlsrpt-reporter_issue51_postfix-no-policy-domain.json",
    );
    let report = loaded.report;
    assert_header(
        &report,
        "sonne.floppy.org",
        "2025-09-20T00:00:00Z_idx1_mpi-klsb.mpg.de",
        "2025-09-20T00:00:00Z",
        "2025-09-20T23:59:59Z",
        Some("smtp-tls-reporting@sonne.floppy.org"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(p.policy, policy(PolicyType::NoPolicyFound, &[], None, &[]));
    assert_eq!(p.policy.policy_domain, None);
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(1, 0));
    assert_no_failure_details(&report);
}

// ---------------------------------------------------------------------------------
// mail-auth/
// ---------------------------------------------------------------------------------

#[test]
fn rfc_example_eml_with_tlsrpt_gzip_base64_attachment() {
    let Some(dir) = samples_dir() else { return };
    // Non-RFC 5322 Date, folded Subject, quoted report-type, base64 gzip.
    let report = load_from_attachment(
        &dir,
        "mail-auth/rpt01.eml",
        "mail.sender.example!example.com!1013662812!1013749130.json.gz",
    );
    assert_rfc_example(
        &report,
        RFC_REPORT_ID,
        "company-y.example",
        MANGLED_ADDITIONAL_INFO,
    );
}

#[test]
fn rfc_example_with_mangled_additional_information() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "mail-auth/rpt01.json");
    assert_rfc_example(
        &report,
        RFC_REPORT_ID,
        "company-y.example",
        MANGLED_ADDITIONAL_INFO,
    );
    // The e-mail carries exactly this report.
    let from_eml = load_single(&dir, "mail-auth/rpt01.eml").report;
    assert_eq!(report, from_eml);
}

/// mail-auth's rpt02 report (Google format, example.com, 7-day range).
fn assert_mail_auth_rpt02(report: &Report) {
    assert_header(
        report,
        "Google Inc.",
        "2020-01-01T00:00:00Z_example.com",
        "2020-01-01T00:00:00Z",
        "2020-01-07T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.date_range.day(), day("2020-01-01"));
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: enforce",
                "mx: demo.example.com",
                "max_age: 604800"
            ],
            Some("example.com"),
            &[],
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(StsMode::Enforce, &["demo.example.com"], 604800)
    );
    assert_eq!(p.summary, summary(23, 1));
    assert_eq!(
        p.failure_details,
        [FailureDetail {
            sending_mta_ip: ip("123.123.123.123"),
            receiving_ip: ip("234.234.234.234"),
            receiving_mx_hostname: text("demo.example.com"),
            ..detail(ResultType::CertificateHostMismatch, 1)
        }]
    );
    assert!(!p.details_disagree());
}

#[test]
fn mail_auth_eml_with_bare_application_tlsrpt_raw_json() {
    let Some(dir) = samples_dir() else { return };
    // "Content-Type: application/tlsrpt", no Content-Transfer-Encoding, raw JSON.
    let report = load_from_attachment(
        &dir,
        "mail-auth/rpt02.eml",
        "mail.sender.example!example.com!1013662812!1013749130.json",
    );
    assert_mail_auth_rpt02(&report);
}

#[test]
fn mail_auth_google_report_with_seven_day_date_range() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "mail-auth/rpt02.json");
    assert_mail_auth_rpt02(&report);
}

#[test]
fn mail_auth_no_policy_domain_no_total_failure_and_unknown_policy_type() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "mail-auth/rpt03.json");
    assert_header(
        &report,
        "Google Inc.",
        "2019-04-14T00:00:00Z_example.org",
        "2019-04-14T00:00:00Z",
        "2019-04-14T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.policies.len(), 2);
    let first = &report.policies[0];
    assert_eq!(
        first.policy,
        policy(PolicyType::NoPolicyFound, &[], None, &[])
    );
    assert_eq!(first.policy.decoded(), DecodedPolicy::Empty);
    // No "total-failure-session-count" and no details: 0 failures.
    assert_eq!(first.summary, summary(1, 0));

    let second = &report.policies[1];
    assert_eq!(
        second.policy,
        policy(
            PolicyType::Other("invalid-policy-type".into()),
            &[],
            None,
            &[],
        )
    );
    assert_eq!(second.policy.policy_type.as_str(), "invalid-policy-type");
    assert_eq!(second.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(second.summary, summary(1, 0));
    assert_no_failure_details(&report);
    assert_eq!(report.successful_sessions(), 2);
}

// ---------------------------------------------------------------------------------
// mail-tls-rpt/
// ---------------------------------------------------------------------------------

/// The fastmaildmarc.com report of 2020-03-02, in all three of its forms.
fn assert_fastmail_2020(report: &Report) {
    assert_header(
        report,
        "Google Inc.",
        "2020-03-02T00:00:00Z_fastmaildmarc.com",
        "2020-03-02T00:00:00Z",
        "2020-03-02T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::NoPolicyFound,
            &[],
            Some("fastmaildmarc.com"),
            &[]
        )
    );
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(343, 0));
    assert_no_failure_details(report);
}

#[test]
fn google_2020_eml_oldest_real_sample() {
    let Some(dir) = samples_dir() else { return };
    // Long real header block (ARC, DKIM), unquoted report-type after the boundary,
    // tab-folded name= / filename= parameters.
    let report = load_from_attachment(
        &dir,
        "mail-tls-rpt/email.eml",
        "google.com!fastmaildmarc.com!1583107200!1583193599!001.json.gz",
    );
    assert_fastmail_2020(&report);
}

#[test]
fn mail_tls_rpt_normalised_output_with_empty_mx_host_string() {
    let Some(dir) = samples_dir() else { return };
    // "mx-host": "" is dropped, "policy-string": [] is empty, keys alphabetical.
    let report = parse_single(&dir, "mail-tls-rpt/expected.json");
    assert_fastmail_2020(&report);
    // Normalizes to the very report the raw JSON holds.
    assert_eq!(report, parse_single(&dir, "mail-tls-rpt/report.json"));
}

#[test]
fn google_2020_raw_report_json() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "mail-tls-rpt/report.json");
    assert_fastmail_2020(&report);
    let from_eml = load_single(&dir, "mail-tls-rpt/email.eml").report;
    assert_eq!(report, from_eml);
}

// ---------------------------------------------------------------------------------
// parsedmarc/
// ---------------------------------------------------------------------------------

#[test]
fn google_eml_with_qp_banner_and_gzip_attachment() {
    let Some(dir) = samples_dir() else { return };
    let report = load_from_attachment(
        &dir,
        "parsedmarc/google.com_smtp_tls_report.eml",
        "google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz",
    );
    assert_header(
        &report,
        "Google Inc.",
        "2024-09-03T00:00:00Z_cardinalhealth.ca",
        "2024-09-03T00:00:00Z",
        "2024-09-03T23:59:59Z",
        Some("smtp-tls-reporting@google.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::NoPolicyFound,
            &[],
            Some("cardinalhealth.ca"),
            &[]
        )
    );
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(48, 0));
    assert_no_failure_details(&report);
}

#[test]
fn mailru_end_datetime_next_midnight_and_detail_sum_exceeds_total() {
    let Some(dir) = samples_dir() else { return };
    // Keys alphabetical.
    let loaded = load_single(&dir, "parsedmarc/mail.ru.json");
    let report = loaded.report;
    assert_header(
        &report,
        "Mail.ru",
        "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru",
        "2024-02-22T00:00:00Z",
        "2024-02-23T00:00:00Z",
        Some("tls_support@corp.mail.ru"),
    );
    // The sessions belong to the start's day, not the next one.
    assert_eq!(report.date_range.day(), day("2024-02-22"));
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    // sts without "policy-string" or "mx-host".
    assert_eq!(
        p.policy,
        policy(PolicyType::Sts, &[], Some("example.com"), &[])
    );
    assert_eq!(p.policy.decoded(), DecodedPolicy::Empty);
    assert_eq!(p.summary, summary(0, 1));
    // No IPs, no hostnames.
    assert_eq!(
        p.failure_details,
        [
            FailureDetail {
                failure_reason_code: text("bad https response code: 404"),
                ..detail(ResultType::StsPolicyFetchError, 1)
            },
            FailureDetail {
                failure_reason_code: text("bad https response code: 500"),
                ..detail(ResultType::StsPolicyFetchError, 1)
            },
        ]
    );
    assert_eq!(p.detail_failure_count(), 2);
    assert!(p.details_disagree());
    assert_eq!(report.failed_sessions(), 1);
}

#[test]
fn rfc_verbatim_example_mx_host_is_a_string() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "parsedmarc/rfc8460.json");
    assert_rfc_example(
        &report,
        RFC_REPORT_ID,
        "company-y.example",
        RFC_ADDITIONAL_INFO,
    );
    // The string "mx-host" reads like the array form.
    assert_eq!(
        report,
        parse_single(&dir, "dmarc-report-viewer/rfc-example.json")
    );
}

#[test]
fn google_edited_two_validation_failures_from_google_ips() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "parsedmarc/smtp_tls.json");
    assert_header(
        &report,
        "Example Inc.",
        "2024-01-09T00:00:00Z_example.com",
        "2024-01-09T00:00:00Z",
        "2024-01-09T23:59:59Z",
        Some("smtp-tls-reporting@example.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &[
                "version: STSv1",
                "mode: testing",
                "mx: example.com",
                "max_age: 86400"
            ],
            Some("example.com"),
            &[],
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(StsMode::Testing, &["example.com"], 86400)
    );
    assert_eq!(p.summary, summary(0, 3));
    assert_eq!(
        p.failure_details,
        [
            FailureDetail {
                sending_mta_ip: ip("209.85.222.201"),
                receiving_ip: ip("173.212.201.41"),
                receiving_mx_hostname: text("example.com"),
                ..detail(ResultType::ValidationFailure, 2)
            },
            FailureDetail {
                sending_mta_ip: ip("209.85.208.176"),
                receiving_ip: ip("173.212.201.41"),
                receiving_mx_hostname: text("example.com"),
                ..detail(ResultType::ValidationFailure, 1)
            },
        ]
    );
    assert!(!p.details_disagree());
}

// ---------------------------------------------------------------------------------
// tls-rpt-monitor-Neztore/
// ---------------------------------------------------------------------------------

const JOSH_SCOT_POLICY_STRING: [&str; 5] = [
    "version: STSv1",
    "mode: enforce",
    "mx: mail.protonmail.ch",
    "mx: mailsec.protonmail.ch",
    "max_age: 86401",
];

fn assert_josh_scot_header_and_policy(report: &Report) {
    assert_header(
        report,
        "Microsoft Corporation",
        "133988091029006454+josh.scot",
        "2025-08-03T00:00:00Z",
        "2025-08-03T23:59:59Z",
        Some("tlsrpt-noreply@microsoft.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::Sts,
            &JOSH_SCOT_POLICY_STRING,
            Some("josh.scot"),
            &[]
        )
    );
    assert_eq!(
        p.policy.decoded(),
        sts(
            StsMode::Enforce,
            &["mail.protonmail.ch", "mailsec.protonmail.ch"],
            86401
        )
    );
}

#[test]
fn microsoft_edited_testing_result_type_malformed_ip_and_detail_sum_exceeds_total() {
    let Some(dir) = samples_dir() else { return };
    let loaded = load_single(&dir, "tls-rpt-monitor-Neztore/microsoft-report.json");
    let report = loaded.report;
    assert_josh_scot_header_and_policy(&report);
    let p = &report.policies[0];
    assert_eq!(p.summary, summary(2, 2));
    // "result-type": "Testing" kept verbatim, "x.x.x.x" kept as text, the non-RFC
    // "additional-info-uri" ignored.
    assert_eq!(
        p.failure_details,
        [FailureDetail {
            sending_mta_ip: Some(IpText::Malformed("x.x.x.x".into())),
            receiving_mx_hostname: text("testing.josh.scot"),
            failure_reason_code: text("123"),
            ..detail(ResultType::Other("Testing".into()), 3)
        }]
    );
    assert_eq!(p.failure_details[0].result_type.as_str(), "Testing");
    assert_eq!(p.failure_details[0].additional_information, None);
    assert_eq!(p.detail_failure_count(), 3);
    assert!(p.details_disagree());
}

#[test]
fn microsoft_gzipped_single_line_json() {
    let Some(dir) = samples_dir() else { return };
    let loaded = load_single(&dir, "tls-rpt-monitor-Neztore/microsoft-report.json.gz");
    // gzip is no location of its own: the report is the file's.
    assert!(loaded.source.trail.is_empty());
    let report = loaded.report;
    assert_josh_scot_header_and_policy(&report);
    assert_eq!(report.policies[0].summary, summary(2, 0));
    assert_no_failure_details(&report);
}

// ---------------------------------------------------------------------------------
// tls-rpt-monitor-nixis/
// ---------------------------------------------------------------------------------

#[test]
fn nixis_rfc_example_with_mx_host_string() {
    let Some(dir) = samples_dir() else { return };
    let loaded = load_single(&dir, "tls-rpt-monitor-nixis/tls-rpt.json");
    assert_rfc_example(
        &loaded.report,
        RFC_REPORT_ID,
        "company-y.example",
        RFC_ADDITIONAL_INFO,
    );
}

// ---------------------------------------------------------------------------------
// tlsrpt-be/
// ---------------------------------------------------------------------------------

#[test]
fn tlsrpt_be_synthetic_no_policy_found_example_llc() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "tlsrpt-be/report-2.json");
    assert_header(
        &report,
        "Example LLC.",
        "2025-08-04T00:00:00Z_example.org",
        "2025-08-04T00:00:00Z",
        "2025-08-04T23:59:59Z",
        Some("smtp-tls-reporting@example-llc.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(PolicyType::NoPolicyFound, &[], Some("example.org"), &[])
    );
    assert_eq!(p.summary, summary(13, 0));
    assert_no_failure_details(&report);
}

#[test]
fn tlsrpt_be_failures_without_failure_details_and_idn_policy_domain() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "tlsrpt-be/report.json");
    assert_header(
        &report,
        "Example Inc.",
        "report-id-from-report.json",
        "2025-08-04T00:00:00Z",
        "2025-08-04T23:59:59Z",
        Some("smtp-tls-reporting@example.com"),
    );
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(
        p.policy,
        policy(
            PolicyType::NoPolicyFound,
            &[],
            Some("xn--gpher-jua.test"),
            &[]
        )
    );
    assert_eq!(p.summary, summary(99, 102));
    // 102 failures and no "failure-details" at all: the details (0) disagree.
    assert!(p.failure_details.is_empty());
    assert_eq!(p.detail_failure_count(), 0);
    assert!(p.details_disagree());
}

#[test]
fn tlsrpt_be_eml_without_closing_boundary() {
    let Some(dir) = samples_dir() else { return };
    // CRLF, unfolded headers, and the message ends without "--boundary--".
    let report = load_from_attachment(
        &dir,
        "tlsrpt-be/test.eml",
        "mail.sender.example!example.com!1013662812!1013749130.json.gz",
    );
    assert_rfc_example(
        &report,
        RFC_REPORT_ID,
        "company-y.example",
        MANGLED_ADDITIONAL_INFO,
    );
}

#[test]
fn tlsrpt_be_idn_policy_domain_in_rfc_example() {
    let Some(dir) = samples_dir() else { return };
    let report = parse_single(&dir, "tlsrpt-be/testing.json");
    assert_rfc_example(
        &report,
        "report-id-of-report-over-email-1234",
        "xn--gpher-jua.test",
        MANGLED_ADDITIONAL_INFO,
    );
}

// ---------------------------------------------------------------------------------
// The whole directory
// ---------------------------------------------------------------------------------

#[test]
fn whole_directory_dedupes_copies_and_skips_sources_md() {
    let Some(dir) = samples_dir() else { return };
    let store = ingest::load(std::slice::from_ref(&dir));
    let summary = Summary::of(&store);
    let at = |file: &str| dir.join(file).display().to_string();
    let attachment = |file: &str, name: &str| format!("{} › attachment {name}", at(file));

    assert_eq!(summary.problems, []);
    // SOURCES.md is passed over, not a problem.
    let skipped: Vec<_> = store.skipped().collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(
        skipped[0].source.path.as_ref(),
        dir.join("SOURCES.md").as_path()
    );
    assert_eq!(skipped[0].reason, SkipReason::NotAReportFile);
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].source, at("SOURCES.md"));

    // 30 report files hold 21 distinct (organization, report-id) pairs: the RFC
    // example 6 times, mail-auth's rpt02 twice, the fastmaildmarc.com report 3 times
    // and the josh.scot Microsoft report twice.
    assert_eq!(summary.reports, 21);
    assert_eq!(store.reports().len(), 21);
    assert_eq!(summary.duplicates, 9);
    assert_eq!(store.duplicates(), 9);

    let copies = |organization: &str, report_id: &str| -> Vec<String> {
        store
            .reports()
            .iter()
            .filter(|r| {
                &*r.report.organization_name == organization && &*r.report.report_id == report_id
            })
            .map(|r| r.source.to_string())
            .collect()
    };
    // Each is kept once, from the first file in input (name) order.
    assert_eq!(
        copies("Company-X", RFC_REPORT_ID),
        [at("dmarc-report-viewer/rfc-example.json")]
    );
    assert_eq!(
        copies("Google Inc.", "2020-01-01T00:00:00Z_example.com"),
        [attachment(
            "mail-auth/rpt02.eml",
            "mail.sender.example!example.com!1013662812!1013749130.json"
        )]
    );
    assert_eq!(
        copies("Google Inc.", "2020-03-02T00:00:00Z_fastmaildmarc.com"),
        [attachment(
            "mail-tls-rpt/email.eml",
            "google.com!fastmaildmarc.com!1583107200!1583193599!001.json.gz"
        )]
    );
    assert_eq!(
        copies("Microsoft Corporation", "133988091029006454+josh.scot"),
        [at("tls-rpt-monitor-Neztore/microsoft-report.json")]
    );
    // Company-X's other report (tlsrpt-be/testing.json) has its own report-id.
    assert_eq!(
        copies("Company-X", "report-id-of-report-over-email-1234"),
        [at("tlsrpt-be/testing.json")]
    );
    // The two Microsoft fetch-error reports (issue #57) have different report-ids.
    assert_eq!(copies("Microsoft Corporation", "1234567890+").len(), 1);
    assert_eq!(
        copies("Microsoft Corporation", "133944884956529435+").len(),
        1
    );

    // Copies with different content: the RFC example copies whose
    // "additional-information" is mangled, and the edited josh.scot report against
    // the real gzipped one.
    let rfc_kept = at("dmarc-report-viewer/rfc-example.json");
    let rfc_attachment = "mail.sender.example!example.com!1013662812!1013749130.json.gz";
    let conflict = |organization: &str, report_id: &str, kept: &str, dropped: String| ConflictRow {
        organization: organization.into(),
        report_id: report_id.into(),
        kept: kept.into(),
        dropped,
    };
    assert_eq!(
        summary.conflicts,
        [
            conflict(
                "Company-X",
                RFC_REPORT_ID,
                &rfc_kept,
                attachment("mail-auth/rpt01.eml", rfc_attachment)
            ),
            conflict(
                "Company-X",
                RFC_REPORT_ID,
                &rfc_kept,
                at("mail-auth/rpt01.json")
            ),
            conflict(
                "Company-X",
                RFC_REPORT_ID,
                &rfc_kept,
                attachment("tlsrpt-be/test.eml", rfc_attachment)
            ),
            conflict(
                "Microsoft Corporation",
                "133988091029006454+josh.scot",
                &at("tls-rpt-monitor-Neztore/microsoft-report.json"),
                at("tls-rpt-monitor-Neztore/microsoft-report.json.gz")
            ),
        ]
    );

    // Session totals count every distinct report once.
    assert_eq!(summary.successful_sessions, 11195);
    assert_eq!(summary.failed_sessions, 721);
    // Counted once, Microsoft's sessions reported under both an `sts` and a `tlsa`
    // policy of one domain (2 in a sample) are 2 fewer.
    assert_eq!(summary.distinct_successful_sessions, 11193);
    assert_eq!(summary.distinct_failed_sessions, 721);
    let row = |organization: &str, (successful, failed): (u128, u128), once: (u128, u128)| {
        OrganizationRow {
            organization: organization.into(),
            successful_sessions: successful,
            failed_sessions: failed,
            distinct_successful_sessions: once.0,
            distinct_failed_sessions: once.1,
        }
    };
    assert_eq!(
        summary.by_organization,
        [
            // The RFC example once (5326/303) plus testing.json (5326/303).
            row("Company-X", (10652, 606), (10652, 606)),
            row("Example Inc.", (99, 105), (99, 105)),
            row("Example LLC.", (13, 0), (13, 0)),
            row("Google Inc.", (421, 1), (421, 1)),
            row("Mail.ru", (0, 1), (0, 1)),
            row("Microsoft Corporation", (6, 8), (4, 8)),
            row("mx.egressif.io", (1, 0), (1, 0)),
            row("refluxstop.de", (1, 0), (1, 0)),
            row("server.com", (1, 0), (1, 0)),
            row("sonne.floppy.org", (1, 0), (1, 0)),
        ]
    );

    // Policies whose failure details do not add up to the summary's failures.
    let mismatch =
        |file: &str, report_id: &str, domain: &str, summary: u64, details: u64| MismatchRow {
            source: at(file),
            report_id: report_id.into(),
            policy_domain: Some(domain.into()),
            summary_failed_sessions: summary,
            detail_failed_sessions: details,
        };
    assert_eq!(
        summary.detail_mismatches,
        [
            mismatch(
                "parsedmarc/mail.ru.json",
                "b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru",
                "example.com",
                1,
                2
            ),
            mismatch(
                "tls-rpt-monitor-Neztore/microsoft-report.json",
                "133988091029006454+josh.scot",
                "josh.scot",
                2,
                3
            ),
            mismatch(
                "tlsrpt-be/report.json",
                "report-id-from-report.json",
                "xn--gpher-jua.test",
                102,
                0
            ),
        ]
    );
}

/// A conflicting copy must be reported against the copy finally kept (the first in
/// input order), whatever order the decoder threads deliver the copies in.
#[test]
fn conflicts_name_the_finally_kept_copy_whatever_the_arrival_order() {
    let Some(dir) = samples_dir() else { return };
    let rfc = parse_single(&dir, "dmarc-report-viewer/rfc-example.json");
    let mangled = parse_single(&dir, "mail-auth/rpt01.json");
    assert_ne!(rfc, mangled);
    let source = |name: &str| Source::file(Arc::from(Path::new(name)));
    let mut store = Loaded::new();
    let generation = store.begin_load();
    let order = |file: u32| Order {
        generation,
        file,
        ..Order::default()
    };
    // Arrival order: the mangled copy (file 12), an RFC copy (file 22), and last
    // the RFC copy that comes first in input order (file 6).
    store.insert(mangled, source("rpt01.json"), order(12));
    store.insert(rfc.clone(), source("rfc8460.json"), order(22));
    store.insert(rfc, source("rfc-example.json"), order(6));
    store.finish_load();

    assert_eq!(store.reports().len(), 1);
    assert_eq!(store.duplicates(), 2);
    assert_eq!(store.reports()[0].source, source("rfc-example.json"));
    let conflicts: Vec<(String, String)> = store
        .conflicts()
        .iter()
        .map(|c| (c.kept.to_string(), c.dropped.to_string()))
        .collect();
    // rfc8460.json equals the kept copy; only the mangled copy conflicts.
    assert_eq!(
        conflicts,
        [("rfc-example.json".to_string(), "rpt01.json".to_string())]
    );
}
