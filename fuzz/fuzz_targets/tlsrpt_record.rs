//! The `_smtp._tls` TXT record parser (RFC 8460 §3).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::checker::tlsrpt_record;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = tlsrpt_record::parse(text);
    for diagnostic in &parsed.diagnostics {
        let _ = diagnostic.message.len();
    }
});
