//! Opening an authenticated IMAP session: TCP with timeouts, TLS by rustls
//! (implicit, or STARTTLS which is then required), then LOGIN, PLAIN or XOAUTH2.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use super::super::SourceError;
use super::super::location::{ImapAddress, Security};
use super::super::settings::Credentials;

/// The stream a session runs over: always TLS.
pub type Tls = StreamOwned<ClientConnection, TcpStream>;
pub type Session = imap::Session<Tls>;

/// What connecting needs besides the address.
#[derive(Debug, Clone)]
pub struct Connect<'a> {
    pub address: &'a ImapAddress,
    pub ca_file: Option<&'a Path>,
    /// Every connect, read and write waits at most this long.
    pub timeout: Duration,
}

impl Connect<'_> {
    /// Connects, secures and logs in.
    pub fn session(&self, credentials: &Credentials) -> Result<Session, SourceError> {
        let tcp = self.tcp()?;
        let tls = match self.address.security {
            Security::Implicit => self.tls(tcp)?,
            Security::StartTls => {
                let tcp = self.starttls(tcp)?;
                self.tls(tcp)?
            }
        };
        let mut client = imap::Client::new(tls);
        if self.address.security == Security::Implicit {
            client
                .read_greeting()
                .map_err(|e| self.error("greeting", e))?;
        }
        self.login(client, credentials)
    }

    fn tcp(&self) -> Result<TcpStream, SourceError> {
        let address = self.address;
        let addrs = (address.host.as_str(), address.port)
            .to_socket_addrs()
            .map_err(|e| self.connection(e.to_string()))?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(tcp) => {
                    tcp.set_read_timeout(Some(self.timeout))
                        .and_then(|()| tcp.set_write_timeout(Some(self.timeout)))
                        .map_err(|e| self.connection(e.to_string()))?;
                    let _ = tcp.set_nodelay(true);
                    return Ok(tcp);
                }
                Err(e) => last = e,
            }
        }
        Err(self.connection(last.to_string()))
    }

    /// Asks a plain connection for STARTTLS; refuses a server without it.
    fn starttls(&self, tcp: TcpStream) -> Result<TcpStream, SourceError> {
        let mut client = imap::Client::new(tcp);
        client
            .read_greeting()
            .map_err(|e| self.error("greeting", e))?;
        let capabilities = client
            .capabilities()
            .map_err(|e| self.error("CAPABILITY", e))?;
        if !capabilities.has_str("STARTTLS") {
            return Err(SourceError::NoStartTls {
                host: self.address.host.clone(),
            });
        }
        let mut tcp = client.into_inner().map_err(|e| self.error("STARTTLS", e))?;
        let fail = |e: io::Error| self.connection(format!("STARTTLS: {e}"));
        tcp.write_all(b"s1 STARTTLS\r\n").map_err(fail)?;
        let answer = read_line(&mut tcp).map_err(fail)?;
        if !answer.starts_with("s1 OK") {
            return Err(SourceError::Imap {
                command: "STARTTLS".into(),
                reason: answer.trim().to_string(),
            });
        }
        Ok(tcp)
    }

    fn tls(&self, mut tcp: TcpStream) -> Result<Tls, SourceError> {
        let host = &self.address.host;
        let tls_error = |reason: String| SourceError::Tls {
            host: host.clone(),
            reason,
        };
        let name = ServerName::try_from(host.clone()).map_err(|e| tls_error(e.to_string()))?;
        let config = client_config(self.ca_file, host)?;
        let mut connection =
            ClientConnection::new(config, name).map_err(|e| tls_error(e.to_string()))?;
        // The handshake now, so that an untrusted certificate is told as such.
        while connection.is_handshaking() {
            connection
                .complete_io(&mut tcp)
                .map_err(|e| match rustls_error(&e) {
                    Some(reason) => tls_error(reason),
                    None => self.connection(e.to_string()),
                })?;
        }
        Ok(StreamOwned::new(connection, tcp))
    }

    fn login(
        &self,
        client: imap::Client<Tls>,
        credentials: &Credentials,
    ) -> Result<Session, SourceError> {
        let user = &self.address.user;
        let refused = |e: imap::Error| match e {
            imap::Error::No(no) => SourceError::Login {
                user: user.clone(),
                reason: no.information,
            },
            imap::Error::Bad(bad) => SourceError::Login {
                user: user.clone(),
                reason: bad.information,
            },
            other => self.error("login", other),
        };
        let mut client = client;
        let result = match credentials {
            Credentials::Token(token) => client.authenticate(
                "XOAUTH2",
                &XOAuth2 {
                    user: user.clone(),
                    token: token.clone(),
                },
            ),
            Credentials::Password(password) => {
                let capabilities = client
                    .capabilities()
                    .map_err(|e| self.error("CAPABILITY", e))?;
                if capabilities.has_str("AUTH=PLAIN") {
                    client.authenticate(
                        "PLAIN",
                        &Plain {
                            user: user.clone(),
                            password: password.clone(),
                        },
                    )
                } else {
                    client.login(user, password)
                }
            }
        };
        result.map_err(|(e, _)| refused(e))
    }

    fn connection(&self, reason: String) -> SourceError {
        SourceError::Connection {
            host: self.address.host.clone(),
            port: self.address.port,
            reason,
        }
    }

    /// An error of the `imap` crate during `command`.
    pub fn error(&self, command: &str, error: imap::Error) -> SourceError {
        imap_error(self.address, command, error)
    }
}

/// Sorts an error of the `imap` crate: the connection, TLS, or the server's answer.
pub fn imap_error(address: &ImapAddress, command: &str, error: imap::Error) -> SourceError {
    let connection = |reason: String| SourceError::Connection {
        host: address.host.clone(),
        port: address.port,
        reason: format!("{command}: {reason}"),
    };
    match error {
        imap::Error::Io(e) => match rustls_error(&e) {
            Some(reason) => SourceError::Tls {
                host: address.host.clone(),
                reason,
            },
            None => connection(e.to_string()),
        },
        imap::Error::ConnectionLost => connection("connection lost".into()),
        imap::Error::Bye(bye) => connection(format!("server closed the connection: {bye}")),
        imap::Error::No(no) => SourceError::Imap {
            command: command.into(),
            reason: no.information,
        },
        imap::Error::Bad(bad) => SourceError::Imap {
            command: command.into(),
            reason: bad.information,
        },
        other => SourceError::Imap {
            command: command.into(),
            reason: other.to_string(),
        },
    }
}

/// One line, read byte by byte: nothing after it may be taken from the
/// socket, where the TLS handshake follows.
fn read_line(tcp: &mut TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    while !line.ends_with(b"\n") {
        if tcp.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        line.push(byte[0]);
        if line.len() > 8192 {
            return Err(io::Error::other("answer line too long"));
        }
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// The TLS error inside an I/O error, in words.
fn rustls_error(error: &io::Error) -> Option<String> {
    let inner = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(inner.to_string())
}

fn client_config(ca_file: Option<&Path>, host: &str) -> Result<Arc<ClientConfig>, SourceError> {
    let roots = match ca_file {
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
        Some(path) => {
            let bad = |reason: String| SourceError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
            let certificates = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(e.to_string()))?;
            let mut store = RootCertStore::empty();
            let (added, _) = store.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(bad("no certificate in it".into()));
            }
            store
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SourceError::Tls {
            host: host.to_string(),
            reason: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// SASL PLAIN (RFC 4616): no authorization identity.
struct Plain {
    user: String,
    password: String,
}

impl imap::Authenticator for Plain {
    type Response = String;
    fn process(&self, _challenge: &[u8]) -> String {
        format!("\0{}\0{}", self.user, self.password)
    }
}

/// Google's and Microsoft's XOAUTH2.
struct XOAuth2 {
    user: String,
    token: String,
}

impl imap::Authenticator for XOAuth2 {
    type Response = String;
    fn process(&self, challenge: &[u8]) -> String {
        if !challenge.is_empty() {
            // A challenge after the token is the error's JSON: an empty answer
            // has the server end the exchange with NO.
            return String::new();
        }
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}
