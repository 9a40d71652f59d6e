//! Writing generated reports as JSON the way each producer does.

use super::model::{GenDetail, GenPolicy, GenReport, Producer};

/// A JSON string literal.
fn s(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// An object from already encoded values, in the given key order.
fn obj(fields: &[(&str, String)], pretty: bool) -> String {
    let sep = if pretty { ",\n" } else { "," };
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}{v}", s(k), if pretty { " " } else { "" }))
        .collect();
    if pretty {
        format!("{{\n{}\n}}", body.join(sep))
    } else {
        format!("{{{}}}", body.join(sep))
    }
}

fn arr(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

fn strings(items: &[String]) -> String {
    arr(&items.iter().map(|i| s(i)).collect::<Vec<_>>())
}

/// Serializes `report` with its producer's quirks.
pub fn report_json(report: &GenReport) -> String {
    let p = report.producer;
    let pretty = matches!(p, Producer::Postfix | Producer::Stalwart);
    let (start, end) = date_range(report);
    let date_range = match p {
        Producer::MailRu => obj(&[("end-datetime", end), ("start-datetime", start)], pretty),
        _ => obj(&[("start-datetime", start), ("end-datetime", end)], pretty),
    };
    let contact = report
        .contact_info
        .as_deref()
        .map(s)
        .unwrap_or_else(|| "null".into());
    let policies = arr(&report
        .policies
        .iter()
        .map(|policy| policy_json(p, policy, pretty))
        .collect::<Vec<_>>());
    let org = s(p.organization());
    let id = s(&report.report_id);
    let json = match p {
        // Mail.ru: keys in alphabetical order.
        Producer::MailRu => obj(
            &[
                ("contact-info", contact),
                ("date-range", date_range),
                ("organization-name", org),
                ("policies", policies),
                ("report-id", id),
            ],
            pretty,
        ),
        // Postfix (sys4 tlsrpt-reporter): report-id last.
        Producer::Postfix => obj(
            &[
                ("organization-name", org),
                ("date-range", date_range),
                ("contact-info", contact),
                ("policies", policies),
                ("report-id", id),
            ],
            pretty,
        ),
        _ => obj(
            &[
                ("organization-name", org),
                ("date-range", date_range),
                ("contact-info", contact),
                ("report-id", id),
                ("policies", policies),
            ],
            pretty,
        ),
    };
    if p == Producer::Sloppy {
        format!("\u{FEFF}{json}")
    } else {
        json
    }
}

fn date_range(report: &GenReport) -> (String, String) {
    let day = report.day.format("%Y-%m-%d");
    match report.producer {
        Producer::MailRu | Producer::Stalwart => {
            let next = (report.day + chrono::Duration::days(1)).format("%Y-%m-%d");
            (
                s(&format!("{day}T00:00:00Z")),
                s(&format!("{next}T00:00:00Z")),
            )
        }
        // Date-times without an offset, one with fractional seconds.
        Producer::Sloppy => (
            s(&format!("{day}T00:00:00")),
            s(&format!("{day}T23:59:59.999")),
        ),
        _ => (
            s(&format!("{day}T00:00:00Z")),
            s(&format!("{day}T23:59:59Z")),
        ),
    }
}

fn count(p: Producer, value: u64) -> String {
    if p == Producer::Sloppy {
        s(&value.to_string())
    } else {
        value.to_string()
    }
}

fn policy_json(p: Producer, policy: &GenPolicy, pretty: bool) -> String {
    let mut fields = vec![("policy-type", s(policy.policy_type))];
    match p {
        Producer::Stalwart => {
            fields.push(("policy-string", strings(&policy.policy_string)));
            if let Some(d) = &policy.policy_domain {
                fields.push(("policy-domain", s(d)));
            }
            let prefixed: Vec<String> = policy.mx_host.iter().map(|m| format!("mx: {m}")).collect();
            fields.push(("mx-host", strings(&prefixed)));
        }
        _ => {
            if !policy.policy_string.is_empty() {
                fields.push(("policy-string", strings(&policy.policy_string)));
            }
            if let Some(d) = &policy.policy_domain {
                fields.push(("policy-domain", s(d)));
            }
            if !policy.mx_host.is_empty() {
                fields.push(("mx-host", strings(&policy.mx_host)));
            }
        }
    }
    let policy_obj = obj(&fields, pretty);
    let successful = (
        "total-successful-session-count",
        count(p, policy.successful),
    );
    let failed = ("total-failure-session-count", count(p, policy.failed));
    let summary = match p {
        Producer::Postfix => obj(&[failed, successful], pretty),
        _ => obj(&[successful, failed], pretty),
    };
    let details: Vec<String> = policy
        .details
        .iter()
        .map(|d| detail_json(p, d, pretty))
        .collect();
    let mut out = vec![("policy", policy_obj), ("summary", summary)];
    // Google and Microsoft omit failure-details without failures; others send [].
    if !details.is_empty() || matches!(p, Producer::Postfix | Producer::Stalwart) {
        out.push(("failure-details", arr(&details)));
    }
    obj(&out, pretty)
}

fn detail_json(p: Producer, d: &GenDetail, pretty: bool) -> String {
    let mut fields = vec![("result-type", s(d.result_type))];
    let optional = [
        ("sending-mta-ip", &d.sending_mta_ip),
        ("receiving-mx-hostname", &d.receiving_mx_hostname),
        ("receiving-mx-helo", &d.receiving_mx_helo),
        ("receiving-ip", &d.receiving_ip),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            fields.push((key, s(v)));
        }
    }
    fields.push(("failed-session-count", count(p, d.count)));
    if let Some(reason) = &d.failure_reason_code {
        fields.push(("failure-reason-code", s(reason)));
    }
    obj(&fields, pretty)
}
