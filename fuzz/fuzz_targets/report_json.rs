//! Report JSON (RFC 8460 §4.4, with every producer quirk): `report::parse_reports`,
//! then what the app does with a parsed report (its JSON, its day, its decoded
//! policies and session counts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::report::parse_reports;

fuzz_target!(|data: &[u8]| {
    let Ok(reports) = parse_reports(data) else {
        return;
    };
    for report in &reports {
        let _ = report.to_json().to_string();
        let _ = report.date_range.day();
        let _ = (report.successful_sessions(), report.failed_sessions());
        for policy in &report.policies {
            let _ = policy.policy.decoded();
            let _ = policy.details_disagree();
        }
    }
});
