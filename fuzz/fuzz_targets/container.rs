//! Any bytes through recognition and every container: gzip (all members), zip,
//! JSON, XML, e-mail and mbox, as the reader decodes a file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::ingest::sniff;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    common::decode(data);
});
