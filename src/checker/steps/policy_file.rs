//! Step 3: the policy file (RFC 8461 §3.2; errata 6253 and 7282).

use super::super::finding::{Findings, Severity, result_type};
use super::super::policy::{self, Policy};

const RFC: &str = "RFC 8461 §3.2";

/// Parses the body and reports every diagnostic; the policy when senders apply it.
pub(crate) fn run(body: &[u8], f: &mut Findings) -> Option<Policy> {
    let parsed = policy::parse(body);
    let lines: Vec<&str> = std::str::from_utf8(body)
        .map(|text| text.split('\n').collect())
        .unwrap_or_default();
    for d in &parsed.diagnostics {
        let evidence = match d.line {
            0 => String::new(),
            n => format!(
                "line {n}: {}",
                lines.get(n - 1).map_or("", |l| l.trim_end_matches('\r'))
            ),
        };
        let finding = f
            .add(d.rule, d.severity, RFC, d.message.clone())
            .with_evidence(evidence);
        if d.severity == Severity::Fail {
            finding.with_result_type(result_type::STS_POLICY_INVALID);
        }
    }
    let policy = parsed.policy?;
    let patterns: Vec<String> = policy.mx.iter().map(|p| p.to_string()).collect();
    f.add(
        "policy-valid",
        Severity::Pass,
        RFC,
        format!(
            "a valid policy: mode {}, max_age {}, {} mx pattern(s)",
            policy.mode.as_str(),
            policy.max_age,
            patterns.len()
        ),
    )
    .with_evidence(format!("mx: {}", patterns.join(", ")));
    Some(policy)
}
