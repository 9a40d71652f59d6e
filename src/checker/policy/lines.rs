//! Reading the lines of a policy into fields (RFC 8461 §3.2): `name ":" *WSP
//! value *WSP`, a repeated field keeps its first value, unknown fields are
//! reported with the known field they were probably meant to be.

use super::{Fields, Parsed};
use crate::checker::finding::Severity;

pub(super) fn read_lines(text: &str, parsed: &mut Parsed) -> Fields {
    let mut fields = Fields::default();
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len();
    let mut blank_reported = false;
    for (index, raw) in lines.into_iter().enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            // The single term after the last field is allowed; other blank lines
            // are not in the ABNF, and senders skip them.
            if number != last && !blank_reported {
                blank_reported = true;
                parsed.push(
                    "policy-blank-line",
                    Severity::Info,
                    number,
                    "blank line: not in the ABNF, senders skip it".to_string(),
                );
            }
            continue;
        }
        if let Some((key, value)) = split_field(line, number, parsed) {
            store(&mut fields, key, value, number, parsed);
        }
    }
    fields
}

/// Splits `name ":" *WSP value *WSP`. Whitespace before the name or the colon is
/// invalid under the strict ABNF; the field is still read, as lenient senders do.
fn split_field<'a>(
    line: &'a str,
    number: usize,
    parsed: &mut Parsed,
) -> Option<(&'a str, &'a str)> {
    let Some((name, value)) = line.split_once(':') else {
        parsed.push(
            "policy-line-syntax",
            Severity::Fail,
            number,
            format!("{line:?} is not a \"name: value\" field"),
        );
        return None;
    };
    let key = name.trim_matches([' ', '\t']);
    if key.len() != name.len() {
        parsed.push(
            "policy-line-syntax",
            Severity::Fail,
            number,
            format!(
                "whitespace around the field name {key:?} is invalid under the ABNF: strict \
                 senders reject the policy, lenient ones strip it"
            ),
        );
    }
    Some((key, value.trim_matches([' ', '\t'])))
}

fn store(fields: &mut Fields, key: &str, value: &str, number: usize, parsed: &mut Parsed) {
    if fields.first_key.is_none() {
        fields.first_key = Some(key.to_string());
    }
    let slot = match key {
        "version" => &mut fields.version,
        "mode" => &mut fields.mode,
        "max_age" => &mut fields.max_age,
        "mx" => {
            fields.mx.push((number, value.to_string()));
            return;
        }
        other => return unknown_key(other, value, number, parsed),
    };
    match slot {
        Some((first_line, first)) => parsed.push(
            "policy-key-duplicate",
            Severity::Warn,
            number,
            format!(
                "{key:?} is repeated; senders use the first ({first:?}, line {first_line}) \
                 and ignore {value:?}, though some keep the last"
            ),
        ),
        None => *slot = Some((number, value.to_string())),
    }
}

/// D8: unknown fields are ignored, so a misspelt field silently disappears.
fn unknown_key(key: &str, value: &str, number: usize, parsed: &mut Parsed) {
    if let Some(problem) = extension_problem(key, value) {
        parsed.push(
            "policy-extension-syntax",
            Severity::Warn,
            number,
            format!("field {key:?}: {problem}; senders ignore the field"),
        );
    }
    match likely_typo(key) {
        Some(known) => parsed.push(
            "policy-key-typo",
            Severity::Warn,
            number,
            format!("unknown field {key:?} is ignored by senders; did you mean {known:?}?"),
        ),
        None => parsed.push(
            "policy-key-unknown",
            Severity::Info,
            number,
            format!("unknown field {key:?} is ignored by senders"),
        ),
    }
}

/// `sts-policy-ext-name` as in the TXT record; `sts-policy-ext-value` is printable
/// text, UTF-8 allowed, without control characters.
fn extension_problem(name: &str, value: &str) -> Option<String> {
    if !crate::checker::txt_fields::is_ext_name(name) {
        return Some("the name is not a valid extension name".to_string());
    }
    if value.is_empty() {
        return Some("the value is empty".to_string());
    }
    value
        .chars()
        .find(|c| c.is_control() && *c != '\t')
        .map(|c| format!("the value contains the control character {c:?}"))
}

const KNOWN_KEYS: [&str; 4] = ["version", "mode", "max_age", "mx"];

/// A known field name this key was probably meant to be: the same letters in
/// another case or with `-` for `_`, or one or two edits away (`nmx`, `maxage`).
pub fn likely_typo(key: &str) -> Option<&'static str> {
    let folded = key.to_ascii_lowercase().replace('-', "_");
    KNOWN_KEYS.into_iter().find(|known| {
        folded == *known || folded.replace('_', "") == known.replace('_', "") || {
            let limit = if known.len() <= 2 { 1 } else { 2 };
            edit_distance(&folded, known) <= limit
        }
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}
