//! TLS as a sending MTA uses it: TLS 1.2 or later, SNI, WebPKI validation with
//! no AIA chasing (RFC 8461 §4.2, §7.1, §7.2). The certificate is judged by the
//! [`Recorder`](super::verifier::Recorder).

use std::io;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use super::cert::CertCheck;
use super::config::{Clock, Roots};
use super::error::CheckError;
use super::verifier::Recorder;

/// The trusted roots and the clock, shared by every connection of a check.
#[derive(Debug)]
pub struct TlsClient {
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
    /// The roots again, in DER, for the HTTP client.
    root_ders: Option<Vec<CertificateDer<'static>>>,
    clock: Clock,
}

impl TlsClient {
    pub fn new(roots: &Roots, clock: Clock) -> Result<TlsClient, CheckError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (store, root_ders) = root_store(roots)?;
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
            .build()
            .map_err(|e| CheckError::Tls(e.to_string()))?;
        Ok(TlsClient {
            provider,
            webpki,
            root_ders,
            clock,
        })
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub fn provider(&self) -> Arc<CryptoProvider> {
        self.provider.clone()
    }

    /// The roots for `ureq`: WebPKI, or the specific certificates.
    pub fn ureq_roots(&self) -> ureq::tls::RootCerts {
        match &self.root_ders {
            None => ureq::tls::RootCerts::WebPki,
            Some(ders) => ureq::tls::RootCerts::Specific(Arc::new(
                ders.iter()
                    .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
                    .collect(),
            )),
        }
    }

    /// Connects TLS over `stream` with SNI `host` and records the certificate.
    /// Each read has the stream's timeout; the whole handshake ends at `deadline`,
    /// so a server that drips bytes cannot hold it.
    pub fn handshake(
        &self,
        stream: &mut TcpStream,
        host: &str,
        deadline: Instant,
    ) -> Result<(ClientConnection, CertCheck), HandshakeError> {
        let recorder = Arc::new(Recorder::new(self.webpki.clone(), self.clock.now()));
        let config = self.client_config(recorder.clone())?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| HandshakeError::Setup(e.to_string()))?;
        let mut connection = ClientConnection::new(config, name)
            .map_err(|e| HandshakeError::Setup(e.to_string()))?;
        // `complete_io` reads until the handshake is done: the deadline is checked
        // before every read and write, not between its calls.
        let mut io = UntilDeadline { stream, deadline };
        while connection.is_handshaking() {
            if Instant::now() > deadline {
                return Err(HandshakeError::Timeout);
            }
            connection
                .complete_io(&mut io)
                .map_err(|e| HandshakeError::from_io(&e))?;
        }
        let check = recorder.take().unwrap_or_default();
        Ok((connection, check))
    }

    fn client_config(&self, recorder: Arc<Recorder>) -> Result<Arc<ClientConfig>, HandshakeError> {
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| HandshakeError::Setup(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(recorder)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

fn root_store(
    roots: &Roots,
) -> Result<(RootCertStore, Option<Vec<CertificateDer<'static>>>), CheckError> {
    let ders = match roots {
        Roots::WebPki => {
            let store = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            return Ok((store, None));
        }
        Roots::PemFile(path) => {
            let text = std::fs::read(path).map_err(|e| CheckError::CaFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            pem_certificates(&text)?
        }
        Roots::Pem(text) => pem_certificates(text.as_bytes())?,
    };
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(ders.iter().cloned());
    if added == 0 {
        return Err(CheckError::NoRoots(
            "no certificate could be used as a root".into(),
        ));
    }
    Ok((store, Some(ders)))
}

fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, CheckError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CheckError::NoRoots(e.to_string()))
}

/// A stream whose reads and writes fail with `TimedOut` once the deadline has
/// passed, so that a peer sending one byte at a time, each within the stream's
/// timeout, cannot hold a handshake.
struct UntilDeadline<'a> {
    stream: &'a mut TcpStream,
    deadline: Instant,
}

impl UntilDeadline<'_> {
    fn check(&self) -> io::Result<()> {
        match Instant::now() > self.deadline {
            true => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake deadline",
            )),
            false => Ok(()),
        }
    }
}

impl io::Read for UntilDeadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        self.stream.read(buf)
    }
}

impl io::Write for UntilDeadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Why a TLS handshake did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("no answer during the TLS handshake (timed out)")]
    Timeout,
    #[error("the server offers no TLS 1.2 or later: {0}")]
    Version(String),
    #[error("the TLS handshake failed: {0}")]
    Failed(String),
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

impl HandshakeError {
    fn from_io(error: &io::Error) -> HandshakeError {
        if matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            return HandshakeError::Timeout;
        }
        let text = error.to_string();
        let tls = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        match tls {
            Some(rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion))
            | Some(rustls::Error::PeerIncompatible(_)) => HandshakeError::Version(text),
            _ => HandshakeError::Failed(text),
        }
    }
}

/// The negotiated protocol version, e.g. `TLSv1.3`.
pub fn version_text(connection: &ClientConnection) -> String {
    connection
        .protocol_version()
        .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
        .unwrap_or_else(|| "unknown".to_string())
}
