//! Discovery of a versioned TXT record, shared by `_mta-sts` (RFC 8461 §3.1) and
//! `_smtp._tls` (RFC 8460 §3): tell a DNS error from absence, show the CNAME
//! chain, join multi-string records, discard records that do not begin with the
//! version tag, and require exactly one to remain.

use super::super::dns::{Dns, Lookup, TxtRecord, chain_text};
use super::super::finding::{Findings, Severity};
use super::super::txt_fields::Diagnostic;

/// The finding ids and wording of one kind of record.
pub(crate) struct TxtKind {
    /// E.g. `v=STSv1`.
    pub(crate) version: &'static str,
    /// E.g. `MTA-STS`.
    pub(crate) what: &'static str,
    /// E.g. `sts-txt`: ids are `<prefix>-dns-error`, `<prefix>-absent`, ...
    pub(crate) ids: TxtIds,
    pub(crate) rfc: &'static str,
    /// What senders conclude when no single record is usable.
    pub(crate) consequence: &'static str,
}

pub(crate) struct TxtIds {
    pub(crate) dns_error: &'static str,
    pub(crate) absent: &'static str,
    pub(crate) cname: &'static str,
    pub(crate) multi_string: &'static str,
    pub(crate) unrelated: &'static str,
    pub(crate) version_not_first: &'static str,
    pub(crate) not_ascii: &'static str,
    pub(crate) multiple: &'static str,
}

/// The records that begin with the version tag, as text, and their TTL.
pub(crate) struct Discovered {
    pub(crate) records: Vec<String>,
    pub(crate) ttl: u32,
}

/// Looks the records up and reports on discovery. `None` when nothing begins
/// with the version tag.
pub(crate) fn discover(
    dns: &Dns,
    name: &str,
    kind: &TxtKind,
    f: &mut Findings,
) -> Option<Discovered> {
    match dns.txt(name) {
        Lookup::Failed(error) => {
            f.add(
                kind.ids.dns_error,
                Severity::Fail,
                kind.rfc,
                format!(
                    "the DNS lookup of {name} failed: this is a DNS error, not the absence of \
                     a record; senders cannot discover the {} record and {}",
                    kind.what, kind.consequence
                ),
            )
            .with_evidence(error);
            None
        }
        Lookup::NxDomain(cnames) => {
            absent(name, kind, "NXDOMAIN: the name does not exist", &cnames, f)
        }
        Lookup::NoData(cnames) => {
            absent(name, kind, "NODATA: the name has no TXT record", &cnames, f)
        }
        Lookup::Found(answer) => {
            if !answer.cnames.is_empty() {
                f.add(
                    kind.ids.cname,
                    Severity::Info,
                    kind.rfc,
                    format!("{name} is a CNAME, which senders follow (a delegation of the record)"),
                )
                .with_evidence(chain_text(&answer.cnames));
            }
            let records = classify(&answer.records, name, kind, f);
            if records.is_empty() && !f.has_fail() {
                let why = format!("no TXT record begins with {}", kind.version);
                return absent(name, kind, &why, &[], f);
            }
            (!records.is_empty()).then_some(Discovered {
                records,
                ttl: answer.ttl,
            })
        }
    }
}

fn absent(
    name: &str,
    kind: &TxtKind,
    why: &str,
    cnames: &[super::super::dns::Cname],
    f: &mut Findings,
) -> Option<Discovered> {
    let mut evidence = why.to_string();
    if !cnames.is_empty() {
        evidence.push_str(&format!("\nCNAME chain: {}", chain_text(cnames)));
    }
    f.add(
        kind.ids.absent,
        Severity::Warn,
        kind.rfc,
        format!(
            "no {} record at {name}: {} is not deployed",
            kind.what, kind.what
        ),
    )
    .with_evidence(evidence);
    None
}

/// Sorts the records into those with the version tag first and the others.
fn classify(records: &[TxtRecord], name: &str, kind: &TxtKind, f: &mut Findings) -> Vec<String> {
    let mut versioned = Vec::new();
    let mut unrelated = Vec::new();
    for record in records {
        report_multi_string(record, kind, f);
        let text = record.display();
        if !begins_with_version(&text, kind.version) {
            if mentions_version(&text, kind.version) {
                version_not_first(&text, kind, f);
            } else {
                unrelated.push(text);
            }
            continue;
        }
        if !record.joined().is_ascii() {
            f.add(
                kind.ids.not_ascii,
                Severity::Fail,
                kind.rfc,
                format!(
                    "the {} record has non-ASCII bytes; it must be US-ASCII",
                    kind.what
                ),
            )
            .with_evidence(text);
            continue;
        }
        versioned.push(text);
    }
    report_unrelated(&unrelated, name, kind, f);
    if versioned.len() > 1 {
        f.add(
            kind.ids.multiple,
            Severity::Fail,
            kind.rfc,
            format!(
                "{} records begin with {}: exactly one is allowed, so senders {}",
                versioned.len(),
                kind.version,
                kind.consequence
            ),
        )
        .with_evidence(versioned.join("\n"));
    }
    versioned
}

/// The version tag, then `;`, whitespace or the end.
fn begins_with_version(text: &str, version: &str) -> bool {
    text.strip_prefix(version)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([';', ' ', '\t']))
}

fn mentions_version(text: &str, version: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&version.to_ascii_lowercase())
}

fn version_not_first(text: &str, kind: &TxtKind, f: &mut Findings) {
    f.add(
        kind.ids.version_not_first,
        Severity::Fail,
        kind.rfc,
        format!(
            "a record mentions {} but does not begin with it (exactly, case-sensitive): \
             senders discard it",
            kind.version
        ),
    )
    .with_evidence(text.to_string());
}

fn report_multi_string(record: &TxtRecord, kind: &TxtKind, f: &mut Findings) {
    if record.strings.len() < 2 {
        return;
    }
    let parts: Vec<String> = record
        .strings
        .iter()
        .map(|s| format!("\"{}\"", s.escape_ascii()))
        .collect();
    f.add(
        kind.ids.multi_string,
        Severity::Info,
        kind.rfc,
        format!(
            "a TXT record of {} strings, joined without spaces as senders do",
            record.strings.len()
        ),
    )
    .with_evidence(format!("{}\njoined: {}", parts.join(" "), record.display()));
}

fn report_unrelated(unrelated: &[String], name: &str, kind: &TxtKind, f: &mut Findings) {
    if unrelated.is_empty() {
        return;
    }
    let spf = unrelated.iter().any(|t| t.starts_with("v=spf1"));
    let hint = match spf {
        true => " (an SPF record here usually comes from a wildcard TXT record)",
        false => "",
    };
    f.add(
        kind.ids.unrelated,
        Severity::Info,
        kind.rfc,
        format!(
            "{} other TXT record(s) at {name}, ignored by senders{hint}",
            unrelated.len()
        ),
    )
    .with_evidence(unrelated.join("\n"));
}

/// The findings made of one rule's diagnostics in one record, at most. A TXT answer
/// of 64 KB can hold thousands of fields, and each finding carries the record as
/// evidence; the last one reported counts the rest.
const MAX_FINDINGS_PER_RULE: usize = 10;

/// Turns located diagnostics into findings of the record's `rfc`, with the record
/// and a caret under the offending position as evidence.
pub(crate) fn report_diagnostics(
    text: &str,
    diagnostics: &[Diagnostic],
    what: &str,
    rfc: &'static str,
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
        f.add(d.rule, d.severity, rfc, message)
            .with_evidence(format!("{text}\n{caret}"));
    }
}
