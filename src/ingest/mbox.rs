//! Splitting an mbox stream into messages with bounded memory.
//!
//! The rules are those of `mail-parser`'s `MessageIterator` (a line starting
//! `From ` begins a message; mboxo and mboxrd `>From ` quoting is undone), but a
//! message larger than the limit is counted and passed over instead of being
//! accumulated: a mailbox export may hold messages of any size.

use std::io::{BufRead, Read};

/// One message of a streamed mbox: its content, or only its size when over the limit.
pub enum MboxMessage {
    Complete(Vec<u8>),
    TooLarge { size: u64 },
}

/// Splits an mbox stream into messages as `mail_parser`'s `MessageIterator` does
/// (a line starting `From ` begins a message; mboxo/mboxrd `>From ` is unquoted),
/// but never holds more than `limit` bytes of a message, or of a line, in memory:
/// a larger message is read to its end, counted and passed over.
pub struct MboxMessages<R> {
    reader: R,
    limit: u64,
    /// A `From ` line was read and its message has not been returned yet.
    in_message: bool,
    done: bool,
}

impl<R: BufRead> MboxMessages<R> {
    pub fn new(reader: R, limit: u64) -> MboxMessages<R> {
        MboxMessages {
            reader,
            limit,
            in_message: false,
            done: false,
        }
    }

    fn finish(&self, contents: Vec<u8>, size: u64) -> MboxMessage {
        if size > self.limit {
            MboxMessage::TooLarge { size }
        } else {
            MboxMessage::Complete(contents)
        }
    }
}

impl<R: BufRead> Iterator for MboxMessages<R> {
    type Item = std::io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut contents = Vec::new();
        let mut size = 0u64;
        let mut line = Vec::with_capacity(256);
        loop {
            line.clear();
            // All of the line while the message may still fit, else enough of it to
            // see whether it starts the next message.
            let keep = self.limit.saturating_sub(size).saturating_add(1).max(64);
            let length = match read_line_bounded(&mut self.reader, &mut line, keep) {
                Ok(length) => length,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            if length == 0 {
                self.done = true;
                let last = std::mem::replace(&mut self.in_message, false);
                return last.then(|| Ok(self.finish(contents, size)));
            }
            if line.starts_with(b"From ") {
                if std::mem::replace(&mut self.in_message, true) {
                    return Some(Ok(self.finish(contents, size)));
                }
                continue;
            }
            if !self.in_message {
                continue;
            }
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            let unquote = usize::from(quotes > 0 && line[quotes..].starts_with(b"From "));
            size += length - unquote as u64;
            if size <= self.limit && line.len() as u64 == length {
                contents.extend_from_slice(&line[unquote..]);
            } else {
                contents = Vec::new();
            }
        }
    }
}

/// Reads one line (through `\n` or to the end), keeping at most `keep` bytes of it
/// in `line`; returns the line's whole length (0 at the end of the input).
fn read_line_bounded(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    keep: u64,
) -> std::io::Result<u64> {
    let kept = reader.by_ref().take(keep).read_until(b'\n', line)? as u64;
    if kept < keep || line.last() == Some(&b'\n') {
        return Ok(kept);
    }
    Ok(kept + reader.skip_until(b'\n')? as u64)
}
