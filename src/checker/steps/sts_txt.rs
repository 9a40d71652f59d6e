//! Step 1: the `_mta-sts.<domain>` TXT record (RFC 8461 §3.1).

use super::super::dns::Dns;
use super::super::domain::Domain;
use super::super::finding::{Findings, Severity};
use super::super::sts_record::{self, STS_VERSION, StsRecord};
use super::txt::{TxtIds, TxtKind, discover, report_diagnostics};

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
    report_diagnostics(text, &parsed.diagnostics, "the MTA-STS record", RFC, f);
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
