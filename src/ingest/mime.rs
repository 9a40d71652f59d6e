//! Finding reports in e-mail messages (RFC 8460 §5.3), with `mail-parser`.
//!
//! Reports arrive as `application/tlsrpt+gzip` or `+json` parts, but also as bare
//! `application/tlsrpt`, `application/gzip`, `application/zip` or
//! `application/octet-stream`, inside forwarded `message/rfc822` parts, and in
//! messages without a closing MIME boundary. Every such part is tried.

use std::borrow::Cow;

use base64::Engine;
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::decode::{Decoder, Expect, Found, Sink};
use super::error::{IngestError, SkipReason};
use super::source::{Location, Source};

/// Decodes one message; a message that yields no report and no problem is skipped
/// with the reason.
pub fn decode_message(
    decoder: &Decoder,
    data: &[u8],
    source: &Source,
    depth: u32,
    sink: &mut Sink,
) -> Found {
    let Some(message) = MessageParser::default().parse(data) else {
        sink.problem(source, IngestError::BadEmail);
        return Found::default();
    };
    let problems_before = sink.problems.len();
    let found = walk(decoder, &message, source, depth, sink);
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

fn walk(
    decoder: &Decoder,
    message: &Message,
    source: &Source,
    depth: u32,
    sink: &mut Sink,
) -> Found {
    let mut found = Found::default();
    for (index, part) in message.parts.iter().enumerate() {
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Message(nested) => {
                let nested_source = source.with(Location::ForwardedMessage(part_name(part, index)));
                if depth + 1 > decoder.limits.max_depth {
                    sink.problem(
                        &nested_source,
                        IngestError::TooDeep {
                            limit: decoder.limits.max_depth,
                        },
                    );
                    continue;
                }
                found += walk(decoder, nested, &nested_source, depth + 1, sink);
            }
            _ => {
                let Some(expect) = part_role(part) else {
                    continue;
                };
                let part_source = source.with(Location::Attachment(part_name(part, index)));
                // A part is content of this message, not one more container: like a
                // zip member, it is read at the message's depth.
                found += decoder.decode(&part_bytes(part), &part_source, depth, expect, sink);
            }
        }
    }
    found
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
