//! Golden tests of the policy parser, named after the rule each one checks.

use super::*;

const GOOD_CRLF: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";

fn rules(body: &str) -> Vec<&'static str> {
    parse(body.as_bytes())
        .diagnostics
        .iter()
        .map(|d| d.rule)
        .collect()
}

fn policy(body: &str) -> Policy {
    let parsed = parse(body.as_bytes());
    parsed
        .policy
        .unwrap_or_else(|| panic!("no policy: {:?}", parsed.diagnostics))
}

#[test]
fn d1_crlf_policy_is_valid_without_remarks() {
    let p = policy(GOOD_CRLF);
    assert_eq!(p.mode, Mode::Enforce);
    assert_eq!(p.max_age, 604_800);
    let mx: Vec<String> = p.mx.iter().map(|m| m.to_string()).collect();
    assert_eq!(mx, ["mail.example.com", "*.example.net"]);
    assert!(rules(GOOD_CRLF).is_empty());
}

#[test]
fn d1_lf_policy_is_valid_with_an_info() {
    let body = GOOD_CRLF.replace("\r\n", "\n");
    assert_eq!(policy(&body).mode, Mode::Enforce);
    let parsed = parse(body.as_bytes());
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].rule, "policy-line-endings");
    assert_eq!(parsed.diagnostics[0].severity, Severity::Info);
}

#[test]
fn d1_mixed_endings_warn() {
    let body = "version: STSv1\r\nmode: testing\nmx: a.example\r\nmax_age: 86400\r\n";
    let parsed = parse(body.as_bytes());
    assert!(parsed.policy.is_some());
    assert_eq!(parsed.diagnostics[0].rule, "policy-line-endings");
    assert_eq!(parsed.diagnostics[0].severity, Severity::Warn);
}

#[test]
fn d1_no_final_line_end_is_valid() {
    assert!(rules("version: STSv1\r\nmode: testing\r\nmx: a.example\r\nmax_age: 86400").is_empty());
}

#[test]
fn d2_whitespace_before_name_or_colon_fails_strictly() {
    let body = "version: STSv1\r\n mode: testing\r\nmx: a.example\r\nmax_age: 86400\r\n";
    assert_eq!(rules(body), ["policy-line-syntax"]);
    let body = "version: STSv1\r\nmode : testing\r\nmx: a.example\r\nmax_age: 86400\r\n";
    assert_eq!(rules(body), ["policy-line-syntax"]);
    assert!(parse(body.as_bytes()).policy.is_none());
}

#[test]
fn d2_line_without_colon_fails() {
    let body = "version: STSv1\r\nmode enforce\r\nmx: a.example\r\nmax_age: 86400\r\n";
    assert!(rules(body).contains(&"policy-line-syntax"));
    assert!(rules(body).contains(&"policy-mode-missing"));
}

#[test]
fn d2_trailing_whitespace_after_value_is_allowed() {
    let body = "version: STSv1 \r\nmode:\ttesting\t\r\nmx: a.example \r\nmax_age: 86400  \r\n";
    assert!(rules(body).is_empty());
}

#[test]
fn d3_version_must_be_stsv1_case_sensitive() {
    assert_eq!(
        rules("version: stsv1\r\nmode: testing\r\nmx: a.example\r\nmax_age: 86400\r\n"),
        ["policy-version-invalid"]
    );
    assert_eq!(
        rules("mode: testing\r\nmx: a.example\r\nmax_age: 86400\r\n"),
        ["policy-version-missing"]
    );
}

#[test]
fn d4_mode_must_be_enforce_testing_or_none() {
    let body = "version: STSv1\r\nmode: report\r\nmx: a.example\r\nmax_age: 86400\r\n";
    let parsed = parse(body.as_bytes());
    assert_eq!(parsed.diagnostics[0].rule, "policy-mode-invalid");
    assert!(parsed.diagnostics[0].message.contains("old draft"));
    assert_eq!(
        rules("version: STSv1\r\nmode: Enforce\r\nmx: a.example\r\nmax_age: 86400\r\n"),
        ["policy-mode-invalid"]
    );
    assert_eq!(
        rules("version: STSv1\r\nmax_age: 86400\r\n"),
        ["policy-mode-missing"]
    );
}

#[test]
fn d5_max_age_is_digits_up_to_31557600() {
    let body = |age: &str| {
        format!("version: STSv1\r\nmode: testing\r\nmx: a.example\r\nmax_age: {age}\r\n")
    };
    assert!(policy(&body("31557600")).max_age == MAX_AGE_LIMIT);
    assert_eq!(rules(&body("31557601")), ["policy-max-age-invalid"]);
    assert_eq!(rules(&body("-1")), ["policy-max-age-invalid"]);
    assert_eq!(rules(&body("1w")), ["policy-max-age-invalid"]);
    assert_eq!(rules(&body("00000000086400")), ["policy-max-age-invalid"]);
    assert_eq!(
        rules("version: STSv1\r\nmode: testing\r\nmx: a.example\r\n"),
        ["policy-max-age-missing"]
    );
}

#[test]
fn d5_short_max_age_warns_and_enforce_advice_is_info() {
    let none = "version: STSv1\r\nmode: none\r\nmax_age: 0\r\n";
    assert_eq!(rules(none), ["policy-mode-none", "policy-max-age-short"]);
    let enforce = "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 86400\r\n";
    assert_eq!(rules(enforce), ["policy-max-age-enforce-short"]);
}

#[test]
fn d6_mx_is_required_unless_mode_none() {
    let body = "version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n";
    assert_eq!(rules(body), ["policy-mx-missing"]);
    let none = "version: STSv1\r\nmode: none\r\nmax_age: 604800\r\n";
    assert_eq!(rules(none), ["policy-mode-none"]);
}

#[test]
fn d6_invalid_mx_pattern_fails() {
    let body = "version: STSv1\r\nmode: enforce\r\nmx: .example.com\r\nmax_age: 604800\r\n";
    assert_eq!(rules(body), ["policy-mx-invalid"]);
}

#[test]
fn d7_repeated_key_first_wins_with_a_warning() {
    let body =
        "version: STSv1\r\nmode: testing\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 86400\r\n";
    let parsed = parse(body.as_bytes());
    assert_eq!(parsed.policy.unwrap().mode, Mode::Testing);
    assert_eq!(parsed.diagnostics[0].rule, "policy-key-duplicate");
    assert_eq!(parsed.diagnostics[0].line, 3);
}

#[test]
fn d7_repeated_mx_are_all_used() {
    let p = policy(
        "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmx: b.example\r\nmax_age: 604800\r\n",
    );
    assert_eq!(p.mx.len(), 2);
}

#[test]
fn d8_unknown_key_is_info_and_a_likely_typo_warns() {
    let body = "version: STSv1\r\nmode: testing\r\nmx: a.example\r\nmax_age: 86400\r\nfoo: bar\r\n";
    assert_eq!(rules(body), ["policy-key-unknown"]);
    let typo = "version: STSv1\r\nmode: enforce\r\nnmx: a.example\r\nmax_age: 604800\r\n";
    assert_eq!(rules(typo), ["policy-key-typo", "policy-mx-missing"]);
}

#[test]
fn d8_typo_hints() {
    assert_eq!(likely_typo("nmx"), Some("mx"));
    assert_eq!(likely_typo("max-age"), Some("max_age"));
    assert_eq!(likely_typo("maxage"), Some("max_age"));
    assert_eq!(likely_typo("Mode"), Some("mode"));
    assert_eq!(likely_typo("versoin"), Some("version"));
    assert_eq!(likely_typo("contact"), None);
}

#[test]
fn d9_version_not_first_is_info() {
    assert_eq!(
        rules("mode: none\r\nversion: STSv1\r\nmax_age: 86400\r\n"),
        ["policy-version-not-first", "policy-mode-none"]
    );
}

#[test]
fn d10_blank_line_in_the_middle_is_info() {
    assert_eq!(
        rules("version: STSv1\r\n\r\nmode: none\r\nmax_age: 86400\r\n"),
        ["policy-blank-line", "policy-mode-none"]
    );
}

#[test]
fn c8_bom_html_and_non_utf8_bodies_fail() {
    assert_eq!(rules("\u{feff}version: STSv1\r\n"), ["policy-body-bom"]);
    assert_eq!(rules("<!DOCTYPE html><html></html>"), ["policy-body-html"]);
    assert_eq!(
        rules("  <html><body>hi</body></html>"),
        ["policy-body-html"]
    );
    let parsed = parse(b"version: STSv1\r\nmode: \xff\r\n");
    assert_eq!(parsed.diagnostics[0].rule, "policy-body-not-utf8");
}
