//! The ingest steps one at a time, for the micro-benchmarks in `benches/`. Not a
//! stable interface: loading goes through [`super::load_into`].

use super::mbox::{MboxMessage, MboxMessages};
use crate::library::IngestError;

/// Inflates gzip data (all members) as report attachments are inflated.
pub fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, IngestError> {
    super::container::gunzip(data, limit)
}

/// Splits an mbox into messages as a streamed mailbox is split; returns the number
/// of messages and their total size.
pub fn split_mbox(mbox: &[u8], limit: u64) -> (usize, usize) {
    let mut messages = 0;
    let mut bytes = 0;
    for message in MboxMessages::new(mbox, limit).flatten() {
        messages += 1;
        if let MboxMessage::Complete(content) = message {
            bytes += content.len();
        }
    }
    (messages, bytes)
}

/// The decoded content of every MIME part of an e-mail that may hold a report.
pub fn report_parts(message: &[u8]) -> Vec<Vec<u8>> {
    super::mime::report_parts(message)
}
