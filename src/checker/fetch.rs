//! The HTTPS requests of the policy fetch (RFC 8461 §3.3): a TLS probe that
//! records the certificate, then `GET /.well-known/mta-sts.txt` at one address,
//! with redirects never followed, no caching headers, a 64 KiB body limit and a
//! timeout for the whole exchange.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::cert::CertCheck;
use super::tls::{HandshakeError, TlsClient, version_text};

/// The body size limit that §3.3 suggests to senders: 64 kilobytes.
pub const MAX_POLICY_SIZE: u64 = 64 * 1024;

/// The well-known path of the policy (§3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// What the TLS probe of one address saw.
#[derive(Debug)]
pub struct Probe {
    pub tls_version: String,
    pub cert: CertCheck,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot connect: {0}")]
    Connect(String),
    /// This machine has no route to the address (e.g. IPv6 on an IPv4-only
    /// network): nothing is known about the server.
    #[error("no route from this network: {0}")]
    NoRoute(String),
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
}

/// Connects to `addr` and completes a TLS handshake with SNI `host`.
pub fn probe(
    addr: SocketAddr,
    host: &str,
    tls: &TlsClient,
    timeout: Duration,
) -> Result<Probe, ProbeError> {
    let mut stream = connect(addr, timeout).map_err(|e| match e.kind() {
        io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
            ProbeError::NoRoute(e.to_string())
        }
        _ => ProbeError::Connect(connect_error(&e)),
    })?;
    let deadline = Instant::now() + timeout * 2;
    let (mut connection, cert) = tls.handshake(&mut stream, host, deadline)?;
    connection.send_close_notify();
    // Best effort: the probe is over whether or not the alert gets out.
    let _ = connection.complete_io(&mut stream);
    Ok(Probe {
        tls_version: version_text(&connection),
        cert,
    })
}

/// A TCP connection with read and write timeouts.
pub fn connect(addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

pub fn connect_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timed out".to_string(),
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        _ => error.to_string(),
    }
}

/// The HTTP response, as far as it was read.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Result<Vec<u8>, FetchError>,
    pub elapsed: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The status line and headers, for evidence.
    pub fn head_text(&self) -> String {
        let mut text = format!("HTTP {}", self.status);
        for (name, value) in &self.headers {
            text.push_str(&format!("\n{name}: {value}"));
        }
        text
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
    #[error("the body is larger than {MAX_POLICY_SIZE} bytes")]
    TooLarge,
    #[error("{0}")]
    Other(String),
}

/// `GET https://HOST/.well-known/mta-sts.txt` at `addr`.
pub fn get_policy(
    host: &str,
    addr: SocketAddr,
    tls: &TlsClient,
    timeout: Duration,
) -> Result<Response, FetchError> {
    let started = Instant::now();
    let agent = Agent::with_parts(
        agent_config(tls, timeout),
        DefaultConnector::new(),
        Fixed(addr),
    );
    let url = format!("https://{host}{POLICY_PATH}");
    let mut response = agent
        .get(&url)
        .call()
        .map_err(|e| fetch_error(e, timeout))?;
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    let status = response.status().as_u16();
    let body = match status {
        200 => response
            .body_mut()
            .with_config()
            .limit(MAX_POLICY_SIZE)
            .read_to_vec()
            .map_err(|e| fetch_error(e, timeout)),
        _ => Ok(Vec::new()),
    };
    Ok(Response {
        status,
        headers,
        body,
        elapsed: started.elapsed(),
    })
}

fn agent_config(tls: &TlsClient, timeout: Duration) -> Config {
    let tls_config = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(tls.ureq_roots())
        .unversioned_rustls_crypto_provider(tls.provider())
        .build();
    Agent::config_builder()
        .http_status_as_error(false)
        // "HTTP 3xx redirects MUST NOT be followed" (§3.3): the 3xx is returned.
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .proxy(None)
        .user_agent(concat!("tlsrpt-analyzer/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls_config)
        .build()
}

fn fetch_error(error: ureq::Error, timeout: Duration) -> FetchError {
    match error {
        ureq::Error::Timeout(_) => FetchError::Timeout(timeout),
        ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge,
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            FetchError::Timeout(timeout)
        }
        other => FetchError::Other(other.to_string()),
    }
}

/// Sends every request to one address: the one resolved (and reported) by the
/// checker's own DNS lookups, at the configured port.
#[derive(Debug)]
struct Fixed(SocketAddr);

impl Resolver for Fixed {
    fn resolve(
        &self,
        _uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addrs = self.empty();
        addrs.push(self.0);
        Ok(addrs)
    }
}
