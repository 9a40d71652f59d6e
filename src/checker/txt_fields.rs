//! The field syntax shared by the `_mta-sts` record (RFC 8461 §3.1) and the
//! `_smtp._tls` record (RFC 8460 §3): a version tag, then `name=value` fields
//! separated by `*WSP ";" *WSP`, with an optional trailing `;`, and extensions
//! of the form
//!
//! ```text
//! ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
//! ```

use super::finding::Severity;

/// One problem of a record, with the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The finding id, e.g. `sts-record-id-invalid`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Byte offset in the record.
    pub offset: usize,
    pub message: String,
}

/// The finding ids used for the generic syntax problems of one kind of record.
pub(crate) struct FieldRules {
    pub(crate) version: &'static str,
    pub(crate) syntax: &'static str,
    pub(crate) trailing_space: &'static str,
}

/// One `name=value` field, with the offsets of its name and value.
#[derive(Debug)]
pub(crate) struct Field<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
    pub(crate) offset: usize,
    pub(crate) value_offset: usize,
}

pub(crate) fn push(
    diagnostics: &mut Vec<Diagnostic>,
    rule: &'static str,
    severity: Severity,
    offset: usize,
    message: String,
) {
    diagnostics.push(Diagnostic {
        rule,
        severity,
        offset,
        message,
    });
}

pub(crate) fn fails(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Fail)
}

/// Checks that `text` begins with `version` and splits the rest into fields;
/// `None` (with the diagnostic) when it does not begin so.
pub(crate) fn versioned_fields<'a>(
    text: &'a str,
    version: &str,
    rules: &FieldRules,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<Field<'a>>> {
    let Some(rest) = text.strip_prefix(version) else {
        let message = format!("the record must begin with {version:?} (case-sensitive)");
        push(diagnostics, rules.version, Severity::Fail, 0, message);
        return None;
    };
    Some(fields(rest, version.len(), rules, diagnostics))
}

/// Splits what follows the version tag (at byte `base` of the record) into
/// fields.
pub(crate) fn fields<'a>(
    rest: &'a str,
    base: usize,
    rules: &FieldRules,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Field<'a>> {
    let mut pieces = split_with_offsets(rest, base);
    let (first, first_offset) = pieces.remove(0);
    if !first.bytes().all(|b| b == b' ' || b == b'\t') {
        push(
            diagnostics,
            rules.version,
            Severity::Fail,
            first_offset,
            format!("expected \";\" after the version tag, found {first:?}"),
        );
        return Vec::new();
    }
    let count = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .filter_map(|(i, (piece, offset))| field(piece, offset, i + 1 == count, rules, diagnostics))
        .collect()
}

fn split_with_offsets(text: &str, base: usize) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ';' {
            out.push((&text[start..i], base + start));
            start = i + 1;
        }
    }
    out.push((&text[start..], base + start));
    out
}

fn field<'a>(
    piece: &'a str,
    offset: usize,
    last: bool,
    rules: &FieldRules,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Field<'a>> {
    let leading = piece.len() - piece.trim_start_matches([' ', '\t']).len();
    let body = piece.trim_matches([' ', '\t']);
    if body.is_empty() {
        if !last {
            let message = "empty field between two \";\"".to_string();
            push(diagnostics, rules.syntax, Severity::Fail, offset, message);
        }
        return None;
    }
    let start = offset + leading;
    if last && body.len() + leading < piece.len() {
        push(
            diagnostics,
            rules.trailing_space,
            Severity::Warn,
            start + body.len(),
            "whitespace after the last field is not allowed by the ABNF; strict senders \
             reject the record, most trim it"
                .to_string(),
        );
    }
    let Some((name, value)) = body.split_once('=') else {
        let message = format!("field {body:?} has no \"=\"");
        push(diagnostics, rules.syntax, Severity::Fail, start, message);
        return None;
    };
    Some(Field {
        name,
        value,
        offset: start,
        value_offset: start + name.len() + 1,
    })
}

/// `ext-name` (RFC 8461 §3.1, RFC 8460 §3): a letter or digit, then up to 31
/// letters, digits, `_`, `-` or `.`.
pub(crate) fn is_ext_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    first_ok && rest_ok && name.len() <= 32
}

/// Checks an extension field against `ext-name` and `ext-value`.
pub(crate) fn extension_problem(name: &str, value: &str) -> Option<String> {
    if !is_ext_name(name) {
        return Some(
            "the name must be a letter or digit, then up to 31 letters, digits, \"_\", \"-\" \
             or \".\""
                .to_string(),
        );
    }
    if value.is_empty() {
        return Some("the value is empty".to_string());
    }
    value
        .chars()
        .find(|&c| !matches!(c, '\x21'..='\x3a' | '\x3c' | '\x3e'..='\x7e'))
        .map(|c| format!("the value contains {c:?}, which is not allowed"))
}

/// Reads an extension field: valid ones are reported as ignored by senders.
pub(crate) fn read_extension(
    field: &Field,
    rules: &FieldRules,
    extension_rule: &'static str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(String, String)> {
    if let Some(problem) = extension_problem(field.name, field.value) {
        let message = format!("field {:?}: {problem}", field.name);
        push(
            diagnostics,
            rules.syntax,
            Severity::Fail,
            field.offset,
            message,
        );
        return None;
    }
    let message = format!(
        "unknown extension field {:?}, ignored by senders",
        field.name
    );
    push(
        diagnostics,
        extension_rule,
        Severity::Info,
        field.offset,
        message,
    );
    Some((field.name.to_string(), field.value.to_string()))
}
