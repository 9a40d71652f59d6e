//! The address of a source, as a user types it: `imaps://USER@HOST[:PORT]/FOLDER`,
//! `imap://...` (STARTTLS), `maildir:PATH` or `watch:PATH`.

use std::fmt;
use std::path::PathBuf;

use super::SourceError;

/// Where a source reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceLocation {
    Imap(ImapAddress),
    /// A Maildir (`cur/` and `new/`), read incrementally by message name.
    Maildir(PathBuf),
    /// A folder whose new files are imported.
    Watch(PathBuf),
}

/// How the connection to an IMAP server is secured. There is no plain text:
/// `imap://` means STARTTLS, and a server that does not offer it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 993).
    Implicit,
    /// STARTTLS on the plain port (143), required.
    StartTls,
}

/// An IMAP folder of a user on a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapAddress {
    pub security: Security,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub folder: String,
}

impl SourceLocation {
    /// Reads an address; an IMAP one without a folder reads INBOX.
    pub fn parse(text: &str) -> Result<SourceLocation, SourceError> {
        let bad = |why: &str| SourceError::BadAddress {
            address: text.to_string(),
            reason: why.to_string(),
        };
        if let Some(path) = text.strip_prefix("maildir:") {
            return non_empty_path(path)
                .map(SourceLocation::Maildir)
                .ok_or_else(|| bad("no path"));
        }
        if let Some(path) = text.strip_prefix("watch:") {
            return non_empty_path(path)
                .map(SourceLocation::Watch)
                .ok_or_else(|| bad("no path"));
        }
        let (security, rest) = if let Some(rest) = text.strip_prefix("imaps://") {
            (Security::Implicit, rest)
        } else if let Some(rest) = text.strip_prefix("imap://") {
            (Security::StartTls, rest)
        } else {
            return Err(bad("expected imaps://, imap://, maildir: or watch:"));
        };
        let (authority, folder) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, host_port) = authority
            .rsplit_once('@')
            .ok_or_else(|| bad("no user (USER@HOST)"))?;
        if user.is_empty() {
            return Err(bad("empty user"));
        }
        let (host, port) =
            split_port(host_port, security).ok_or_else(|| bad("bad host or port"))?;
        let folder = percent_decode(folder).ok_or_else(|| bad("bad %-escape in the folder"))?;
        Ok(SourceLocation::Imap(ImapAddress {
            security,
            user: percent_decode(user).ok_or_else(|| bad("bad %-escape in the user"))?,
            host,
            port,
            folder: if folder.is_empty() {
                "INBOX".into()
            } else {
                folder
            },
        }))
    }

    /// The kind the library files the source under.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceLocation::Imap(_) => "imap",
            SourceLocation::Maildir(_) => "maildir",
            SourceLocation::Watch(_) => "watch",
        }
    }

    /// The folder the library keeps this source's state under: the IMAP
    /// folder, `""` for the others.
    pub fn state_folder(&self) -> &str {
        match self {
            SourceLocation::Imap(address) => &address.folder,
            _ => "",
        }
    }

    /// The same address with relative paths made absolute: the library's key.
    pub fn absolute(self) -> SourceLocation {
        let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
        match self {
            SourceLocation::Maildir(p) => SourceLocation::Maildir(abs(p)),
            SourceLocation::Watch(p) => SourceLocation::Watch(abs(p)),
            imap => imap,
        }
    }
}

fn non_empty_path(text: &str) -> Option<PathBuf> {
    (!text.is_empty()).then(|| PathBuf::from(text))
}

fn split_port(text: &str, security: Security) -> Option<(String, u16)> {
    let default = match security {
        Security::Implicit => 993,
        Security::StartTls => 143,
    };
    // An IPv6 address is bracketed: [::1]:993.
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok().filter(|&p| p != 0)?,
        None => default,
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Bytes a user or folder name keeps as they are in an address.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:".contains(c)
}

fn percent_encode(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

impl fmt::Display for ImapAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.security {
            Security::Implicit => "imaps",
            Security::StartTls => "imap",
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(
            f,
            "{scheme}://{}@{host}:{}/{}",
            percent_encode(&self.user, |c| plain(c) && c != ':'),
            self.port,
            percent_encode(&self.folder, |c| plain(c) || c == '/')
        )
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceLocation::Imap(address) => address.fmt(f),
            SourceLocation::Maildir(path) => write!(f, "maildir:{}", path.display()),
            SourceLocation::Watch(path) => write!(f, "watch:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_and_write_back_with_the_default_port() {
        let parsed =
            SourceLocation::parse("imaps://dmarc%40example.com@mail.example.com/Reports/TLS")
                .unwrap();
        let SourceLocation::Imap(address) = &parsed else {
            panic!("not imap")
        };
        assert_eq!(address.user, "dmarc@example.com");
        assert_eq!(address.port, 993);
        assert_eq!(address.folder, "Reports/TLS");
        assert_eq!(
            parsed.to_string(),
            "imaps://dmarc%40example.com@mail.example.com:993/Reports/TLS"
        );
        let starttls = SourceLocation::parse("imap://u@[::1]:1143").unwrap();
        assert_eq!(starttls.to_string(), "imap://u@[::1]:1143/INBOX");
        assert!(SourceLocation::parse("pop3://u@h/").is_err());
        assert!(SourceLocation::parse("imaps://host/INBOX").is_err());
        assert_eq!(
            SourceLocation::parse("maildir:/var/mail/x").unwrap(),
            SourceLocation::Maildir("/var/mail/x".into())
        );
    }
}
