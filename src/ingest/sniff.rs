//! Recognizing an input by its first bytes, not by its name.

/// What a byte sequence holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gzip,
    Zip,
    Json,
    Xml,
    Mbox,
    Email,
    Empty,
    Unknown,
}

/// Classifies `data` by magic bytes and leading text.
pub fn sniff(data: &[u8]) -> Kind {
    if data.starts_with(&[0x1f, 0x8b]) {
        return Kind::Gzip;
    }
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if data.starts_with(&[0xFE, 0xFF]) || data.starts_with(&[0xFF, 0xFE]) {
        return Kind::Json; // UTF-16 with a byte order mark: only JSON is expected so.
    }
    if mbox_start(data).is_some() {
        return Kind::Mbox;
    }
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Kind::Empty;
    };
    let text = &text[start..];
    match text[0] {
        b'{' | b'[' => Kind::Json,
        b'<' => Kind::Xml,
        _ if start == 0 && is_header_line(text) => Kind::Email,
        _ => Kind::Unknown,
    }
}

/// Where the first `From ` line of an mbox starts, when `data` is one: after a
/// UTF-8 byte order mark and blank lines, which some exports put first and which
/// the splitter would take for text before the first message.
pub fn mbox_start(data: &[u8]) -> Option<usize> {
    let bom = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let blank = data[bom..]
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    let start = bom + blank;
    data[start..].starts_with(b"From ").then_some(start)
}

/// RFC 5322 §2.2: a field name of printable ASCII except ':' followed by ':'.
fn is_header_line(text: &[u8]) -> bool {
    let name_len = text
        .iter()
        .take(80)
        .position(|&b| !(33..=126).contains(&b) || b == b':')
        .unwrap_or(0);
    name_len > 0 && text.get(name_len) == Some(&b':')
}

/// True for XML that is a DMARC aggregate report (RFC 7489 Appendix C).
pub fn is_dmarc_xml(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    head.windows(9).any(|w| w == b"<feedback")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_content() {
        assert_eq!(sniff(b"\x1f\x8b\x08\x00"), Kind::Gzip);
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff(b"\xEF\xBB\xBF{\"a\":1}"), Kind::Json);
        assert_eq!(sniff(b"  \n[{}]"), Kind::Json);
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><feedback>"), Kind::Xml);
        assert_eq!(
            sniff(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n"),
            Kind::Mbox
        );
        assert_eq!(
            sniff(b"Return-Path: <a@b>\r\nSubject: x\r\n\r\nbody"),
            Kind::Email
        );
        assert_eq!(sniff(b"\r\n\nFrom a\n"), Kind::Mbox);
        assert_eq!(sniff(b"\xEF\xBB\xBF\nFrom a\n"), Kind::Mbox);
        assert_eq!(mbox_start(b"\xEF\xBB\xBF\r\nFrom a\n"), Some(5));
        assert_eq!(mbox_start(b" From a\n"), None);
        assert_eq!(sniff(b""), Kind::Empty);
        assert_eq!(sniff(b" \r\n\t"), Kind::Empty);
        assert_eq!(sniff(b"\x00\x01binary"), Kind::Unknown);
        assert_eq!(sniff(b"hello world"), Kind::Unknown);
    }

    #[test]
    fn dmarc_xml_is_told_apart() {
        assert!(is_dmarc_xml(
            b"<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
        ));
        assert!(!is_dmarc_xml(b"<html><body>hi</body></html>"));
    }
}
