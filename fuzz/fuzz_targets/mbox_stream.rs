//! An mbox: the bounded message splitter (`From ` lines, mboxrd quoting, messages
//! over the size limit), then each message as an e-mail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsrpt_analyzer::ingest::{Kind, sniff};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if sniff(data) == Kind::Mbox {
        common::decode(data);
    } else {
        let mut mbox = b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n".to_vec();
        mbox.extend_from_slice(data);
        common::decode(&mbox);
    }
});
