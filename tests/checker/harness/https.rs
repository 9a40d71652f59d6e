//! The HTTPS policy host: TLS with a certificate chosen by SNI, then a tiny
//! HTTP/1.1 responder with one route per `Host`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::runtime;

/// How the body (or, for the hostile modes, the whole response) is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyMode {
    /// With `Content-Length`.
    Full,
    /// With `Transfer-Encoding: chunked` and no length.
    Chunked,
    /// `Content-Length` of the whole body, then only this many bytes, then
    /// nothing until the client gives up.
    Stall(usize),
    /// The head with a `Content-Length` of 1 MB, then the body one byte every
    /// interval, forever (until the client hangs up).
    Trickle(Duration),
    /// The status line, then a header one byte every interval, forever.
    TrickleHead(Duration),
    /// The status line, then header lines as fast as the client reads, forever.
    EndlessHeaders,
}

/// The answer to `GET /.well-known/mta-sts.txt` for one host.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub mode: BodyMode,
}

impl Route {
    /// 200 with `Content-Type: text/plain`.
    pub fn policy(body: &str) -> Route {
        Route {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
            mode: BodyMode::Full,
        }
    }

    pub fn status(status: u16) -> Route {
        Route {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: b"<html><body>nothing here</body></html>".to_vec(),
            mode: BodyMode::Full,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn mode(mut self, mode: BodyMode) -> Route {
        self.mode = mode;
        self
    }
}

/// Certificates by SNI.
#[derive(Debug)]
pub struct SniCerts(pub HashMap<String, Arc<CertifiedKey>>);

impl ResolvesServerCert for SniCerts {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        hello
            .server_name()
            .and_then(|name| self.0.get(name).cloned())
    }
}

pub fn server_config(certs: SniCerts, tls12_only: bool) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = match tls12_only {
        true => &[&rustls::version::TLS12],
        false => rustls::DEFAULT_VERSIONS,
    };
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("protocol versions")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(certs));
    Arc::new(config)
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Accept connections and never speak TLS.
    pub silent: bool,
    /// Answer the TLS handshake with the header of a large record, then one byte
    /// of it every 100 ms, forever.
    pub trickle_tls: bool,
    /// Offer TLS 1.2 only.
    pub tls12_only: bool,
}

pub struct PolicyHost {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for PolicyHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PolicyHost {
    /// Listens on 127.0.0.1.
    pub fn start(certs: SniCerts, routes: HashMap<String, Route>, options: Options) -> PolicyHost {
        let acceptor = TlsAcceptor::from(server_config(certs, options.tls12_only));
        let silent = options.silent;
        let trickle_tls = options.trickle_tls;
        let routes = Arc::new(routes);
        runtime().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("HTTPS listener");
            let addr = listener.local_addr().expect("HTTPS address");
            let task = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let acceptor = acceptor.clone();
                    let routes = routes.clone();
                    tokio::spawn(async move {
                        if silent {
                            // Hold the connection open without a word.
                            let mut stream = stream;
                            drain(&mut stream).await;
                            return;
                        }
                        if trickle_tls {
                            // A handshake record of 16 KiB, sent one byte at a time.
                            let mut stream = stream;
                            let header = [0x16, 0x03, 0x03, 0x40, 0x00];
                            if stream.write_all(&header).await.is_ok() {
                                trickle(&mut stream, b"\0", Duration::from_millis(100)).await;
                            }
                            return;
                        }
                        if let Ok(tls) = acceptor.accept(stream).await {
                            serve(tls, &routes).await;
                        }
                    });
                }
            });
            PolicyHost { addr, task }
        })
    }
}

async fn serve<S: AsyncReadExt + AsyncWriteExt + Unpin>(
    mut stream: S,
    routes: &HashMap<String, Route>,
) {
    let Some(request) = read_head(&mut stream).await else {
        return;
    };
    let host = header_value(&request, "host")
        .map(|h| h.split(':').next().unwrap_or("").to_ascii_lowercase());
    let path_ok = request.starts_with("GET /.well-known/mta-sts.txt ");
    let route = match (host.and_then(|h| routes.get(&h)), path_ok) {
        (Some(route), true) => route.clone(),
        _ => Route::status(404),
    };
    respond(&mut stream, &route).await;
}

async fn read_head<S: AsyncReadExt + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn header_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

async fn respond<S: AsyncReadExt + AsyncWriteExt + Unpin>(stream: &mut S, route: &Route) {
    match route.mode {
        BodyMode::TrickleHead(interval) => {
            if stream
                .write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                .await
                .is_ok()
            {
                trickle(stream, b"a", interval).await;
            }
            return;
        }
        BodyMode::EndlessHeaders => {
            if stream.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                return;
            }
            for n in 0u64.. {
                let line = format!("X-Endless-{n}: {}\r\n", "x".repeat(100));
                if stream.write_all(line.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
        _ => {}
    }
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", route.status);
    for (name, value) in &route.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match route.mode {
        BodyMode::Chunked => head.push_str("Transfer-Encoding: chunked\r\n\r\n"),
        BodyMode::Trickle(_) => head.push_str("Content-Length: 1000000\r\n\r\n"),
        _ => head.push_str(&format!("Content-Length: {}\r\n\r\n", route.body.len())),
    }
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let _ = match route.mode {
        BodyMode::Full => stream.write_all(&route.body).await,
        BodyMode::Chunked => write_chunked(stream, &route.body).await,
        BodyMode::Stall(sent) => {
            let _ = stream
                .write_all(&route.body[..sent.min(route.body.len())])
                .await;
            let _ = stream.flush().await;
            // Keep the connection open, silent, until the client hangs up.
            drain(stream).await;
            Ok(())
        }
        BodyMode::Trickle(interval) => {
            trickle(stream, b"v", interval).await;
            Ok(())
        }
        BodyMode::TrickleHead(_) | BodyMode::EndlessHeaders => Ok(()),
    };
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

async fn write_chunked<S: AsyncWriteExt + Unpin>(
    stream: &mut S,
    body: &[u8],
) -> std::io::Result<()> {
    for chunk in body.chunks(8192) {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await?;
        stream.write_all(chunk).await?;
        stream.write_all(b"\r\n").await?;
    }
    stream.write_all(b"0\r\n\r\n").await
}

/// Reads until the client closes the connection.
pub async fn drain<S: AsyncReadExt + Unpin>(stream: &mut S) {
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
}

/// Writes `byte` every `interval` until the client hangs up.
pub async fn trickle<S: AsyncWriteExt + Unpin>(stream: &mut S, byte: &[u8], interval: Duration) {
    loop {
        if stream.write_all(byte).await.is_err() || stream.flush().await.is_err() {
            return;
        }
        tokio::time::sleep(interval).await;
    }
}
