//! A strict parser of the MTA-STS policy file (RFC 8461 §3.2; errata 6253, 7282):
//!
//! ```text
//! sts-policy-record  = sts-policy-field *WSP
//!                      *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
//! sts-policy-field   = sts-policy-version / sts-policy-mode / sts-policy-max-age /
//!                      sts-policy-mx / sts-policy-extension
//! sts-policy-field-delim = ":" *WSP
//! sts-policy-term    = LF / CRLF
//! ```
//!
//! Both LF and CRLF end lines. A repeated field other than `mx` keeps its first
//! value, and unknown fields are ignored (§3.2). Every problem is a [`Diagnostic`]
//! with its line number.

mod checks;
mod lines;

use super::finding::Severity;
use super::mx_pattern::MxPattern;

pub use lines::likely_typo;

/// "max_age: Max lifetime of the policy (plain-text non-negative integer
/// seconds, maximum value of 31557600)" (§3.2).
pub const MAX_AGE_LIMIT: u64 = 31_557_600;
/// One day: shorter lifetimes defeat the policy cache (§3.2, §10.2).
pub const MAX_AGE_SHORT: u64 = 86_400;
/// "weeks or greater" is advised for `enforce` (§3.2).
pub const MAX_AGE_ENFORCE: u64 = 604_800;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforce,
    Testing,
    None,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }
}

/// A policy a sender would apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    pub mx: Vec<MxPattern>,
    pub max_age: u64,
}

impl Policy {
    pub fn matches(&self, host: &str) -> bool {
        self.mx.iter().any(|p| p.matches(host))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The finding id, e.g. `policy-mode-invalid`.
    pub rule: &'static str,
    pub severity: Severity,
    /// 1-based; 0 for the body as a whole.
    pub line: usize,
    pub message: String,
}

/// The policy when no diagnostic is a failure, and every diagnostic.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub policy: Option<Policy>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    fn push(&mut self, rule: &'static str, severity: Severity, line: usize, message: String) {
        self.diagnostics.push(Diagnostic {
            rule,
            severity,
            line,
            message,
        });
    }

    pub fn fails(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Fail)
    }
}

/// The fields as read, first occurrence first, with their line numbers.
#[derive(Default)]
struct Fields {
    version: Option<(usize, String)>,
    mode: Option<(usize, String)>,
    max_age: Option<(usize, String)>,
    mx: Vec<(usize, String)>,
    first_key: Option<String>,
}

/// Parses a policy body as fetched.
pub fn parse(body: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let Some(text) = body_text(body, &mut parsed) else {
        return parsed;
    };
    line_endings(text, &mut parsed);
    let fields = lines::read_lines(text, &mut parsed);
    let policy = checks::build(&fields, &mut parsed);
    if !parsed.fails() {
        parsed.policy = policy;
    }
    parsed
}

/// C8: the body must be UTF-8 text, without a byte-order mark, and not HTML.
fn body_text<'a>(body: &'a [u8], parsed: &mut Parsed) -> Option<&'a str> {
    let Ok(text) = std::str::from_utf8(body) else {
        parsed.push(
            "policy-body-not-utf8",
            Severity::Fail,
            0,
            "the body is not UTF-8 text".to_string(),
        );
        return None;
    };
    if text.starts_with('\u{feff}') {
        parsed.push(
            "policy-body-bom",
            Severity::Fail,
            1,
            "the body starts with a UTF-8 byte-order mark, which corrupts the first field \
             name; save the file without BOM"
                .to_string(),
        );
        return None;
    }
    if looks_like_html(text) {
        parsed.push(
            "policy-body-html",
            Severity::Fail,
            1,
            "the body is an HTML page, not a policy: the web server answers this path with \
             a page (a catch-all route or an error page sent with status 200)"
                .to_string(),
        );
        return None;
    }
    Some(text)
}

fn looks_like_html(text: &str) -> bool {
    let start = text
        .trim_start()
        .get(..9)
        .unwrap_or("")
        .to_ascii_lowercase();
    start.starts_with("<!doctype") || start.starts_with("<html") || start.starts_with("<?xml")
}

/// D1: LF and CRLF are both valid terms; a bare CR or a mix is not.
fn line_endings(text: &str, parsed: &mut Parsed) {
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count() - crlf;
    let bare_cr = text.matches('\r').count() - crlf;
    if bare_cr > 0 || (lf > 0 && crlf > 0) {
        parsed.push(
            "policy-line-endings",
            Severity::Warn,
            0,
            format!(
                "mixed line endings ({crlf} CRLF, {lf} LF, {bare_cr} bare CR); use LF or \
                 CRLF throughout, a bare CR is not a line end"
            ),
        );
    } else if lf > 0 {
        parsed.push(
            "policy-line-endings",
            Severity::Info,
            0,
            "lines end in LF, which the ABNF allows (sts-policy-term = LF / CRLF)".to_string(),
        );
    }
}

#[cfg(test)]
mod tests;
