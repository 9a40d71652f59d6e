//! The MTA-STS policy file parser (RFC 8461 §3.2), on the body as fetched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::checker::policy;

fuzz_target!(|data: &[u8]| {
    let parsed = policy::parse(data);
    if let Some(policy) = &parsed.policy {
        let _ = policy.matches("mx1.example.com");
    }
});
