//! The normalized model written back as RFC 8460 JSON, to show a report.

use serde_json::{Map, Value, json};

use super::model::{FailureDetail, PolicyResult, Report};

impl Report {
    /// The report as RFC 8460 §4.4 JSON, after normalization (absent fields are
    /// left out, IP addresses and names as read).
    pub fn to_json(&self) -> Value {
        let mut report = Map::new();
        report.insert(
            "organization-name".into(),
            json!(self.organization_name.as_ref()),
        );
        report.insert(
            "date-range".into(),
            json!({
                "start-datetime": self.date_range.start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                "end-datetime": self.date_range.end.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            }),
        );
        if let Some(contact) = &self.contact_info {
            report.insert("contact-info".into(), json!(contact.as_ref()));
        }
        report.insert("report-id".into(), json!(self.report_id.as_ref()));
        report.insert(
            "policies".into(),
            Value::Array(self.policies.iter().map(policy_json).collect()),
        );
        Value::Object(report)
    }
}

fn policy_json(result: &PolicyResult) -> Value {
    let p = &result.policy;
    let mut policy = Map::new();
    policy.insert("policy-type".into(), json!(p.policy_type.as_str()));
    if !p.policy_string.is_empty() {
        let strings: Vec<&str> = p.policy_string.iter().map(|s| s.as_ref()).collect();
        policy.insert("policy-string".into(), json!(strings));
    }
    if let Some(domain) = &p.policy_domain {
        policy.insert("policy-domain".into(), json!(domain.as_ref()));
    }
    if !p.mx_host.is_empty() {
        let hosts: Vec<&str> = p.mx_host.iter().map(|s| s.as_ref()).collect();
        policy.insert("mx-host".into(), json!(hosts));
    }
    let mut out = Map::new();
    out.insert("policy".into(), Value::Object(policy));
    out.insert(
        "summary".into(),
        json!({
            "total-successful-session-count": result.summary.total_successful_session_count,
            "total-failure-session-count": result.summary.total_failure_session_count,
        }),
    );
    if !result.failure_details.is_empty() {
        out.insert(
            "failure-details".into(),
            Value::Array(result.failure_details.iter().map(detail_json).collect()),
        );
    }
    Value::Object(out)
}

fn detail_json(d: &FailureDetail) -> Value {
    let mut detail = Map::new();
    detail.insert("result-type".into(), json!(d.result_type.as_str()));
    let optional = [
        (
            "sending-mta-ip",
            d.sending_mta_ip.as_ref().map(|i| i.to_string()),
        ),
        (
            "receiving-mx-hostname",
            d.receiving_mx_hostname.as_deref().map(String::from),
        ),
        (
            "receiving-mx-helo",
            d.receiving_mx_helo.as_deref().map(String::from),
        ),
        (
            "receiving-ip",
            d.receiving_ip.as_ref().map(|i| i.to_string()),
        ),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            detail.insert(key.into(), json!(value));
        }
    }
    detail.insert("failed-session-count".into(), json!(d.failed_session_count));
    for (key, value) in [
        ("additional-information", &d.additional_information),
        ("failure-reason-code", &d.failure_reason_code),
    ] {
        if let Some(value) = value {
            detail.insert(key.into(), json!(value.as_ref()));
        }
    }
    Value::Object(detail)
}

#[cfg(test)]
mod tests {
    use crate::report::parse_reports;

    #[test]
    fn written_json_reads_back_to_the_same_report() {
        let json = r#"{"organization-name":"Mail.ru","report-id":"x@mail.ru","contact-info":null,
            "date-range":{"start-datetime":"2024-01-09T00:00:00Z","end-datetime":"2024-01-10T00:00:00Z"},
            "policies":[{"policy":{"policy-type":"sts","policy-domain":"Example.COM.","mx-host":"mx: mx.example.com"},
              "summary":{"total-successful-session-count":"5","total-failure-session-count":1},
              "failure-details":[{"result-type":"sts-policy-fetch-error","failed-session-count":2,
                "failure-reason-code":"bad https response code: 404","sending-mta-ip":"x.x.x.x"}]}]}"#;
        let report = &parse_reports(json.as_bytes()).unwrap()[0];
        let again = parse_reports(report.to_json().to_string().as_bytes()).unwrap();
        assert_eq!(&again[0], report);
    }
}
