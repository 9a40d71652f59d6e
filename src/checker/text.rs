//! The plain-text rendering of a report, for the terminal.

use std::fmt::Write;

use super::finding::{Finding, Step};
use super::records::ProposedRecords;
use super::report::{CheckReport, DaneState, MtaStsState, MxState, TlsRptState};

/// Renders the report: the statuses, the MX hosts, the findings by step with
/// their evidence, and the proposed records.
pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    let verdict = format!("{:?}", report.verdict).to_ascii_uppercase();
    let _ = writeln!(out, "{}: {verdict}\n", report.domain);
    let _ = writeln!(out, "MTA-STS  {}", mta_sts_line(&report.mta_sts));
    let _ = writeln!(out, "TLS-RPT  {}", tls_rpt_line(&report.tls_rpt));
    let _ = writeln!(out, "DANE     {}", dane_line(&report.dane));
    for mx in &report.mx {
        let _ = writeln!(out, "MX       {}", mx_line(mx));
    }
    let mut step = None;
    for finding in &report.findings {
        if step != Some(finding.step) {
            step = Some(finding.step);
            let _ = writeln!(out, "\n== {}", Step::title(finding.step));
        }
        finding_text(&mut out, finding);
    }
    records_text(&mut out, &report.records);
    out
}

fn mta_sts_line(state: &MtaStsState) -> String {
    let mut line = state.status.as_str().to_string();
    if let Some(policy) = &state.policy {
        let mode = policy.mode.as_str();
        let _ = write!(
            line,
            ": mode {mode}, mx {}, max_age {}",
            policy.mx.join(" "),
            policy.max_age
        );
    }
    if let Some(result_type) = state.tlsrpt_result_type {
        let _ = write!(line, " (senders log {result_type})");
    }
    line
}

fn tls_rpt_line(state: &TlsRptState) -> String {
    match state.rua.is_empty() {
        true => state.status.as_str().to_string(),
        false => format!(
            "{}: reports to {}",
            state.status.as_str(),
            state.rua.join(", ")
        ),
    }
}

fn dane_line(state: &DaneState) -> String {
    let mut line = state.status.as_str().to_string();
    if let Some(result_type) = state.tlsrpt_result_type {
        let _ = write!(line, " (senders log {result_type})");
    }
    line
}

fn mx_line(mx: &MxState) -> String {
    let preference = mx.preference.map_or("-".to_string(), |p| p.to_string());
    let matches = match mx.matches_policy {
        Some(true) => "matches the policy",
        Some(false) => "NOT in the policy",
        None => "no policy to match",
    };
    let starttls = mx.starttls.as_str();
    let dnssec = mx.dnssec.map_or("not validated", |d| d.as_str());
    let mut dane = mx.dane.as_str().to_string();
    if let Some(record) = &mx.tlsa_matched {
        let _ = write!(dane, " ({record})");
    }
    format!(
        "{preference} {}  {matches}, STARTTLS {starttls}, DNSSEC {dnssec}, DANE {dane}",
        mx.host
    )
}

fn finding_text(out: &mut String, finding: &Finding) {
    let tag = finding.severity.as_str().to_ascii_uppercase();
    let _ = writeln!(out, "[{tag}] {} ({})", finding.message, finding.id);
    let mut source = finding.rfc_section.to_string();
    if let Some(result_type) = finding.tlsrpt_result_type {
        let _ = write!(source, "; senders log result-type {result_type}");
    }
    let _ = writeln!(out, "       {source}");
    for line in finding.evidence.lines() {
        let _ = writeln!(out, "       | {line}");
    }
}

fn records_text(out: &mut String, records: &ProposedRecords) {
    let _ = writeln!(out, "\n== Records to publish");
    let sts = &records.mta_sts_txt;
    // A domain without mail hosts gets mode none: nothing to test or enforce.
    let no_mail = records.policy_testing.contains("mode: none");
    let first = if no_mail {
        "the opt-out (mode none: no MX host to protect)"
    } else {
        "first in testing mode"
    };
    let _ = writeln!(out, "1. The policy at {}, {first}:", records.policy_url);
    indent(out, &records.policy_testing);
    let _ = writeln!(out, "2. {}. TXT \"{}\"", sts.name, sts.value);
    let rpt = &records.tls_rpt_txt;
    let _ = writeln!(out, "3. {}. TXT \"{}\"", rpt.name, rpt.value);
    if !no_mail {
        let _ = writeln!(
            out,
            "4. Once the reports show no failures, the enforce policy and a new id:"
        );
        indent(out, &records.policy_enforce);
    }
    if !records.tlsa.is_empty() {
        let _ = writeln!(
            out,
            "5. For DANE, in a DNSSEC-signed zone, the current key and the next one:"
        );
        for tlsa in &records.tlsa {
            let _ = writeln!(out, "     {}. TLSA {}", tlsa.name, tlsa.value);
        }
    }
    for note in &records.notes {
        let _ = writeln!(out, "Note: {note}");
    }
}

fn indent(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "     {line}");
    }
}
