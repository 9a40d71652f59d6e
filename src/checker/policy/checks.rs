//! Checking the fields of a policy (RFC 8461 §3.2): `version`, `mode`,
//! `max_age` and `mx`.

use super::{Fields, MAX_AGE_ENFORCE, MAX_AGE_LIMIT, MAX_AGE_SHORT, Mode, Parsed, Policy};
use crate::checker::finding::Severity;
use crate::checker::mx_pattern::{MxPattern, PatternWarning};

/// Checks the fields and builds the policy a sender would apply.
pub(super) fn build(fields: &Fields, parsed: &mut Parsed) -> Option<Policy> {
    check_version(fields, parsed);
    let mode = check_mode(fields, parsed);
    let max_age = check_max_age(fields, mode, parsed);
    let mx = check_mx(fields, mode, parsed);
    Some(Policy {
        mode: mode?,
        mx,
        max_age: max_age?,
    })
}

fn check_version(fields: &Fields, parsed: &mut Parsed) {
    match &fields.version {
        None => parsed.push(
            "policy-version-missing",
            Severity::Fail,
            0,
            "the required \"version: STSv1\" field is missing".to_string(),
        ),
        Some((line, value)) if value != "STSv1" => parsed.push(
            "policy-version-invalid",
            Severity::Fail,
            *line,
            format!("version is {value:?}; it must be \"STSv1\" (case-sensitive)"),
        ),
        Some(_) => {
            if fields.first_key.as_deref() != Some("version") {
                parsed.push(
                    "policy-version-not-first",
                    Severity::Info,
                    0,
                    "field order does not matter to the RFC, but some guides (Google's) \
                     ask for version first"
                        .to_string(),
                );
            }
        }
    }
}

fn check_mode(fields: &Fields, parsed: &mut Parsed) -> Option<Mode> {
    let Some((line, value)) = &fields.mode else {
        parsed.push(
            "policy-mode-missing",
            Severity::Fail,
            0,
            "the required mode field is missing".to_string(),
        );
        return None;
    };
    let mode = match value.as_str() {
        "enforce" => Mode::Enforce,
        "testing" => Mode::Testing,
        "none" => Mode::None,
        other => {
            let hint = match other.to_ascii_lowercase().as_str() {
                "report" => " (\"report\" is from an old draft; it is now \"testing\")",
                "enforce" | "testing" | "none" => " (values are case-sensitive)",
                _ => "",
            };
            parsed.push(
                "policy-mode-invalid",
                Severity::Fail,
                *line,
                format!("mode {other:?} is not enforce, testing or none{hint}"),
            );
            return None;
        }
    };
    if mode == Mode::None {
        parsed.push(
            "policy-mode-none",
            Severity::Info,
            *line,
            "mode none: senders apply no MTA-STS checks (the opt-out of RFC 8461 §8.3)".to_string(),
        );
    }
    Some(mode)
}

fn check_max_age(fields: &Fields, mode: Option<Mode>, parsed: &mut Parsed) -> Option<u64> {
    let Some((line, value)) = &fields.max_age else {
        parsed.push(
            "policy-max-age-missing",
            Severity::Fail,
            0,
            "the required max_age field is missing".to_string(),
        );
        return None;
    };
    let number =
        (!value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()))
            .then(|| value.parse::<u64>().ok())
            .flatten()
            .filter(|n| *n <= MAX_AGE_LIMIT);
    let Some(max_age) = number else {
        parsed.push(
            "policy-max-age-invalid",
            Severity::Fail,
            *line,
            format!("max_age {value:?} must be digits only, at most {MAX_AGE_LIMIT} (one year)"),
        );
        return None;
    };
    max_age_advice(max_age, mode, *line, parsed);
    Some(max_age)
}

fn max_age_advice(max_age: u64, mode: Option<Mode>, line: usize, parsed: &mut Parsed) {
    if max_age < MAX_AGE_SHORT {
        parsed.push(
            "policy-max-age-short",
            Severity::Warn,
            line,
            format!(
                "max_age {max_age} is under a day: senders drop the cached policy so fast \
                 that an attacker who blocks the fetch disables it"
            ),
        );
    } else if mode == Some(Mode::Enforce) && max_age < MAX_AGE_ENFORCE {
        parsed.push(
            "policy-max-age-enforce-short",
            Severity::Info,
            line,
            format!(
                "max_age {max_age}: for enforce, \"weeks or greater\" is advised \
                 (e.g. {MAX_AGE_ENFORCE})"
            ),
        );
    }
}

fn check_mx(fields: &Fields, mode: Option<Mode>, parsed: &mut Parsed) -> Vec<MxPattern> {
    let mut patterns = Vec::new();
    for (line, value) in &fields.mx {
        match MxPattern::parse(value) {
            Ok((pattern, warning)) => {
                if warning == Some(PatternWarning::TrailingDot) {
                    parsed.push(
                        "policy-mx-trailing-dot",
                        Severity::Warn,
                        *line,
                        format!("mx {value:?} ends with a dot; write it without"),
                    );
                }
                patterns.push(pattern);
            }
            Err(why) => parsed.push(
                "policy-mx-invalid",
                Severity::Fail,
                *line,
                format!("mx {value:?}: {why}"),
            ),
        }
    }
    if fields.mx.is_empty() && mode.is_some_and(|m| m != Mode::None) {
        parsed.push(
            "policy-mx-missing",
            Severity::Fail,
            0,
            "no mx field: a policy in testing or enforce mode needs at least one".to_string(),
        );
    }
    patterns
}
