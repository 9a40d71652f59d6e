//! Step 6: the `_smtp._tls.<domain>` TLS-RPT record (RFC 8460 §3).

use super::super::context::Context;
use super::super::dns::Lookup;
use super::super::domain::Domain;
use super::super::error::CheckError;
use super::super::finding::{Findings, Severity, Step};
use super::super::tlsrpt_record::{self, TLSRPT_VERSION};
use super::txt::{TxtIds, TxtKind, discover, report_diagnostics};

const RFC: &str = "RFC 8460 §3";

const KIND: TxtKind = TxtKind {
    version: TLSRPT_VERSION,
    what: "TLS-RPT",
    ids: TxtIds {
        dns_error: "tlsrpt-dns-error",
        absent: "tlsrpt-absent",
        cname: "tlsrpt-cname",
        multi_string: "tlsrpt-multi-string",
        unrelated: "tlsrpt-unrelated",
        version_not_first: "tlsrpt-version-not-first",
        not_ascii: "tlsrpt-not-ascii",
        multiple: "tlsrpt-multiple",
    },
    rfc: RFC,
    consequence: "assume the domain does not want TLS reports",
};

/// What the step found.
#[derive(Debug, Default)]
pub(crate) struct TlsRpt {
    /// At least one record begins with `v=TLSRPTv1`.
    pub(crate) published: bool,
    /// The record, when exactly one begins with `v=TLSRPTv1`.
    pub(crate) text: Option<String>,
    /// The URIs reports go to, when the record is usable.
    pub(crate) rua: Option<Vec<String>>,
}

pub(crate) fn run(ctx: &Context, domain: &Domain, f: &mut Findings) -> Result<TlsRpt, CheckError> {
    let name = format!("_smtp._tls.{}", domain.ascii);
    ctx.step(Step::TlsRpt, &name)?;
    let Some(found) = discover(&ctx.dns, &name, &KIND, f) else {
        return Ok(TlsRpt::default());
    };
    let mut result = TlsRpt {
        published: true,
        ..TlsRpt::default()
    };
    let [text] = found.records.as_slice() else {
        return Ok(result);
    };
    let parsed = tlsrpt_record::parse(text);
    report_diagnostics(text, &parsed.diagnostics, "the URI or the record", RFC, f);
    if let Some(record) = parsed.record {
        mailto_domains(ctx, &record.rua, f);
        f.add(
            "tlsrpt-valid",
            Severity::Pass,
            RFC,
            format!(
                "a valid TLS-RPT record: reports go to {}",
                record.rua.join(", ")
            ),
        )
        .with_evidence(format!("{name} TXT \"{text}\""));
        result.rua = Some(record.rua);
    }
    result.text = Some(text.clone());
    Ok(result)
}

/// G6: a `mailto:` domain needs an MX (or an address) to receive reports.
fn mailto_domains(ctx: &Context, rua: &[String], f: &mut Findings) {
    // Each domain is looked up once, however many addresses share it.
    let mut looked_up: Vec<(String, bool)> = Vec::new();
    for uri in rua {
        let Some(domain) = mailto_domain(uri) else {
            continue;
        };
        let known = looked_up
            .iter()
            .find(|(d, _)| *d == domain)
            .map(|(_, r)| *r);
        let receives = known.unwrap_or_else(|| {
            let receives = matches!(ctx.dns.mx(&domain), Lookup::Found(_))
                || matches!(ctx.dns.addresses(&domain), Lookup::Found(_));
            looked_up.push((domain.clone(), receives));
            receives
        });
        if !receives {
            f.add(
                "tlsrpt-mailto-domain",
                Severity::Warn,
                RFC,
                format!("{domain}, the domain of {uri}, has neither MX nor address: reports cannot be delivered"),
            );
        }
    }
}

fn mailto_domain(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("mailto") {
        return None;
    }
    let address = rest.split('?').next()?;
    let (_, domain) = address.rsplit_once('@')?;
    Some(domain.to_ascii_lowercase())
}
