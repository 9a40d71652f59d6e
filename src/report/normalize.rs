//! Raw serde types to the model: trimming, prefix stripping, defaults, validation.

use super::ReportError;
use super::bounds::check_count;
use super::datetime::parse_datetime;
use super::model::*;
use super::raw::*;

/// Parses one JSON document holding a TLS report (or a list of them); one unusable
/// report makes the whole document an error.
///
/// A UTF-8 byte order mark is skipped; UTF-16 documents with a BOM are transcoded.
pub fn parse_reports(bytes: &[u8]) -> Result<Vec<Report>, ReportError> {
    parse_report_list(bytes)?.into_iter().collect()
}

/// Parses one JSON document holding a TLS report (or a list of them), each report
/// on its own: an unusable report in a list leaves the others usable. The outer
/// error is for a document that is no report at all.
pub fn parse_report_list(bytes: &[u8]) -> Result<Vec<Result<Report, ReportError>>, ReportError> {
    let utf8;
    let bytes = match transcode_utf16(bytes) {
        Some(text) => {
            utf8 = text;
            utf8.as_bytes()
        }
        None => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
    };
    let raws: OneOrMany<RawReport> =
        serde_json::from_slice(bytes).map_err(|e| classify(bytes, e))?;
    if raws.0.is_empty() {
        return Err(ReportError::NotTlsReport);
    }
    Ok(raws.0.into_iter().map(normalize_report).collect())
}

fn classify(bytes: &[u8], error: serde_json::Error) -> ReportError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => ReportError::InvalidJson {
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        },
        Category::Data if !looks_like_tls_report(bytes) => ReportError::NotTlsReport,
        Category::Data => ReportError::InvalidReport(error.to_string()),
    }
}

fn looks_like_tls_report(bytes: &[u8]) -> bool {
    is_valid_json(bytes)
        && serde_json::from_slice::<serde_json::Value>(bytes)
            .map(|v| v.get("policies").is_some() || v.get("report-id").is_some())
            .unwrap_or(false)
}

fn transcode_utf16(bytes: &[u8]) -> Option<String> {
    let (big_endian, body) = match bytes {
        [0xFE, 0xFF, rest @ ..] => (true, rest),
        [0xFF, 0xFE, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{FFFD}'))
            .collect(),
    )
}

fn normalize_report(raw: RawReport) -> Result<Report, ReportError> {
    if raw.policies.is_none() && raw.report_id.is_none() {
        return Err(ReportError::NotTlsReport);
    }
    let date_range = normalize_date_range(raw.date_range)?;
    let policies = try_map_exact(raw.policies.unwrap_or_default().0, normalize_policy_result)?;
    let report = Report {
        organization_name: text(raw.organization_name.as_ref().map_or("", |t| &t.0).trim()),
        date_range,
        contact_info: non_empty(raw.contact_info),
        report_id: text(raw.report_id.as_ref().map_or("", |t| &t.0).trim()),
        policies,
    };
    check_count(
        || "the report's total-successful-session-count over all policies".into(),
        report.successful_sessions(),
    )?;
    check_count(
        || "the report's total-failure-session-count over all policies".into(),
        report.failed_sessions(),
    )?;
    Ok(report)
}

/// A missing end is taken as one day after the start and vice versa: RFC 8460 §4.1
/// reports cover a day, and a report with one usable date still counts.
fn normalize_date_range(raw: Option<RawDateRange>) -> Result<DateRange, ReportError> {
    let raw = raw.ok_or_else(|| ReportError::InvalidReport("no date-range".into()))?;
    let start = raw
        .start_datetime
        .as_ref()
        .and_then(|t| parse_datetime(&t.0));
    let end = raw.end_datetime.as_ref().and_then(|t| parse_datetime(&t.0));
    let day = chrono::Duration::days(1);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        // At the ends of the representable time, the range ends where it starts.
        (Some(s), None) => (s, s.checked_add_signed(day).unwrap_or(s)),
        (None, Some(e)) => (e.checked_sub_signed(day).unwrap_or(e), e),
        (None, None) => {
            let shown = |t: &Option<LenientText>| {
                t.as_ref()
                    .map(|t| format!("{:?}", t.0))
                    .unwrap_or_else(|| "missing".into())
            };
            return Err(ReportError::InvalidReport(format!(
                "date-range has no readable date-time (start-datetime {}, end-datetime {})",
                shown(&raw.start_datetime),
                shown(&raw.end_datetime)
            )));
        }
    };
    Ok(DateRange { start, end })
}

/// `number` counts policies from 1, as the error messages do.
fn normalize_policy_result(
    number: usize,
    raw: RawPolicyResult,
) -> Result<PolicyResult, ReportError> {
    let failure_details = try_map_exact(raw.failure_details.unwrap_or_default().0, |n, d| {
        normalize_detail(number, n, d)
    })?;
    let summary = raw.summary.unwrap_or_default();
    let detail_sum = check_count(
        || format!("policy {number}: the sum of its failure details' \"failed-session-count\""),
        super::model::failed_session_sum(&failure_details),
    )?;
    let field = |name: &str| format!("policy {number} \"{name}\"");
    let successful = "total-successful-session-count";
    let failed = "total-failure-session-count";
    Ok(PolicyResult {
        policy: std::sync::Arc::new(normalize_policy(raw.policy.unwrap_or_default())),
        summary: SessionSummary {
            total_successful_session_count: count(
                || field(successful),
                summary.total_successful_session_count,
            )?
            .unwrap_or(0),
            total_failure_session_count: count(
                || field(failed),
                summary.total_failure_session_count,
            )?
            .unwrap_or(detail_sum),
        },
        failure_details,
    })
}

/// A count as sent, if sent: usable and at most [`super::MAX_SESSION_COUNT`], or an
/// error naming `field`.
fn count(
    field: impl Fn() -> String,
    raw: Option<LenientCount>,
) -> Result<Option<u64>, ReportError> {
    let Some(LenientCount(raw)) = raw else {
        return Ok(None);
    };
    let value = raw.map_err(|problem| ReportError::InvalidCount {
        field: field(),
        problem,
    })?;
    check_count(field, value).map(Some)
}

fn normalize_policy(raw: RawPolicy) -> Policy {
    Policy {
        policy_type: PolicyType::parse(raw.policy_type.as_ref().map_or("", |t| &t.0)),
        policy_string: raw
            .policy_string
            .0
            .iter()
            .map(|s| text(s.trim_end_matches(['\r', '\n'])))
            .collect(),
        policy_domain: raw.policy_domain.and_then(|t| hostname(&t.0)),
        mx_host: raw
            .mx_host
            .0
            .iter()
            .filter_map(|m| hostname(strip_mx_prefix(m)))
            .collect(),
    }
}

/// One producer writes the policy line (`"mx: mx.example.com"`) instead of the pattern.
fn strip_mx_prefix(value: &str) -> &str {
    let trimmed = value.trim();
    match trimmed.get(..3) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mx:") => trimmed[3..].trim(),
        _ => trimmed,
    }
}

fn normalize_detail(
    policy: usize,
    number: usize,
    raw: RawFailureDetail,
) -> Result<FailureDetail, ReportError> {
    let field = || format!("policy {policy}, failure detail {number} \"failed-session-count\"");
    Ok(FailureDetail {
        result_type: ResultType::parse(raw.result_type.as_ref().map_or("", |t| &t.0)),
        sending_mta_ip: raw.sending_mta_ip.and_then(|t| IpText::parse(&t.0)),
        receiving_mx_hostname: raw.receiving_mx_hostname.and_then(|t| hostname(&t.0)),
        receiving_mx_helo: non_empty(raw.receiving_mx_helo),
        receiving_ip: raw.receiving_ip.and_then(|t| IpText::parse(&t.0)),
        failed_session_count: count(field, raw.failed_session_count)?.unwrap_or(0),
        additional_information: non_empty(raw.additional_information),
        failure_reason_code: non_empty(raw.failure_reason_code),
    })
}

/// Host and domain names compare case-insensitively and without the root dot.
fn hostname(value: &str) -> Option<Text> {
    let name = value.trim().trim_end_matches('.');
    if name.is_empty() {
        None
    } else if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(text(&name.to_ascii_lowercase()))
    } else {
        Some(text(name))
    }
}

fn non_empty(value: Option<LenientText>) -> Option<Text> {
    let value = value?;
    let trimmed = value.0.trim();
    (!trimmed.is_empty()).then(|| Text::from(trimmed))
}

fn text(value: &str) -> Text {
    Text::from(value)
}

/// Maps into a new vector of exactly the needed size, with each item's number
/// (from 1, as messages count), stopping at the first error.
///
/// `into_iter().map().collect()` would reuse the raw vector's allocation, sized for
/// the much larger raw type, and keep it for as long as the report lives.
fn try_map_exact<R, T>(
    raw: Vec<R>,
    mut f: impl FnMut(usize, R) -> Result<T, ReportError>,
) -> Result<Vec<T>, ReportError> {
    let mut out = Vec::with_capacity(raw.len());
    for (index, item) in raw.into_iter().enumerate() {
        out.push(f(index + 1, item)?);
    }
    Ok(out)
}
