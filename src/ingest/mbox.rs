//! Splitting an mbox stream into messages with bounded memory.
//!
//! The rules are those of `mail-parser`'s `MessageIterator` (a line starting
//! `From ` begins a message; mboxo and mboxrd `>From ` quoting is undone), but a
//! message larger than the limit is counted and passed over instead of being
//! accumulated: a mailbox export may hold messages of any size. And when the
//! mailbox's first `From ` line carries a date, as every mail system writes it,
//! a later `From ` line begins a message only when it carries one too (see
//! [`Postmarks`]).
//!
//! The input is read in large blocks into one window. Lines are found in the window
//! with `memchr`; only lines starting with `F` or `>` (or any line before the first
//! message) are looked at more closely. A message stays in the window until its end
//! is found and is then copied once into an allocation of its exact size.

use std::io::{ErrorKind, Read};

use crate::library::IngestError;

/// One message of a streamed mbox: its content, or only its size when over the limit.
pub enum MboxMessage {
    Complete(Vec<u8>),
    TooLarge { size: u64 },
}

/// The bytes of a line that are enough to tell whether it begins a message.
const POSTMARK_HEAD: u64 = 256;

/// Bytes read at a time, and the window's usual size.
const BLOCK: usize = 256 * 1024;

/// Which `From ` lines begin a message.
///
/// mboxo and mboxcl writers leave a body line such as "From here on, ..." as it
/// is, and splitting there cuts the message in two, losing its attachment. Mail
/// systems write the separator as `From <sender> <date>` (`From - Sat Nov 28
/// 10:00:01 2026`, `From 1745...@xxx Tue Apr 29 10:00:00 +0000 2025`): when the
/// first separator has a date, a later `From ` line without one is content. A
/// mailbox whose first separator has none (`From a`) is split at every `From `.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Postmarks {
    dated: Option<bool>,
}

impl Postmarks {
    /// Whether `line` (all of it, or its first 256 bytes at least) begins a message.
    pub(crate) fn begins_message(&mut self, line: &[u8]) -> bool {
        let Some(rest) = line.strip_prefix(b"From ") else {
            return false;
        };
        let dated = has_date(rest);
        match self.dated {
            None => {
                self.dated = Some(dated);
                true
            }
            Some(required) => dated || !required,
        }
    }
}

/// A time of day (`9:05`, `10:00:01`) and a four-digit year among the words.
fn has_date(words: &[u8]) -> bool {
    let words = words
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let (mut time, mut year) = (false, false);
    for word in words {
        time |= is_time(word);
        year |= word.len() == 4 && word.iter().all(u8::is_ascii_digit);
    }
    time && year
}

fn is_time(word: &[u8]) -> bool {
    let digits = |p: &[u8]| p.iter().all(u8::is_ascii_digit);
    let mut parts = word.split(|&b| b == b':');
    let hours = parts.next().unwrap_or_default();
    let mut minutes_and_seconds = 0;
    let all_two_digits = parts.all(|p| {
        minutes_and_seconds += 1;
        p.len() == 2 && digits(p)
    });
    (1..=2).contains(&hours.len())
        && digits(hours)
        && all_two_digits
        && (1..=2).contains(&minutes_and_seconds)
}

/// The part of a line that remains to be read past the window.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rest {
    /// At a line start.
    None,
    /// Content of the current message (counted in its size, not kept: the message
    /// is over the limit, or the line is an ordinary line still being read).
    Content,
    /// A separator line or a line before the first message.
    Ignored,
}

/// Splits an mbox stream into messages as `mail_parser`'s `MessageIterator` does
/// (a line starting `From ` begins a message; mboxo/mboxrd `>From ` is unquoted),
/// but never holds more than `limit` bytes of a message, or of a line, in memory:
/// a larger message is read to its end, counted and passed over.
pub struct MboxMessages<R> {
    reader: R,
    limit: u64,
    /// The window: `buf[..filled]` holds input not yet passed over.
    buf: Vec<u8>,
    filled: usize,
    /// Where reading stands in the window: a line start unless `rest` says otherwise.
    pos: usize,
    rest: Rest,
    /// The reader returned the end of the input.
    eof: bool,
    /// A `From ` line was read and its message has not been returned yet.
    in_message: bool,
    postmarks: Postmarks,
    done: bool,
}

/// The message being read.
struct Current {
    /// Where its content starts in the window, while it is kept.
    start: usize,
    /// Its size so far, counted as `mail-parser` does (unquoted lines one byte less).
    size: u64,
    /// Its content is still kept (its size is within the limit).
    keeping: bool,
    /// Offsets from `start` of the `>` removed from `>From ` lines.
    unquoted: Vec<usize>,
}

impl<R: Read> MboxMessages<R> {
    pub fn new(reader: R, limit: u64) -> MboxMessages<R> {
        MboxMessages {
            reader,
            limit,
            buf: Vec::new(),
            filled: 0,
            pos: 0,
            rest: Rest::None,
            eof: false,
            in_message: false,
            postmarks: Postmarks::default(),
            done: false,
        }
    }

    /// Moves what is still needed (from `keep_from`) to the front of the window and
    /// reads more input after it, growing the window when it is full. Returns
    /// `false` at the end of the input.
    fn refill(&mut self, keep_from: usize, current: &mut Current) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Moved only when little room is left, so that short reads do not move the
        // same bytes again and again.
        if self.buf.len() - self.filled < BLOCK / 4 {
            let kept = self.filled - keep_from;
            if keep_from > 0 {
                self.buf.copy_within(keep_from..self.filled, 0);
                self.filled = kept;
                self.pos -= keep_from;
                current.start = current.start.saturating_sub(keep_from);
            }
            if self.buf.len() > BLOCK && kept < BLOCK / 2 {
                // A large message has passed: back to the usual size.
                self.buf.truncate(BLOCK);
                self.buf.shrink_to_fit();
            }
            if self.filled == self.buf.len() {
                let grown = (self.buf.len() * 2).max(BLOCK);
                self.buf.resize(grown, 0);
            }
        }
        loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Refills keeping the current message if it is kept, else only from `pos`.
    /// While a separator line is passed over, the message before it has been taken
    /// out (or has not begun): a `From ` line of any length is not held.
    fn refill_for(&mut self, current: &mut Current) -> std::io::Result<bool> {
        let keep_from = if current.keeping && self.in_message && self.rest != Rest::Ignored {
            current.start
        } else {
            self.pos
        };
        self.refill(keep_from, current)
    }

    /// Reads past the rest of the current line. Content is counted in `current`.
    fn skip_rest(&mut self, current: &mut Current) -> std::io::Result<()> {
        while self.rest != Rest::None {
            if self.pos == self.filled && !self.refill_for(current)? {
                self.rest = Rest::None;
                break;
            }
            let window = &self.buf[self.pos..self.filled];
            let (advance, ended) = match memchr::memchr(b'\n', window) {
                Some(i) => (i + 1, true),
                None => (window.len(), false),
            };
            if self.rest == Rest::Content {
                current.add(advance as u64, self.limit);
            }
            self.pos += advance;
            if ended {
                self.rest = Rest::None;
            }
        }
        Ok(())
    }

    /// The first bytes of the line at `pos`: all of it when it is at most `keep`
    /// bytes long, else its first `keep` bytes. Returns their length and whether
    /// that is the whole line.
    fn line_head(&mut self, keep: u64, current: &mut Current) -> std::io::Result<(usize, bool)> {
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        let mut searched = 0;
        loop {
            let available = self.filled - self.pos;
            let window =
                &self.buf[self.pos + searched..self.filled.min(self.pos.saturating_add(keep))];
            if let Some(i) = memchr::memchr(b'\n', window) {
                return Ok((searched + i + 1, true));
            }
            if available >= keep {
                return Ok((keep, false));
            }
            searched = available;
            if !self.refill_for(current)? {
                // The last line, without a line end.
                return Ok((self.filled - self.pos, true));
            }
        }
    }

    fn finish(&self, current: &Current, end: usize) -> MboxMessage {
        if !current.keeping {
            return MboxMessage::TooLarge { size: current.size };
        }
        let content = &self.buf[current.start..end];
        let mut message = Vec::with_capacity(content.len() - current.unquoted.len());
        let mut from = 0;
        for &at in &current.unquoted {
            message.extend_from_slice(&content[from..at]);
            from = at + 1;
        }
        message.extend_from_slice(&content[from..]);
        MboxMessage::Complete(message)
    }

    fn next_message(&mut self) -> std::io::Result<Option<MboxMessage>> {
        let mut current = Current {
            start: self.pos,
            size: 0,
            keeping: true,
            unquoted: Vec::new(),
        };
        // The rest of the separator line that ended the previous message.
        self.skip_rest(&mut current)?;
        current.start = self.pos;
        loop {
            if self.rest != Rest::None {
                self.skip_rest(&mut current)?;
            }
            if self.pos == self.filled && !self.refill_for(&mut current)? {
                let last = std::mem::replace(&mut self.in_message, false);
                return Ok(last.then(|| self.finish(&current, self.pos)));
            }
            let first = self.buf[self.pos];
            if self.in_message && first != b'F' && first != b'>' {
                self.ordinary_lines(&mut current);
                continue;
            }
            // All of the line while the message may still fit, else enough of it to
            // see whether it starts the next message.
            let keep = self
                .limit
                .saturating_sub(current.size)
                .saturating_add(1)
                .max(POSTMARK_HEAD);
            let (head, whole) = self.line_head(keep, &mut current)?;
            let line_start = self.pos;
            let line = &self.buf[line_start..line_start + head];
            if self.postmarks.begins_message(line) {
                self.pos += head;
                self.rest = if whole { Rest::None } else { Rest::Ignored };
                if std::mem::replace(&mut self.in_message, true) {
                    let message = self.finish(&current, line_start);
                    // Past the separator before returning, as `mail-parser` reads it.
                    self.skip_rest(&mut current)?;
                    return Ok(Some(message));
                }
                self.skip_rest(&mut current)?;
                current.start = self.pos;
                continue;
            }
            if !self.in_message {
                self.pos += head;
                self.rest = if whole { Rest::None } else { Rest::Ignored };
                self.skip_rest(&mut current)?;
                current.start = self.pos;
                continue;
            }
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            let unquote = quotes > 0 && line[quotes..].starts_with(b"From ");
            if unquote && current.keeping {
                current.unquoted.push(line_start - current.start);
            }
            current.add(head as u64 - u64::from(unquote), self.limit);
            self.pos += head;
            if !whole {
                // Longer than `keep` (and so over the limit) unless the input ends
                // right there: only the line's head was kept, not the line.
                let counted = current.size;
                self.rest = Rest::Content;
                self.skip_rest(&mut current)?;
                if current.size > counted {
                    current.drop_content();
                }
            }
        }
    }

    /// Passes over the lines from `pos` that start with neither `F` nor `>`, up to the
    /// next line that does or the end of the window, counting them as content.
    fn ordinary_lines(&mut self, current: &mut Current) {
        let window = &self.buf[self.pos..self.filled];
        let mut end = 0;
        let mut at_line_start = false;
        for newline in memchr::memchr_iter(b'\n', window) {
            end = newline + 1;
            match window.get(end) {
                Some(b'F' | b'>') | None => {
                    at_line_start = true;
                    break;
                }
                Some(_) => {}
            }
        }
        if !at_line_start {
            // The window ends inside a line.
            end = window.len();
            self.rest = Rest::Content;
        }
        current.add(end as u64, self.limit);
        self.pos += end;
    }
}

impl Current {
    /// Counts content; past the limit, the content is no longer kept.
    fn add(&mut self, bytes: u64, limit: u64) {
        self.size += bytes;
        if self.size > limit {
            self.drop_content();
        }
    }

    fn drop_content(&mut self) {
        self.keeping = false;
        self.unquoted = Vec::new();
    }
}

/// One item of an mbox as the readers handle it: a numbered message, or the
/// problem to report instead.
pub enum MboxItem {
    /// Message `number` (counted from 1).
    Message { number: u64, data: Vec<u8> },
    /// Message `number` is over the size limit: a problem of that message.
    TooLarge { number: u64, error: IngestError },
    /// The mailbox cannot be read past message `after`: a problem of the
    /// mailbox, and its last item.
    Unreadable { after: u64, error: IngestError },
}

impl<R: Read> MboxMessages<R> {
    /// The messages numbered, and what cannot be read as the problem it is: the
    /// one loop over a mailbox, whether it is streamed from a file or held in
    /// memory.
    pub fn numbered(self) -> impl Iterator<Item = MboxItem> {
        let limit = self.limit;
        self.enumerate().map(move |(index, message)| {
            let number = index as u64 + 1;
            match message {
                Ok(MboxMessage::Complete(data)) => MboxItem::Message { number, data },
                Ok(MboxMessage::TooLarge { size }) => MboxItem::TooLarge {
                    number,
                    error: IngestError::FileTooLarge { size, limit },
                },
                Err(e) => MboxItem::Unreadable {
                    after: number - 1,
                    error: IngestError::Mbox {
                        after: number - 1,
                        message: e.to_string(),
                    },
                },
            }
        })
    }
}

impl<R: Read> Iterator for MboxMessages<R> {
    type Item = std::io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_message() {
            Ok(Some(message)) => Some(Ok(message)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read};

    use super::{MboxMessage, MboxMessages, POSTMARK_HEAD, Postmarks};

    /// The line-by-line splitter this one replaced: the rules as `mail-parser`
    /// states them, one line at a time, kept as the reference.
    fn reference(data: &[u8], limit: u64) -> Vec<Result<Vec<u8>, u64>> {
        // A small buffer for small inputs, to cross its boundaries often.
        let mut reader =
            BufReader::with_capacity(if data.len() < 10_000 { 8 } else { 1 << 16 }, data);
        let mut out = Vec::new();
        let mut in_message = false;
        let mut postmarks = Postmarks::default();
        let mut contents = Vec::new();
        let mut size = 0u64;
        let mut line = Vec::new();
        let finish = |contents: &mut Vec<u8>, size: &mut u64| {
            let message = std::mem::take(contents);
            let result = if *size > limit {
                Err(*size)
            } else {
                Ok(message)
            };
            *size = 0;
            result
        };
        loop {
            line.clear();
            let keep = limit
                .saturating_sub(size)
                .saturating_add(1)
                .max(POSTMARK_HEAD);
            let kept = (&mut reader)
                .take(keep)
                .read_until(b'\n', &mut line)
                .unwrap() as u64;
            let length = if kept < keep || line.last() == Some(&b'\n') {
                kept
            } else {
                kept + reader.skip_until(b'\n').unwrap() as u64
            };
            if length == 0 {
                if in_message {
                    out.push(finish(&mut contents, &mut size));
                }
                return out;
            }
            if postmarks.begins_message(&line) {
                if std::mem::replace(&mut in_message, true) {
                    out.push(finish(&mut contents, &mut size));
                }
                continue;
            }
            if !in_message {
                continue;
            }
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            let unquote = usize::from(quotes > 0 && line[quotes..].starts_with(b"From "));
            size += length - unquote as u64;
            if size <= limit && line.len() as u64 == length {
                contents.extend_from_slice(&line[unquote..]);
            } else {
                contents = Vec::new();
            }
        }
    }

    /// Hands out at most `step` bytes per read, to cross every window boundary.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn split(reader: impl Read, limit: u64) -> Vec<Result<Vec<u8>, u64>> {
        MboxMessages::new(reader, limit)
            .map(|m| match m.unwrap() {
                MboxMessage::Complete(content) => Ok(content),
                MboxMessage::TooLarge { size } => Err(size),
            })
            .collect()
    }

    fn assert_same(data: &[u8], limit: u64) {
        assert_same_read_by(data, limit, &[1, 3, 64, 4097]);
    }

    /// Also read `step` bytes at a time, for each step.
    fn assert_same_read_by(data: &[u8], limit: u64, steps: &[usize]) {
        let expected = reference(data, limit);
        assert_eq!(split(data, limit), expected, "limit {limit}");
        for &step in steps {
            let trickle = Trickle { data, step };
            assert_eq!(
                split(trickle, limit),
                expected,
                "limit {limit}, step {step}"
            );
        }
    }

    /// A small deterministic generator (xorshift) for line soup.
    struct Lines(u64);

    impl Lines {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn line(&mut self) -> Vec<u8> {
            let starts: [&[u8]; 10] = [
                b"From ",
                b"From x Sat Nov 28 10:00:01 2026 ",
                b">From ",
                b">>>From ",
                b">",
                b">Fro",
                b"F",
                b"From:",
                b"",
                b"\r",
            ];
            let mut line = starts[(self.next() % 10) as usize].to_vec();
            let length = match self.next() % 10 {
                0 => 0,
                1 => 100 + self.next() % 400,
                2 => 70,
                _ => self.next() % 80,
            };
            let offset = line.len();
            line.extend((0..length).map(|i| b"abcFrom> xyz"[(i as usize + offset) % 12]));
            match self.next() % 12 {
                0 => {}
                1 => line.extend_from_slice(b"\r\n"),
                _ => line.push(b'\n'),
            }
            line
        }
    }

    #[test]
    fn matches_the_line_by_line_rules() {
        let mut lines = Lines(0x2545_f491_4f6c_dd1d);
        for _ in 0..60 {
            let count = 1 + lines.next() % 60;
            let data: Vec<u8> = (0..count).flat_map(|_| lines.line()).collect();
            for limit in [0, 5, 64, 65, 100_000] {
                assert_same_read_by(&data, limit, &[1, 5, 4097]);
            }
        }
    }

    #[test]
    fn handles_the_edges() {
        let cases: [&[u8]; 12] = [
            b"",
            b"From a\n",
            b"From a",
            b"preamble\nFrom a\nbody\n",
            b"From a\nFrom b\nFrom c\n",
            b"From a\n>From b\n>>From c\n>x\nFrom d\n",
            b"From a\r\n>From b\r\n\r\nFrom c\r\nbody",
            b"From a\nline without end",
            b"no message at all\n>From x\n",
            b"From a\n>From ",
            b">From a\nFrom b\nx\n",
            b"From a\nFrom b",
        ];
        for data in cases {
            for limit in [0, 1, 2, 6, 7, 64, 65, 1000] {
                assert_same(data, limit);
            }
        }
    }

    #[test]
    fn a_dated_mailbox_keeps_unquoted_from_lines_in_their_message() {
        for postmark in [
            "From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
            "From - Sat Nov 28 10:00:01 2026",
            "From 1745870000123456789@xxx Tue Apr 29 10:00:00 +0000 2025",
            "From sender@example.org  Mon Jan 1 9:05 2024",
        ] {
            let data = format!(
                "{postmark}\nSubject: one\n\nHello.\n\nFrom here on, daily.\n\
                 From 10:00 in 2026 daily\n>From quoted\n{postmark}\nSubject: two\n"
            );
            let messages = split(data.as_bytes(), 1000);
            let one = "Subject: one\n\nHello.\n\nFrom here on, daily.\n\
                       From 10:00 in 2026 daily\nFrom quoted\n";
            let expected: Vec<Result<Vec<u8>, u64>> =
                vec![Ok(one.into()), Ok(b"Subject: two\n".to_vec())];
            // A body line with a time and a year still looks like a postmark.
            assert_ne!(messages, expected, "{postmark}");
            let data = data.replace("From 10:00 in 2026 daily\n", "");
            let one = one.replace("From 10:00 in 2026 daily\n", "");
            let expected: Vec<Result<Vec<u8>, u64>> =
                vec![Ok(one.into_bytes()), Ok(b"Subject: two\n".to_vec())];
            assert_eq!(split(data.as_bytes(), 1000), expected, "{postmark}");
            assert_same(data.as_bytes(), 1000);
        }
        // Without a date on the first separator, every `From ` line begins one.
        let undated = b"From a\nSubject: one\n\nFrom here on\nFrom b\nx\n";
        assert_eq!(split(&undated[..], 1000).len(), 3);
    }

    #[test]
    fn long_lines_and_large_messages() {
        let mut data = b"From a\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 700_000));
        data.extend_from_slice(b"\n>From quoted\nFrom b\n");
        data.extend(std::iter::repeat_n(b'>', 200));
        data.extend_from_slice(b"From deep\n");
        for _ in 0..20_000 {
            data.extend_from_slice(
                b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop\n",
            );
        }
        data.extend_from_slice(b"From c\nend");
        for limit in [10, 64, 100, 1_000_000, 2_000_000] {
            assert_same_read_by(&data, limit, &[4097, 100_000]);
        }
        // A line exactly as long as what is kept of it, at the end of the input.
        for limit in [64, 65, 70, 71] {
            let mut data = b"From a\nabcdefghij\n".to_vec();
            data.extend(std::iter::repeat_n(b'>', 1));
            data.extend_from_slice(b"From ");
            data.extend(std::iter::repeat_n(b'z', 58));
            assert_same(&data, limit);
        }
    }
}
