//! One e-mail message: MIME parsing, transfer encodings, every part that may hold
//! a report, forwarded `message/rfc822` parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::ingest::{Kind, sniff};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if sniff(data) == Kind::Email {
        common::decode(data);
    } else {
        // Make it an e-mail: one header line in front, the input after it.
        let mut message = b"X-Fuzz: 1\r\n".to_vec();
        message.extend_from_slice(data);
        common::decode(&message);
    }
});
