//! Finding reports in e-mail messages (RFC 8460 §5.3), with `mail-parser`.
//!
//! Reports arrive as `application/tlsrpt+gzip` or `+json` parts, but also as bare
//! `application/tlsrpt`, `application/gzip`, `application/zip` or
//! `application/octet-stream`, inside forwarded `message/rfc822` parts, and in
//! messages without a closing MIME boundary. Every such part is tried.

use std::borrow::Cow;
use std::sync::LazyLock;

use base64::Engine;
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::decode::{Decoder, Expect, Found, Sink};
use crate::library::{IngestError, SkipReason};
use crate::library::{Location, Source};

/// Parses the MIME headers (`Content-Type`, `Content-Disposition`,
/// `Content-Transfer-Encoding`, `Content-Description`, ...), the only ones read here,
/// and skips every other header without decoding it. Report e-mails carry kilobytes
/// of trace, signature and authentication headers (`Received`, `ARC-*`,
/// `DKIM-Signature`) whose full parsing was most of the time spent on a message.
/// Header boundaries, and so the parts found, are the same as with every parser on.
static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .with_mime_headers()
        .default_header_ignore()
});

/// Decodes one message; a message that yields no report and no problem is skipped
/// with the reason.
pub fn decode_message(
    decoder: &Decoder,
    data: &[u8],
    source: &Source,
    depth: u32,
    sink: &mut Sink,
) -> Found {
    let problems_before = sink.problems.len();
    let Some(found) = with_parsed(data, |message| walk(decoder, message, source, depth, sink))
    else {
        sink.problem(source, IngestError::BadEmail);
        return Found::default();
    };
    if found.reports == 0 && sink.problems.len() == problems_before {
        let reason = if found.dmarc {
            SkipReason::DmarcAggregate
        } else {
            SkipReason::NoReportInMessage
        };
        sink.skip(source, reason);
    }
    found
}

/// The header fields of a message that [`PARSER`] parses; every other field is
/// skipped and read by nothing here.
const MIME_HEADERS: [&str; 6] = [
    "content-type",
    "content-disposition",
    "content-id",
    "content-description",
    "content-location",
    "content-transfer-encoding",
];

/// Header fields skipped below which copying the rest of a message costs more than
/// `mail-parser` skipping them.
const WORTH_REDUCING: usize = 256;

/// The message without the top-level header fields [`PARSER`] ignores (trace,
/// signature and authentication fields, kilobytes in a delivered report), so that
/// `mail-parser` does not scan them byte by byte; `None` to parse it as it is.
///
/// Only a header block of the plainest form is reduced: every line a field name
/// (printable ASCII but `:`) directly followed by `:`, or a continuation line
/// starting with a space or a tab, up to an empty line (`\n` or `\r\n`). In such a
/// block each field is its first line and its continuation lines, for every
/// `mail-parser` field parser alike, so the fields kept parse to the same values
/// and the body, copied unchanged, to the same parts. Anything else is left to
/// `mail-parser` whole.
fn without_other_headers(data: &[u8]) -> Option<Vec<u8>> {
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut skipped = 0;
    // The field being read: its start, and whether it is kept.
    let mut field: Option<(usize, bool)> = None;
    let mut pos = 0;
    let body = loop {
        let end = pos + memchr::memchr(b'\n', &data[pos..])? + 1;
        let line = &data[pos..end];
        let first = line[0];
        if first == b' ' || first == b'\t' {
            // A continuation line of the field being read.
            field?;
        } else {
            if let Some((start, keep)) = field.take() {
                if keep {
                    kept.push((start, pos));
                } else {
                    skipped += pos - start;
                }
            }
            if line == b"\n" || line == b"\r\n" {
                break pos;
            }
            let name_len = line
                .iter()
                .position(|&b| !(33..=126).contains(&b) || b == b':')?;
            if name_len == 0 || line[name_len] != b':' {
                return None;
            }
            let name = &line[..name_len];
            let keep = MIME_HEADERS
                .iter()
                .any(|mime| name.eq_ignore_ascii_case(mime.as_bytes()));
            field = Some((pos, keep));
        }
        pos = end;
    };
    if skipped < WORTH_REDUCING {
        return None;
    }
    let mut reduced = Vec::with_capacity(data.len() - skipped);
    for (start, end) in kept {
        reduced.extend_from_slice(&data[start..end]);
    }
    reduced.extend_from_slice(&data[body..]);
    Some(reduced)
}

fn walk(
    decoder: &Decoder,
    message: &Message,
    source: &Source,
    depth: u32,
    sink: &mut Sink,
) -> Found {
    let limit = decoder.limits.max_depth;
    let mut found = Found::default();
    visit_parts(message, source, depth, limit, &mut |visit| match visit {
        Visit::Part {
            bytes,
            source,
            depth,
            expect,
        } => found += decoder.decode(&bytes, &source, depth, expect, sink),
        Visit::TooDeep { source } => sink.problem(&source, IngestError::TooDeep { limit }),
    });
    found
}

/// What [`visit_parts`] finds, in message order.
pub(super) enum Visit<'p> {
    /// A part that may hold a report, its transfer encoding undone, with the depth
    /// it is read at.
    Part {
        bytes: Cow<'p, [u8]>,
        source: Source,
        depth: u32,
        expect: Expect,
    },
    /// A forwarded message nested deeper than `max_depth`, not looked into.
    TooDeep { source: Source },
}

/// Calls `visit` for each part of `message`, and of the messages forwarded in it,
/// that may hold a report.
pub(super) fn visit_parts<'p>(
    message: &'p Message,
    source: &Source,
    depth: u32,
    max_depth: u32,
    visit: &mut dyn FnMut(Visit<'p>),
) {
    for (index, part) in message.parts.iter().enumerate() {
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(nested) => {
                let nested_source = source.with(Location::ForwardedMessage(part_name(part, index)));
                if depth + 1 > max_depth {
                    visit(Visit::TooDeep {
                        source: nested_source,
                    });
                    continue;
                }
                visit_parts(nested, &nested_source, depth + 1, max_depth, visit);
            }
            _ => {
                let Some(expect) = part_role(part).or_else(|| inline_report(part)) else {
                    continue;
                };
                let part_source = source.with(Location::Attachment(part_name(part, index)));
                // A part is content of this message, not one more container: like a
                // zip member, it is read at the message's depth.
                visit(Visit::Part {
                    bytes: part_bytes(part),
                    source: part_source,
                    depth,
                    expect,
                });
            }
        }
    }
}

/// The decoded bytes of every part of an e-mail that may hold a report, parsed as
/// [`decode_message`] parses it (for the benchmarks of this step alone).
pub(super) fn report_parts(data: &[u8]) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let source = Source::file(std::path::Path::new("").into());
    let max_depth = super::Limits::default().max_depth;
    with_parsed(data, |message| {
        visit_parts(message, &source, 0, max_depth, &mut |visit| {
            if let Visit::Part { bytes, .. } = visit {
                parts.push(bytes.into_owned());
            }
        })
    });
    parts
}

/// Parses an e-mail (without the headers no step reads) and runs `visit` on it;
/// `None` when it is no readable message.
fn with_parsed<T>(data: &[u8], visit: impl FnOnce(&Message) -> T) -> Option<T> {
    let reduced = without_other_headers(data);
    let raw = reduced.as_deref().unwrap_or(data);
    // `mail-parser` checks its own invariants with `debug_assert!`, and a malformed
    // message can break one: a panic in the parser is this message's problem.
    let message = std::panic::catch_unwind(|| PARSER.parse(raw))
        .ok()
        .flatten()?;
    let result = visit(&message);
    drop_flat(message);
    Some(result)
}

/// Drops a parsed message without recursing into its forwarded messages.
///
/// `mail-parser` holds each `message/rfc822` part inside its parent and drops the
/// tree recursively; a message of a few MiB can nest tens of thousands of them, more
/// than a thread's stack holds. Taken apart level by level, any depth is dropped.
fn drop_flat(message: Message<'_>) {
    let mut pending = vec![message];
    while let Some(mut message) = pending.pop() {
        for part in &mut message.parts {
            if let PartType::Message(nested) = std::mem::take(&mut part.body) {
                pending.push(nested);
            }
        }
    }
}

/// Which parts may hold a report, and how sure we are.
fn part_role(part: &MessagePart) -> Option<Expect> {
    let (ctype, subtype) = part
        .content_type()
        .map(|ct| {
            (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .unwrap_or_default();
    let name = part.attachment_name().unwrap_or("").to_ascii_lowercase();
    if subtype.contains("tlsrpt") || is_tlsrpt_file_name(&name) {
        return Some(Expect::ReportPart);
    }
    let maybe_type = match ctype.as_str() {
        "application" => matches!(
            subtype.as_str(),
            "gzip"
                | "x-gzip"
                | "x-gunzip"
                | "gzip-compressed"
                | "x-gzip-compressed"
                | "zip"
                | "x-zip"
                | "x-zip-compressed"
                | "json"
                | "octet-stream"
                | "xml"
        ),
        "text" => subtype == "xml",
        _ => false,
    };
    let maybe_name = [".json", ".gz", ".zip", ".xml"]
        .iter()
        .any(|ext| name.ends_with(ext));
    (maybe_type || maybe_name).then_some(Expect::MaybePart)
}

/// A plain-text part that is a report's JSON itself (pasted into a message, or
/// sent inline by a producer that ignores RFC 8460 §5.3) may hold a report; other
/// text, braces included, is passed over without reading it as JSON.
fn inline_report(part: &MessagePart) -> Option<Expect> {
    let plain = part.content_type().is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text")
            && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
    });
    if !plain {
        return None;
    }
    let text = part.contents().trim_ascii_start();
    let looks_like_report =
        text.starts_with(b"{") && memchr::memmem::find(text, b"\"policies\"").is_some();
    looks_like_report.then_some(Expect::MaybePart)
}

/// RFC 8460 §5.1 file names: `sender!policy-domain!begin!end[!id].json[.gz]`.
fn is_tlsrpt_file_name(name: &str) -> bool {
    (name.ends_with(".json") || name.ends_with(".json.gz")) && name.matches('!').count() >= 3
}

fn part_name(part: &MessagePart, index: usize) -> String {
    part.attachment_name()
        .or_else(|| part.content_description())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("part {index}"))
}

/// The decoded content of a part.
///
/// `mail-parser` leaves the last part of a message without its closing boundary
/// (Mail.ru, tlsrpt-be's sample) undecoded; its transfer encoding is undone here.
fn part_bytes<'a>(part: &'a MessagePart) -> Cow<'a, [u8]> {
    let raw = part.contents();
    if part.encoding != Encoding::None {
        return Cow::Borrowed(raw);
    }
    let declared = part
        .content_transfer_encoding()
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match declared.as_str() {
        "base64" => {
            // Up to the first line that is not base64 (a stray boundary, a banner).
            let compact: Vec<u8> = raw
                .split(|&b| b == b'\n')
                .map(|line| line.trim_ascii())
                .skip_while(|line| line.is_empty())
                .take_while(|line| line.iter().all(|&b| is_base64_byte(b)))
                .flatten()
                .copied()
                .collect();
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
                    .with_decode_allow_trailing_bits(true),
            );
            engine
                .decode(&compact)
                .map(Cow::Owned)
                .unwrap_or(Cow::Borrowed(raw))
        }
        "quoted-printable" => quoted_printable::decode(raw, quoted_printable::ParseMode::Robust)
            .map(Cow::Owned)
            .unwrap_or(Cow::Borrowed(raw)),
        _ => Cow::Borrowed(raw),
    }
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

#[cfg(test)]
mod tests {
    use mail_parser::{Message, MimeHeaders, PartType};

    use super::{PARSER, without_other_headers};

    /// What is read from a parsed message, part by part, nested messages included.
    fn read(message: &Message) -> Vec<String> {
        let mut out = Vec::new();
        for part in &message.parts {
            out.push(format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                part.content_type(),
                part.attachment_name(),
                part.content_description(),
                part.content_transfer_encoding(),
                part.encoding,
                part.contents(),
            ));
            match &part.body {
                PartType::Message(nested) => out.extend(read(nested)),
                PartType::Multipart(children) => out.push(format!("{children:?}")),
                _ => {}
            }
        }
        out
    }

    fn trace_headers(eol: &str) -> String {
        let mut headers = String::new();
        for i in 0..12 {
            headers.push_str(&format!(
                "Received: from relay{i}.example (relay{i}.example [192.0.2.{i}]){eol}\tby mx.example with ESMTPS id {i:08x};{eol} Sat, 1 Aug 2026 00:00:0{} +0000{eol}",
                i % 10
            ));
        }
        headers.push_str(&format!(
            "DKIM-Signature: v=1; a=rsa-sha256; d=example.com;{eol}\tb=AAAA{eol}"
        ));
        headers
    }

    fn message(eol: &str, mime: &str, body: &str) -> Vec<u8> {
        let text = format!(
            "{}From: a@example.com{eol}Subject: report{eol}{mime}{eol}{body}",
            trace_headers(eol)
        );
        text.replace('\n', eol)
            .replace("\r\r\n", "\r\n")
            .into_bytes()
    }

    #[test]
    fn reduced_messages_read_the_same() {
        let body = "--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: application/tlsrpt+json;\n name=\"r.json\"\nContent-Disposition: attachment;\n\tfilename=\"x!y!1!2.json\"\nContent-Transfer-Encoding: base64\n\neyJhIjoxfQ==\n--b--\n";
        let cases = [
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n".to_string(),
            "Content-Type: multipart/mixed;\n boundary=\"b\"\nContent-Type: multipart/mixed; boundary=\"b\"\n".to_string(),
            "CONTENT-TYPE: multipart/mixed; boundary=b\nContent-Description: a\n  report\n".to_string(),
            "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n".to_string(),
            "X-Very-Long-Header-Name-That-Is-Longer-Than-Thirty-Four: x\nContent-Type: multipart/mixed; boundary=\"b\"\n".to_string(),
            "Content-Type: multipart/mixed; boundary=\"b\"\nContent-Id: <a@b>\nContent-Location: x\n".to_string(),
            String::new(),
        ];
        for eol in ["\n", "\r\n"] {
            for mime in &cases {
                let data = message(eol, mime, body);
                let reduced = without_other_headers(&data).expect("plain header block");
                assert!(reduced.len() < data.len());
                let full = PARSER.parse(&data).unwrap();
                let short = PARSER.parse(&reduced).unwrap();
                assert_eq!(read(&short), read(&full), "{mime:?} {eol:?}");
            }
        }
    }

    #[test]
    fn unusual_header_blocks_are_parsed_whole() {
        let trace = trace_headers("\n");
        for odd in [
            " folded first line\n",
            "No colon here\n",
            "Name : space before the colon\n",
            "\rX: carriage return first\n",
            "Name:value\n \n",
            "Bad\u{7f}Name: x\n",
        ] {
            let data = format!("{odd}{trace}Content-Type: text/plain\n\nbody\n");
            if odd == "Name:value\n \n" {
                // A blank continuation line is still a continuation.
                assert!(without_other_headers(data.as_bytes()).is_some());
            } else {
                assert!(without_other_headers(data.as_bytes()).is_none(), "{odd:?}");
            }
        }
        // No empty line ending the header block, or little to skip: left whole.
        assert!(without_other_headers(trace.as_bytes()).is_none());
        assert!(without_other_headers(b"X-A: 1\nContent-Type: text/plain\n\nbody").is_none());
    }
}
