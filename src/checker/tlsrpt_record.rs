//! A strict parser of the `_smtp._tls` TXT record (RFC 8460 §3):
//!
//! ```text
//! tlsrpt-record  = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! tlsrpt-field   = tlsrpt-rua / tlsrpt-extension
//! tlsrpt-version = %s"v=TLSRPTv1"
//! tlsrpt-rua     = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-uri     = URI   ; RFC 3986, with "," "!" and ";" percent-encoded
//! ```
//!
//! Only the `mailto:` and `https:` schemes are defined for reports (§3).

use super::finding::Severity;
use super::txt_fields::{self, Diagnostic, Field, FieldRules, push};

/// The version tag every TLS-RPT record starts with.
pub const TLSRPT_VERSION: &str = "v=TLSRPTv1";

const RULES: FieldRules = FieldRules {
    version: "tlsrpt-version",
    syntax: "tlsrpt-field-syntax",
    trailing_space: "tlsrpt-trailing-space",
};

/// A record that a reporter would use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsRptRecord {
    /// The `rua` URIs a reporter can send to, in order.
    pub rua: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// `None` when the record is broken or names no usable URI.
    pub record: Option<TlsRptRecord>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a record that starts with `v=TLSRPTv1`.
pub fn parse(text: &str) -> Parsed {
    let mut diagnostics = Vec::new();
    let Some(fields) = txt_fields::versioned_fields(text, TLSRPT_VERSION, &RULES, &mut diagnostics)
    else {
        return Parsed {
            record: None,
            diagnostics,
        };
    };
    let mut rua_fields = 0;
    let mut usable = Vec::new();
    for field in fields {
        if field.name == "rua" {
            rua_fields += 1;
            usable.extend(read_rua(&field, &mut diagnostics));
        } else {
            txt_fields::read_extension(&field, &RULES, "tlsrpt-extension", &mut diagnostics);
        }
    }
    // A bad URI costs only that URI (G4); a broken field costs the record.
    let broken = diagnostics
        .iter()
        .any(|d| d.severity == Severity::Fail && !d.rule.starts_with("tlsrpt-uri-"));
    summarize(rua_fields, usable.len(), text.len(), &mut diagnostics);
    let record = (!broken && !usable.is_empty()).then_some(TlsRptRecord { rua: usable });
    Parsed {
        record,
        diagnostics,
    }
}

/// G2-G5: the counts of `rua` fields and of the URIs a reporter can use.
fn summarize(rua_fields: usize, usable: usize, end: usize, diagnostics: &mut Vec<Diagnostic>) {
    if rua_fields == 0 {
        let message = "the required rua field is missing: reporters have nowhere to send to";
        push(
            diagnostics,
            "tlsrpt-rua-missing",
            Severity::Fail,
            end,
            message.to_string(),
        );
    } else if usable == 0 {
        let message = "no rua URI is usable: reporters have nowhere to send to";
        push(
            diagnostics,
            "tlsrpt-no-usable-uri",
            Severity::Fail,
            end,
            message.to_string(),
        );
    }
    if rua_fields > 1 {
        let message = format!(
            "{rua_fields} rua fields: reporters may use all of them or only one; list every \
             URI in one field, separated by commas"
        );
        push(
            diagnostics,
            "tlsrpt-rua-multiple",
            Severity::Info,
            0,
            message,
        );
    }
}

/// Reads the comma-separated URIs of a `rua` field; returns the usable ones.
fn read_rua(field: &Field, diagnostics: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut usable = Vec::new();
    let mut offset = field.value_offset;
    for piece in field.value.split(',') {
        let uri = piece.trim_matches([' ', '\t']);
        let at = offset + (piece.len() - piece.trim_start_matches([' ', '\t']).len());
        offset += piece.len() + 1;
        match uri_problem(uri) {
            Some((rule, message)) => push(diagnostics, rule, Severity::Fail, at, message),
            None => usable.push(uri.to_string()),
        }
    }
    usable
}

/// G3/G4: one URI must be an RFC 3986 URI, `mailto:` or `https:`, with `!`
/// percent-encoded.
pub fn uri_problem(uri: &str) -> Option<(&'static str, String)> {
    if uri.is_empty() {
        return Some(("tlsrpt-uri-invalid", "empty URI in rua".to_string()));
    }
    let Some((scheme, rest)) = split_scheme(uri) else {
        let message = format!(
            "{uri:?} has no scheme; write \"mailto:{uri}\" for an address or an https: URL"
        );
        return Some(("tlsrpt-uri-no-scheme", message));
    };
    if let Some(problem) = character_problem(uri) {
        return Some(problem);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "mailto" => mailto_problem(uri, rest),
        "https" => https_problem(uri, rest),
        "http" => Some((
            "tlsrpt-uri-scheme",
            format!("{uri:?}: reports are posted only over https:, never http:"),
        )),
        _ => Some((
            "tlsrpt-uri-scheme",
            format!("{uri:?}: only mailto: and https: URIs receive reports"),
        )),
    }
}

/// `scheme ":" rest` when the scheme is `ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")`.
fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = uri.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then_some((scheme, rest))
}

fn character_problem(uri: &str) -> Option<(&'static str, String)> {
    if uri.contains('!') {
        let message = format!(
            "{uri:?}: \"!\" must be percent-encoded as %21 (a DMARC-style size limit such as \
             \"!10m\" is not TLS-RPT syntax)"
        );
        return Some(("tlsrpt-uri-escaping", message));
    }
    if let Some(c) = uri.chars().find(|c| !is_uri_char(*c)) {
        let message = format!("{uri:?}: {c:?} is not allowed in a URI; percent-encode it");
        return Some(("tlsrpt-uri-invalid", message));
    }
    let bytes = uri.as_bytes();
    let bad_escape = bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    bad_escape.then(|| {
        let message = format!("{uri:?}: \"%\" must start a two-digit hex escape");
        ("tlsrpt-uri-invalid", message)
    })
}

/// RFC 3986 §2: unreserved, reserved and "%".
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

fn mailto_problem(uri: &str, address: &str) -> Option<(&'static str, String)> {
    let address = address.split('?').next().unwrap_or_default();
    let valid = match address.rsplit_once('@') {
        Some((local, domain)) => !local.is_empty() && super::domain::check_hostname(domain).is_ok(),
        None => false,
    };
    (!valid).then(|| {
        let message = format!("{uri:?} is not a mailto: URI with an address local@domain");
        ("tlsrpt-uri-invalid", message)
    })
}

fn https_problem(uri: &str, rest: &str) -> Option<(&'static str, String)> {
    let host = rest
        .strip_prefix("//")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or_default())
        .map(|authority| authority.rsplit('@').next().unwrap_or_default())
        .map(|host_port| host_port.split(':').next().unwrap_or_default());
    match host {
        Some(host) if super::domain::check_hostname(host).is_ok() => None,
        _ => Some((
            "tlsrpt-uri-invalid",
            format!("{uri:?} is not an https: URL with a host name"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<&'static str> {
        parse(text).diagnostics.iter().map(|d| d.rule).collect()
    }

    #[test]
    fn g3_mailto_and_https_uris_are_usable() {
        let parsed = parse("v=TLSRPTv1; rua=mailto:tls@example.com, https://r.example.net/tls");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let rua = parsed.record.unwrap().rua;
        assert_eq!(rua, ["mailto:tls@example.com", "https://r.example.net/tls"]);
    }

    #[test]
    fn g3_version_is_case_sensitive() {
        assert_eq!(
            rules("v=tlsrptv1; rua=mailto:a@example.com"),
            ["tlsrpt-version"]
        );
    }

    #[test]
    fn g3_rua_is_required() {
        assert_eq!(rules("v=TLSRPTv1;"), ["tlsrpt-rua-missing"]);
        assert_eq!(
            rules("v=TLSRPTv1; foo=bar"),
            ["tlsrpt-extension", "tlsrpt-rua-missing"]
        );
    }

    #[test]
    fn g4_uri_without_scheme_fails() {
        assert_eq!(
            rules("v=TLSRPTv1; rua=postmaster@example.com"),
            ["tlsrpt-uri-no-scheme", "tlsrpt-no-usable-uri"]
        );
    }

    #[test]
    fn g4_http_and_other_schemes_fail() {
        assert_eq!(
            rules("v=TLSRPTv1; rua=http://r.example.net/"),
            ["tlsrpt-uri-scheme", "tlsrpt-no-usable-uri"]
        );
        assert_eq!(
            rules("v=TLSRPTv1; rua=ftp://r.example.net/"),
            ["tlsrpt-uri-scheme", "tlsrpt-no-usable-uri"]
        );
    }

    #[test]
    fn g3_exclamation_mark_must_be_encoded() {
        let parsed = parse("v=TLSRPTv1; rua=mailto:a@example.com!10m, mailto:b@example.com");
        assert_eq!(parsed.diagnostics[0].rule, "tlsrpt-uri-escaping");
        assert_eq!(parsed.record.unwrap().rua, ["mailto:b@example.com"]);
    }

    #[test]
    fn g3_spaces_and_bad_escapes_are_invalid() {
        assert_eq!(
            rules("v=TLSRPTv1; rua=https://r.example.net/a b")[0],
            "tlsrpt-uri-invalid"
        );
        assert_eq!(
            rules("v=TLSRPTv1; rua=mailto:a%2@example.com")[0],
            "tlsrpt-uri-invalid"
        );
        assert_eq!(
            rules("v=TLSRPTv1; rua=mailto:nobody")[0],
            "tlsrpt-uri-invalid"
        );
        assert_eq!(
            rules("v=TLSRPTv1; rua=https:///path")[0],
            "tlsrpt-uri-invalid"
        );
    }

    #[test]
    fn g5_several_rua_fields_are_info() {
        let parsed = parse("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com");
        assert_eq!(parsed.diagnostics[0].rule, "tlsrpt-rua-multiple");
        assert_eq!(parsed.record.unwrap().rua.len(), 2);
    }

    #[test]
    fn g3_diagnostics_are_located() {
        let parsed = parse("v=TLSRPTv1; rua=mailto:a@example.com,  nobody");
        assert_eq!(parsed.diagnostics[0].offset, 39);
    }
}
