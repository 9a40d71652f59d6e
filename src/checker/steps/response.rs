//! The HTTP response of the policy fetch (RFC 8461 §3.2, §3.3, §8.2).

use std::time::Duration;

use super::super::fetch::{MAX_POLICY_SIZE, Response};
use super::super::finding::{Findings, Severity, result_type};
use super::policy_host::fetch_failed;

const RFC: &str = "RFC 8461 §3.3";
/// Slower fetches are a warning: strict senders time out after about 4 s.
const SLOW_FETCH: Duration = Duration::from_secs(5);

/// C4-C9; the body when a sender would parse it.
pub(crate) fn check(host: &str, response: &Response, f: &mut Findings) -> Option<Vec<u8>> {
    let head = response.head_text();
    if !status_ok(host, response, &head, f) {
        return None;
    }
    content_type(response, &head, f);
    cache_control(response, f);
    let body = match &response.body {
        Err(error) => {
            fetch_failed(host, error, &head, f);
            return None;
        }
        Ok(body) => body,
    };
    let length = response
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if length.is_some_and(|n| n > MAX_POLICY_SIZE) {
        fetch_failed(host, &super::super::fetch::FetchError::TooLarge, &head, f);
        return None;
    }
    fetched(host, response, body, &head, f);
    Some(body.clone())
}

/// C4: only 200 is a policy; redirects are never followed.
fn status_ok(host: &str, response: &Response, head: &str, f: &mut Findings) -> bool {
    let status = response.status;
    if status == 200 {
        return true;
    }
    let (id, message) = match status {
        300..=399 => (
            "policy-http-redirect",
            format!(
                "{host} answers {status} with a redirect to {}; senders MUST NOT follow \
                 redirects, so they get no policy",
                response
                    .header("location")
                    .unwrap_or("(no Location header)")
            ),
        ),
        _ => (
            "policy-http-status",
            format!("{host} answers HTTP {status}; only 200 delivers a policy"),
        ),
    };
    f.add(id, Severity::Fail, RFC, message)
        .with_evidence(head.to_string())
        .with_result_type(result_type::STS_POLICY_FETCH_ERROR);
    false
}

/// C5: `text/plain`, with a UTF-8 or US-ASCII charset if any.
fn content_type(response: &Response, head: &str, f: &mut Findings) {
    let value = response.header("content-type").unwrap_or("");
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
    let charset_ok = charset
        .as_deref()
        .is_none_or(|c| c == "utf-8" || c == "us-ascii");
    if media == "text/plain" && charset_ok {
        return;
    }
    let shown = if value.is_empty() { "missing" } else { value };
    f.add(
        "policy-content-type",
        Severity::Warn,
        "RFC 8461 §3.2",
        format!(
            "Content-Type is {shown}; it should be text/plain (fatal for some senders, which \
             reject the policy)"
        ),
    )
    .with_evidence(head.to_string());
}

/// C9: §8.2 suggests a short cache lifetime for proxies; shown for information.
fn cache_control(response: &Response, f: &mut Findings) {
    if let Some(value) = response.header("cache-control") {
        f.add(
            "policy-cache-control",
            Severity::Info,
            "RFC 8461 §8.2",
            "the policy carries a Cache-Control header; senders do not use HTTP caching",
        )
        .with_evidence(format!("cache-control: {value}"));
    }
}

/// The pass, with the time taken (C7) and the body with its line ends shown.
fn fetched(host: &str, response: &Response, body: &[u8], head: &str, f: &mut Findings) {
    let millis = response.elapsed.as_millis();
    f.add(
        "policy-fetched",
        Severity::Pass,
        RFC,
        format!(
            "fetched the policy from {host}: HTTP 200, {} bytes in {millis} ms",
            body.len()
        ),
    )
    .with_evidence(format!("{head}\n\n{}", visible_line_ends(body)));
    if response.elapsed > SLOW_FETCH {
        f.add(
            "policy-fetch-slow",
            Severity::Warn,
            RFC,
            format!("the fetch took {millis} ms; senders with short timeouts (4 s) give up"),
        );
    }
}

/// The body as text with `␍` and `␊` marks, so that LF and CRLF are told apart.
pub(crate) fn visible_line_ends(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (content, end) = match line.strip_suffix("\r\n") {
            Some(content) => (content, "␍␊"),
            None => match line.strip_suffix('\n') {
                Some(content) => (content, "␊"),
                None => (line, ""),
            },
        };
        out.push_str(&content.replace('\r', "␍"));
        out.push_str(end);
        out.push('\n');
    }
    out
}
