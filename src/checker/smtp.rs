//! The STARTTLS probe of one MX address (RFC 3207; RFC 8461 §4.2, §7.1): read
//! the 220 banner, `EHLO`, look for `STARTTLS`, send it, expect 220, then TLS
//! with SNI = the MX host name. No `MAIL FROM` is ever sent.
//!
//! Replies are read byte by byte, so that nothing the server sends after its 220
//! to `STARTTLS` is taken as plaintext (the STARTTLS injection of CVE-2011-0411).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::cert::CertCheck;
use super::fetch::{connect, connect_error};
use super::tls::{HandshakeError, TlsClient, version_text};

/// The name given in `EHLO`. `.invalid` (RFC 2606) says that the client is a
/// probe, not a mail server.
pub const EHLO_NAME: &str = "tlsrpt-analyzer.invalid";

/// Limits that keep a misbehaving server from holding the probe.
const MAX_LINE: usize = 4096;
const MAX_LINES: usize = 100;

/// An SMTP reply: its code and its lines as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// The EHLO keywords, upper case (RFC 5321 §4.1.1.1).
    pub fn keywords(&self) -> impl Iterator<Item = String> + '_ {
        self.lines.iter().skip(1).filter_map(|line| {
            line.get(4..)
                .and_then(|text| text.split_whitespace().next())
                .map(str::to_ascii_uppercase)
        })
    }
}

/// How far the dialog got.
#[derive(Debug)]
pub enum Outcome {
    /// No TCP connection: port 25 may be blocked on this network.
    Unreachable(String),
    /// Connected, but no banner came: the server hangs, or a firewall intercepts.
    Silent,
    /// The banner is not 220 (e.g. 421 busy, 554 no service).
    BannerRefused(Reply),
    EhloRefused(Reply),
    /// `STARTTLS` is not in the EHLO keywords.
    NoStarttls,
    /// `STARTTLS` got another reply than 220 (e.g. 454).
    StarttlsRefused(Reply),
    Handshake(HandshakeError),
    /// The connection closed or broke the protocol mid-dialog.
    Broken(String),
    /// TLS is up: the version and the certificate as checked.
    Tls {
        version: String,
        cert: CertCheck,
    },
}

#[derive(Debug)]
pub struct Probe {
    pub outcome: Outcome,
    /// The dialog, `S:` and `C:` lines.
    pub transcript: Vec<String>,
}

/// Probes `addr` for `mx_host`. Every read and write has `timeout`, and the whole
/// dialog is capped at four times it.
pub fn probe(addr: SocketAddr, mx_host: &str, tls: &TlsClient, timeout: Duration) -> Probe {
    let mut dialog = Dialog {
        transcript: Vec::new(),
        deadline: Instant::now() + timeout * 4,
    };
    let outcome = match connect(addr, timeout) {
        Err(e) => Outcome::Unreachable(connect_error(&e)),
        Ok(mut stream) => dialog.run(&mut stream, mx_host, tls),
    };
    Probe {
        outcome,
        transcript: dialog.transcript,
    }
}

struct Dialog {
    transcript: Vec<String>,
    deadline: Instant,
}

impl Dialog {
    fn run(&mut self, stream: &mut TcpStream, mx_host: &str, tls: &TlsClient) -> Outcome {
        match self.plaintext(stream) {
            Err(outcome) => outcome,
            Ok(()) => match tls.handshake(stream, mx_host, self.deadline) {
                Err(e) => Outcome::Handshake(e),
                Ok((mut connection, cert)) => {
                    let version = version_text(&connection);
                    self.transcript.push(format!("TLS {version} established"));
                    quit_over_tls(&mut connection, stream);
                    Outcome::Tls { version, cert }
                }
            },
        }
    }

    /// Banner, EHLO and STARTTLS; `Ok` when the server said 220 to STARTTLS.
    fn plaintext(&mut self, stream: &mut TcpStream) -> Result<(), Outcome> {
        let banner = self
            .reply(stream)
            .map_err(|e| self.silent_or_broken(e, true))?;
        if banner.code != 220 {
            self.quit(stream);
            return Err(Outcome::BannerRefused(banner));
        }
        self.send(stream, &format!("EHLO {EHLO_NAME}"))?;
        let ehlo = self
            .reply(stream)
            .map_err(|e| self.silent_or_broken(e, false))?;
        if ehlo.code != 250 {
            self.quit(stream);
            return Err(Outcome::EhloRefused(ehlo));
        }
        if !ehlo.keywords().any(|k| k == "STARTTLS") {
            self.quit(stream);
            return Err(Outcome::NoStarttls);
        }
        self.send(stream, "STARTTLS")?;
        let reply = self
            .reply(stream)
            .map_err(|e| self.silent_or_broken(e, false))?;
        if reply.code != 220 {
            self.quit(stream);
            return Err(Outcome::StarttlsRefused(reply));
        }
        Ok(())
    }

    fn silent_or_broken(&self, error: io::Error, banner: bool) -> Outcome {
        let timed_out = matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        );
        match (timed_out, banner) {
            (true, true) => Outcome::Silent,
            (true, false) => Outcome::Broken("the server stopped answering (timed out)".into()),
            (false, _) => Outcome::Broken(error.to_string()),
        }
    }

    fn send(&mut self, stream: &mut TcpStream, command: &str) -> Result<(), Outcome> {
        self.transcript.push(format!("C: {command}"));
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .map_err(|e| Outcome::Broken(format!("sending {command}: {e}")))
    }

    /// Best effort: the probe is over either way.
    fn quit(&mut self, stream: &mut TcpStream) {
        if self.send(stream, "QUIT").is_ok() {
            let _ = self.reply(stream);
        }
    }

    /// Reads one (multi-line) reply: `ddd-text` lines, then `ddd text`.
    fn reply(&mut self, stream: &mut TcpStream) -> io::Result<Reply> {
        let mut lines = Vec::new();
        loop {
            let line = self.line(stream)?;
            self.transcript.push(format!("S: {line}"));
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line);
            match code {
                None => return Err(protocol_error("a reply line without a three-digit code")),
                Some(code) if !more => return Ok(Reply { code, lines }),
                Some(_) if lines.len() >= MAX_LINES => {
                    return Err(protocol_error("too many reply lines"));
                }
                Some(_) => {}
            }
        }
    }

    fn line(&self, stream: &mut TcpStream) -> io::Result<String> {
        let mut bytes = Vec::new();
        let mut byte = [0u8; 1];
        while bytes.last() != Some(&b'\n') {
            if Instant::now() > self.deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "dialog deadline"));
            }
            if bytes.len() > MAX_LINE {
                return Err(protocol_error("a reply line longer than 4096 bytes"));
            }
            match stream.read(&mut byte)? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ));
                }
                _ => bytes.push(byte[0]),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        Ok(text.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn protocol_error(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not SMTP: {what}"))
}

/// Ends the session politely over TLS; errors do not matter any more.
fn quit_over_tls(connection: &mut rustls::ClientConnection, stream: &mut TcpStream) {
    let _ = connection.writer().write_all(b"QUIT\r\n");
    connection.send_close_notify();
    let _ = connection.complete_io(stream);
}
