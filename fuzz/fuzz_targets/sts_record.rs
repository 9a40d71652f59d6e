//! The `_mta-sts` TXT record parser (RFC 8461 §3.1).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::checker::sts_record;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = sts_record::parse(text);
    for diagnostic in &parsed.diagnostics {
        let _ = diagnostic.message.len();
    }
});
