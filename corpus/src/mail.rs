//! Report e-mails (RFC 8460 §5.3) in the MIME shapes producers use, and mbox files.

use std::io::{self, Write};

use base64::Engine;
use chrono::{DateTime, Utc};

use super::model::{GenReport, Producer};

/// How the report is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStyle {
    /// The producer's own shape.
    Native,
    /// `application/tlsrpt` with raw JSON and no transfer encoding.
    BareTlsrpt,
    /// `application/octet-stream` holding the gzip.
    OctetStream,
    /// `application/zip` holding the JSON.
    ZipAttachment,
    /// The native message forwarded as `message/rfc822`.
    Forwarded,
}

pub const STYLES: [MailStyle; 5] = [
    MailStyle::Native,
    MailStyle::BareTlsrpt,
    MailStyle::OctetStream,
    MailStyle::ZipAttachment,
    MailStyle::Forwarded,
];

/// RFC 8460 §5.1 file name: `sender!policy-domain!begin!end!unique-id.json[.gz]`.
pub fn report_file_name(report: &GenReport, extension: &str) -> String {
    let (begin, end) = report.epoch_range();
    let domain = &report.domain;
    let sender = report.producer.submitter();
    match report.producer {
        // Stalwart leaves out the unique id.
        Producer::Stalwart => format!("{sender}!{domain}!{begin}!{end}.{extension}"),
        _ => format!("{sender}!{domain}!{begin}!{end}!001.{extension}"),
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

pub fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    for (name, data) in members {
        // A fixed time keeps regenerated corpora byte-identical.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let _ = writer.start_file(name.as_str(), options);
        let _ = writer.write_all(data);
    }
    writer.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn base64_lines(data: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out
}

/// One report e-mail. Returns the message and the attachment name a reader shows.
pub fn report_email(report: &GenReport, json: &str, style: MailStyle) -> (Vec<u8>, String) {
    match style {
        MailStyle::Forwarded => {
            let (inner, name) = report_email(report, json, MailStyle::Native);
            let inner = String::from_utf8_lossy(&inner).replace("\r\n", "\n");
            let body = format!(
                "--fwd\nContent-Type: text/plain; charset=utf-8\n\nFYI, forwarding the TLS report below.\n\n\
                 --fwd\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n{inner}\n--fwd--\n"
            );
            let headers = common_headers(report, "postmaster@forwarder.example")
                + "Content-Type: multipart/mixed; boundary=\"fwd\"\n";
            (format!("{headers}\n{body}").into_bytes(), name)
        }
        _ => native_email(report, json, style),
    }
}

fn common_headers(report: &GenReport, from: &str) -> String {
    let domain = &report.domain;
    let date: DateTime<Utc> = report.start() + chrono::Duration::hours(30);
    // The trace and authentication headers a report collects on its way into a
    // mailbox (compare the real Google message in mail-tls-rpt/email.eml).
    format!(
        "Return-Path: <{from}>\n\
         Delivered-To: tlsrpt@{domain}\n\
         Received: from mx1.{domain} (localhost [127.0.0.1])\n\
         \tby imap1.{domain} (Cyrus 3.9) with LMTPA; {date}\n\
         Received: from filter3.{domain} ([10.202.2.53])\n\
         \tby mx1.{domain} (LMTPProxy); {date}\n\
         Received: from mail-sor-f69.{sub} (mail-sor-f69.{sub} [209.85.220.69])\n\
         \tby mx1.{domain} (Postfix) with ESMTPS id {id:x}\n\
         \t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256)\n\
         \tfor <tlsrpt@{domain}>; {date}\n\
         Received-SPF: pass (mx1.{domain}: domain of {from} designates 209.85.220.69 as permitted sender)\n\
         Authentication-Results: mx1.{domain};\n\
         \tdkim=pass (2048-bit rsa key sha256) header.d={sub} header.i=@{sub} header.b=Cs/zp0dP;\n\
         \tdmarc=pass (p=reject,d=none) header.from={sub};\n\
         \tspf=pass smtp.mailfrom={from} smtp.helo=mail-sor-f69.{sub}\n\
         ARC-Seal: i=1; a=rsa-sha256; cv=none; d=messagingengine.com; s=fm3; t={ts};\n\
         \tb=GDhGvUJIvYBO1iHuqwHXnWEF3Vz8kSGyT35ldNK6iYAbAsaAZ7uSm37NHT1HaylmB5dfcJb0WXe9N\n\
         \t 0JVZRvHF5ow9GfKXeJqqrdCQbM3YbTIKmbtl6+fTd0HbUA6+xDJEswjsJbQkNO1oKlKDTJCJEIVfw\n\
         \t MGe5pOY1tjXcMcSMlKxuTFpoTtfUntPzX2jWu2tzdzmnKy0cDw3ELAqNy8aQtNyYATfhV/8OJPMI==\n\
         ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=messagingengine.com;\n\
         \th=from:to:subject:message-id:date:mime-version:content-type; s=fm3; t={ts};\n\
         \tbh=2kbhf54mtX06OiZR0UJXeBrUva5J8cL9m64HSgIK/ZE=; b=pTMXpE9AAo2W4JxT1WoVl8NIi9cdT\n\
         \t dnXSSUG0QIHw2U3wWcHpRYxJfnWcG3CQHkRgoKvOz/nzWtXqj7fi6cXG0YDMcb0Y9nFU8QtHUlNQS\n\
         \t 9fNeq6TrlMK0N1Q6yy29NYa1aD5BN6iUgoPjV54rr4rXfrESzsPwwFyy2MjSPnq1xFQUN26lpgrA==\n\
         ARC-Authentication-Results: i=1; mx1.{domain}; dkim=pass header.d={sub};\n\
         \tdmarc=pass policy.published-domain-policy=reject header.from={sub};\n\
         \tspf=pass smtp.mailfrom={from}\n\
         DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={sub}; s=20230601; t={ts};\n\
         \th=to:from:subject:message-id:tls-report-submitter:tls-report-domain:date:mime-version;\n\
         \tbh=2kbhf54mtX06OiZR0UJXeBrUva5J8cL9m64HSgIK/ZE=;\n\
         \tb=Cs/zp0dPa8Zb3WMk43VziKHVlqbSVZF4Gq8tBYkuxL33uEc3AqljrKSVZ5E0C446LBrUhzyyuS2eLhBCvQuO77yL\n\
         \t h4TcG5jwQMoriYmo9wZ7JLIqwE2QBkkiSPCk1ct58Qb2VQydO2tg9bjWGHQoZy/O6BsC/VthxvX9N1MdpIFxyIWJ==\n\
         X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=1e100.net; s=20230601; t={ts};\n\
         \th=to:from:subject:message-id:tls-report-submitter:tls-report-domain:date:mime-version;\n\
         \tbh=2kbhf54mtX06OiZR0UJXeBrUva5J8cL9m64HSgIK/ZE=;\n\
         \tb=Km8Ja8rTgTf+ATDmnkkHziqaZ2KACK7Sv/ZJlZMHFzjzYGYrn1DBBMEUoe4x8yAYCpVuwHLTcRbHTQoA7sFqBnQ\n\
         \t PYTVtFHMjIg38kv1Wq3Tm0tzjL4Mfa7uj1oM7GqXGBmhRMkrKx0rBPhUu0l2U2e5q5DVpSjAv7fxq==\n\
         X-Gm-Message-State: AOJu0YyZ4W3mZcPDUlxXHjD0H7zZ8gIGa5n0M2Lq6rTSYX1jy8mWvyQv\n\
         \tQWg6H3w9v0kVJm5aLrNh0mAkk6vF7Yq3FqgDzs0sL9ZyS3kFhk6c1O7iU8N=\n\
         X-Google-Smtp-Source: AGHT+IFt6z0pj3RhVmbk1iT2Ak7yQv2NqSx5cO2D3uzVfG7aKJ7pR0Xk4b9mHfQ==\n\
         X-Received: by 2002:a05:6a00:1a8e:b0:70d:2a88:a4a0 with SMTP id {id:x}; {date}\n\
         MIME-Version: 1.0\n\
         From: {from}\n\
         To: tlsrpt@{domain}\n\
         Date: {date}\n\
         Subject: Report Domain: {domain} Submitter: {sub}\n Report-ID: <{rid}>\n\
         Message-ID: <{id:x}@{sub}>\n\
         TLS-Report-Domain: {domain}\n\
         TLS-Report-Submitter: {sub}\n",
        sub = report.producer.submitter(),
        id = date.timestamp_micros(),
        date = date.to_rfc2822(),
        ts = date.timestamp(),
        rid = report.report_id,
    )
}

fn native_email(report: &GenReport, json: &str, style: MailStyle) -> (Vec<u8>, String) {
    let p = report.producer;
    let boundary = format!("000000000000{:x}", report.start().timestamp());
    let from = format!("noreply-smtp-tls-reporting@{}", p.submitter());
    let mut headers = common_headers(report, &from);
    headers.push_str(&format!(
        "Content-Type: multipart/report; boundary=\"{boundary}\"; report-type=tlsrpt\n"
    ));
    let intro = match p {
        Producer::Microsoft => format!(
            "Content-Type: text/html; charset=utf-8\n\n<html><body><p>This is an aggregate TLS report from {}.</p></body></html>\n",
            p.submitter()
        ),
        _ => format!(
            "Content-Type: text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes\n\n\
             This is an aggregate TLS report from {}\nFrom the reporting organization: see the attachment.\n",
            p.submitter()
        ),
    };
    let (attachment, name) = attachment(report, json, style);
    let mut message = format!("{headers}\n--{boundary}\n{intro}\n--{boundary}\n{attachment}");
    // Mail.ru leaves out the closing boundary.
    if p != Producer::MailRu {
        message.push_str(&format!("--{boundary}--\n"));
    }
    if p == Producer::MailRu {
        message = message.replace('\n', "\r\n");
    }
    (message.into_bytes(), name)
}

fn attachment(report: &GenReport, json: &str, style: MailStyle) -> (String, String) {
    let p = report.producer;
    match style {
        MailStyle::BareTlsrpt => {
            let name = report_file_name(report, "json");
            let part = format!(
                "Content-Type: application/tlsrpt\nContent-Disposition: attachment;\n filename=\"{name}\"\n\n{json}\n\n"
            );
            (part, name)
        }
        MailStyle::OctetStream => {
            let name = report_file_name(report, "json.gz");
            let part = format!(
                "Content-Type: application/octet-stream; name=\"{name}\"\nContent-Transfer-Encoding: base64\n\n{}\n",
                base64_lines(&gzip(json.as_bytes()))
            );
            (part, name)
        }
        MailStyle::ZipAttachment => {
            let name = report_file_name(report, "zip");
            let zip = zip_of(&[(report_file_name(report, "json"), json.as_bytes().to_vec())]);
            let part = format!(
                "Content-Type: application/zip; name=\"{name}\"\nContent-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n{}\n",
                base64_lines(&zip)
            );
            (part, name)
        }
        _ if p == Producer::Sloppy => {
            let name = report_file_name(report, "json");
            let qp = quoted_printable::encode_to_str(json.as_bytes());
            let part = format!(
                "Content-Type: application/tlsrpt+json; name=\"{name}\"\nContent-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: quoted-printable\n\n{qp}\n\n"
            );
            (part, name)
        }
        _ => {
            let name = report_file_name(report, "json.gz");
            let description = if p == Producer::Microsoft {
                format!("Content-Description:\n {name}\n")
            } else {
                String::new()
            };
            let part = format!(
                "Content-Type: application/tlsrpt+gzip;\n name=\"{name}\"\n{description}Content-Disposition: attachment;\n filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n{}\n",
                base64_lines(&gzip(json.as_bytes()))
            );
            (part, name)
        }
    }
}

/// Writes messages in mbox format with mboxrd `>From ` quoting.
pub struct MboxWriter<W: Write> {
    out: W,
    crlf: bool,
}

impl<W: Write> MboxWriter<W> {
    pub fn new(out: W, crlf: bool) -> MboxWriter<W> {
        MboxWriter { out, crlf }
    }

    pub fn append(&mut self, message: &[u8], date: DateTime<Utc>) -> io::Result<()> {
        let eol: &[u8] = if self.crlf { b"\r\n" } else { b"\n" };
        let stamp = date.format("%a %b %e %H:%M:%S %Y");
        write!(self.out, "From MAILER-DAEMON {stamp}")?;
        self.out.write_all(eol)?;
        for line in message.split_inclusive(|&b| b == b'\n') {
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            let quoted = body.iter().position(|&b| b != b'>').unwrap_or(body.len());
            if body[quoted..].starts_with(b"From ") {
                self.out.write_all(b">")?;
            }
            self.out.write_all(body)?;
            self.out.write_all(eol)?;
        }
        self.out.write_all(eol)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}
