//! A strict parser of the `_mta-sts` TXT record (RFC 8461 §3.1):
//!
//! ```text
//! sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//! sts-field       = sts-id / sts-extension
//! sts-field-delim = *WSP ";" *WSP
//! sts-version     = %s"v=STSv1"
//! sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//! sts-extension   = sts-ext-name "=" sts-ext-value
//! sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
//! ```
//!
//! "%s" makes the literals case-sensitive (RFC 7405). Each problem is a
//! [`Diagnostic`] located by its byte offset in the record.

use super::finding::Severity;
use super::txt_fields::{self, Diagnostic, Field, FieldRules, push};

/// The version tag every MTA-STS record starts with.
pub const STS_VERSION: &str = "v=STSv1";

const RULES: FieldRules = FieldRules {
    version: "sts-record-version",
    syntax: "sts-record-field-syntax",
    trailing_space: "sts-record-trailing-space",
};

/// A record that a sender would use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsRecord {
    /// "A short string used to track policy updates" (§3.1).
    pub id: String,
    /// Extension fields, which senders ignore.
    pub extensions: Vec<(String, String)>,
}

/// The record and every problem found. The record is `None` when a problem makes
/// it unusable: "if the resulting record is syntactically invalid, senders MUST
/// assume the recipient domain does not have an available MTA-STS policy" (§3.1).
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub record: Option<StsRecord>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a record that starts with `v=STSv1` (records that do not are discarded
/// before, as §3.1 requires).
pub fn parse(text: &str) -> Parsed {
    let mut diagnostics = Vec::new();
    let Some(fields) = txt_fields::versioned_fields(text, STS_VERSION, &RULES, &mut diagnostics)
    else {
        return Parsed {
            record: None,
            diagnostics,
        };
    };
    let mut id: Option<String> = None;
    let mut extensions = Vec::new();
    for field in fields {
        match field.name {
            "id" => read_id(&field, &mut id, &mut diagnostics),
            _ => extensions.extend(txt_fields::read_extension(
                &field,
                &RULES,
                "sts-record-extension",
                &mut diagnostics,
            )),
        }
    }
    if id.is_none() && !txt_fields::fails(&diagnostics) {
        let message = missing_id_message(&extensions);
        push(
            &mut diagnostics,
            "sts-record-id-missing",
            Severity::Fail,
            text.len(),
            message,
        );
    }
    let record = match txt_fields::fails(&diagnostics) {
        true => None,
        false => id.map(|id| StsRecord { id, extensions }),
    };
    Parsed {
        record,
        diagnostics,
    }
}

fn read_id(field: &Field, id: &mut Option<String>, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(problem) = id_problem(field.value) {
        let message = format!(
            "id {:?} {problem}; it must be 1 to 32 letters and digits",
            field.value
        );
        push(
            diagnostics,
            "sts-record-id-invalid",
            Severity::Fail,
            field.value_offset,
            message,
        );
        return;
    }
    if id.is_some() {
        let message = "a second id field; senders may use either, so keep one".to_string();
        push(
            diagnostics,
            "sts-record-id-duplicate",
            Severity::Warn,
            field.offset,
            message,
        );
        return;
    }
    *id = Some(field.value.to_string());
}

fn id_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("is empty".to_string());
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Some(format!("contains {bad:?}"));
    }
    (value.len() > 32).then(|| format!("has {} characters", value.len()))
}

fn missing_id_message(extensions: &[(String, String)]) -> String {
    let mut message = "the required id field is missing".to_string();
    if extensions
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("id"))
    {
        message.push_str(" (field names are case-sensitive: write \"id\")");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<&'static str> {
        parse(text).diagnostics.iter().map(|d| d.rule).collect()
    }

    #[test]
    fn b7_minimal_record_is_valid() {
        let parsed = parse("v=STSv1; id=20260801T000000");
        let record = parsed.record.unwrap();
        assert_eq!(record.id, "20260801T000000");
        assert!(parsed.diagnostics.is_empty());
    }

    #[test]
    fn b7_delimiter_allows_spaces_tabs_and_a_trailing_semicolon() {
        let parsed = parse("v=STSv1 ;\tid=abc ;");
        assert_eq!(parsed.record.unwrap().id, "abc");
        assert!(parsed.diagnostics.is_empty());
    }

    #[test]
    fn b7_version_is_case_sensitive() {
        assert_eq!(rules("v=stsv1; id=1"), ["sts-record-version"]);
        assert!(parse("v=stsv1; id=1").record.is_none());
    }

    #[test]
    fn b7_version_must_be_followed_by_a_delimiter() {
        assert_eq!(rules("v=STSv10; id=1"), ["sts-record-version"]);
        assert_eq!(rules("v=STSv1 id=1"), ["sts-record-version"]);
    }

    #[test]
    fn b7_id_is_required() {
        assert_eq!(rules("v=STSv1;"), ["sts-record-id-missing"]);
        assert_eq!(rules("v=STSv1"), ["sts-record-id-missing"]);
    }

    #[test]
    fn b7_id_is_one_to_32_alphanumerics() {
        let too_long = format!("v=STSv1; id={}", "a".repeat(33));
        assert_eq!(rules(&too_long), ["sts-record-id-invalid"]);
        assert!(
            parse(&format!("v=STSv1; id={}", "a".repeat(32)))
                .record
                .is_some()
        );
        assert_eq!(rules("v=STSv1; id=2026-08-01"), ["sts-record-id-invalid"]);
        assert_eq!(rules("v=STSv1; id="), ["sts-record-id-invalid"]);
    }

    #[test]
    fn b7_diagnostics_are_located() {
        let parsed = parse("v=STSv1; id=a_b");
        assert_eq!(parsed.diagnostics[0].offset, 12);
    }

    #[test]
    fn b7_valid_unknown_extension_is_info() {
        let parsed = parse("v=STSv1; id=1; foo=bar");
        assert_eq!(parsed.diagnostics[0].rule, "sts-record-extension");
        assert_eq!(parsed.diagnostics[0].severity, Severity::Info);
        assert_eq!(
            parsed.record.unwrap().extensions,
            [("foo".into(), "bar".into())]
        );
    }

    #[test]
    fn b7_invalid_extension_fails() {
        assert_eq!(rules("v=STSv1; id=1; _x=1"), ["sts-record-field-syntax"]);
        assert_eq!(rules("v=STSv1; id=1; x=a=b"), ["sts-record-field-syntax"]);
        assert_eq!(rules("v=STSv1; id=1; novalue"), ["sts-record-field-syntax"]);
        assert_eq!(rules("v=STSv1; id=1;; x=1")[0], "sts-record-field-syntax");
        assert!(parse("v=STSv1; id=1;; x=1").record.is_none());
    }

    #[test]
    fn b7_id_name_is_case_sensitive() {
        let parsed = parse("v=STSv1; ID=1");
        assert_eq!(parsed.diagnostics[0].rule, "sts-record-extension");
        assert_eq!(parsed.diagnostics[1].rule, "sts-record-id-missing");
    }

    #[test]
    fn b7_trailing_whitespace_is_a_warning() {
        let parsed = parse("v=STSv1; id=1 ");
        assert_eq!(parsed.diagnostics[0].rule, "sts-record-trailing-space");
        assert!(parsed.record.is_some());
    }
}
