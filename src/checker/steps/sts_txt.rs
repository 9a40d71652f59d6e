//! Step 1: the `_mta-sts.<domain>` TXT record (RFC 8461 §3.1).

use super::super::dns::Dns;
use super::super::domain::Domain;
use super::super::finding::{Findings, Severity};
use super::super::sts_record::{self, STS_VERSION, StsRecord};
use super::super::txt_fields::Diagnostic;
use super::txt::{TxtIds, TxtKind, discover};

const RFC: &str = "RFC 8461 §3.1";

const KIND: TxtKind = TxtKind {
    version: STS_VERSION,
    what: "MTA-STS",
    ids: TxtIds {
        dns_error: "sts-txt-dns-error",
        absent: "sts-txt-absent",
        cname: "sts-txt-cname",
        multi_string: "sts-txt-multi-string",
        unrelated: "sts-txt-unrelated",
        version_not_first: "sts-txt-version-not-first",
        not_ascii: "sts-txt-not-ascii",
        multiple: "sts-txt-multiple",
    },
    rfc: RFC,
    consequence: "assume the domain has no MTA-STS policy (policy type no-policy-found)",
};

/// What the step found.
#[derive(Debug, Default)]
pub(crate) struct StsTxt {
    /// The record, when exactly one begins with `v=STSv1`.
    pub(crate) text: Option<String>,
    /// The record, when a sender would use it.
    pub(crate) record: Option<StsRecord>,
    /// At least one record begins with `v=STSv1`: the policy host is worth
    /// checking even if the record is unusable.
    pub(crate) published: bool,
}

pub(crate) fn run(dns: &Dns, domain: &Domain, f: &mut Findings) -> StsTxt {
    let name = format!("_mta-sts.{}", domain.ascii);
    let Some(found) = discover(dns, &name, &KIND, f) else {
        return StsTxt::default();
    };
    let mut result = StsTxt {
        published: true,
        ..StsTxt::default()
    };
    let [text] = found.records.as_slice() else {
        return result;
    };
    let parsed = sts_record::parse(text);
    report_diagnostics(text, &parsed.diagnostics, "the MTA-STS record", f);
    if let Some(record) = &parsed.record {
        f.add(
            "sts-txt-valid",
            Severity::Pass,
            RFC,
            format!("one valid MTA-STS record, id {}", record.id),
        )
        .with_evidence(format!(
            "{name} TXT \"{text}\"\nTTL {} s: after a change, senders may use the old record \
             this long (RFC 8461 §8.1)",
            found.ttl
        ));
    }
    result.text = Some(text.clone());
    result.record = parsed.record;
    result
}

/// The findings made of one rule's diagnostics in one record, at most. A TXT answer
/// of 64 KB can hold thousands of fields, and each finding carries the record as
/// evidence; the last one reported counts the rest.
const MAX_FINDINGS_PER_RULE: usize = 10;

/// Turns located diagnostics into findings, with the record and a caret under the
/// offending position as evidence.
pub(crate) fn report_diagnostics(
    text: &str,
    diagnostics: &[Diagnostic],
    what: &str,
    f: &mut Findings,
) {
    let mut reported: Vec<(&str, usize)> = Vec::new();
    for d in diagnostics {
        let index = match reported.iter().position(|(rule, _)| *rule == d.rule) {
            Some(index) => index,
            None => {
                reported.push((d.rule, 0));
                reported.len() - 1
            }
        };
        reported[index].1 += 1;
        let nth = reported[index].1;
        if nth > MAX_FINDINGS_PER_RULE {
            continue;
        }
        let column = d.offset + 1;
        let caret = format!("{}^", " ".repeat(d.offset.min(text.len())));
        let consequence = match d.severity {
            Severity::Fail => format!("; senders ignore {what} as invalid"),
            _ => String::new(),
        };
        let mut message = format!("column {column}: {}{consequence}", d.message);
        if nth == MAX_FINDINGS_PER_RULE {
            let more = diagnostics.iter().filter(|o| o.rule == d.rule).count() - nth;
            if more > 0 {
                message.push_str(&format!(" (and {more} more like it, not listed)"));
            }
        }
        f.add(d.rule, d.severity, rule_rfc(d.rule), message)
            .with_evidence(format!("{text}\n{caret}"));
    }
}

fn rule_rfc(rule: &str) -> &'static str {
    match rule.starts_with("tlsrpt") {
        true => "RFC 8460 §3",
        false => RFC,
    }
}
