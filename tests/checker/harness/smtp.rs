//! SMTP servers with scripted dialogs, one per loopback address, all on one
//! port (the checker's `smtp_port`), speaking STARTTLS with certificates chosen
//! by SNI.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::https::{SniCerts, drain, server_config, trickle};
use super::runtime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Banner {
    /// `220`.
    Ready,
    /// `421`: too busy.
    Busy,
    /// Nothing at all.
    Silent,
}

/// What the server does from `EHLO` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartTls {
    Offered,
    NotOffered,
    /// Offered, but `STARTTLS` gets `454`.
    Refused,
    /// `EHLO` gets a multi-line reply that never ends.
    EndlessEhlo,
    /// `EHLO` gets a reply line that never ends.
    EndlessLine,
    /// `EHLO` gets its reply one byte every 100 ms, forever.
    TrickledEhlo,
    /// The connection is dropped when `EHLO` arrives.
    DropAtEhlo,
    /// Offered; `STARTTLS` gets `220`, then the connection is dropped as soon as
    /// the TLS ClientHello arrives.
    DropInHandshake,
    /// Offered; `STARTTLS` gets `220`, then the TLS handshake is answered with the
    /// header of a large record and one byte of it every 100 ms, forever.
    TrickleHandshake,
}

/// The dialog of one server.
#[derive(Clone, Copy, Debug)]
pub struct Script {
    pub banner: Banner,
    pub starttls: StartTls,
}

impl Script {
    pub fn good() -> Script {
        Script {
            banner: Banner::Ready,
            starttls: StartTls::Offered,
        }
    }
}

pub struct SmtpServers {
    pub port: u16,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for SmtpServers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl SmtpServers {
    /// One server per address, on a common free port.
    pub fn start(servers: Vec<(Ipv4Addr, Script)>, certs: SniCerts) -> SmtpServers {
        let acceptor = TlsAcceptor::from(server_config(certs, false));
        runtime().block_on(async move {
            let (port, listeners) = bind_all(&servers).await;
            let tasks = listeners
                .into_iter()
                .zip(servers)
                .map(|(listener, (_, script))| {
                    tokio::spawn(accept_loop(listener, script, acceptor.clone()))
                })
                .collect();
            SmtpServers { port, tasks }
        })
    }
}

/// Binds every address to the same port, retrying with another port when one
/// is taken.
async fn bind_all(servers: &[(Ipv4Addr, Script)]) -> (u16, Vec<TcpListener>) {
    for _ in 0..50 {
        let first = TcpListener::bind(SocketAddr::from((servers[0].0, 0)))
            .await
            .expect("bind");
        let port = first.local_addr().expect("address").port();
        let mut listeners = vec![first];
        for (ip, _) in &servers[1..] {
            match TcpListener::bind(SocketAddr::from((*ip, port))).await {
                Ok(listener) => listeners.push(listener),
                Err(_) => break,
            }
        }
        if listeners.len() == servers.len() {
            return (port, listeners);
        }
    }
    panic!("no common free port for the SMTP servers");
}

async fn accept_loop(listener: TcpListener, script: Script, acceptor: TlsAcceptor) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(session(stream, script, acceptor.clone()));
    }
}

async fn session(mut stream: TcpStream, script: Script, acceptor: TlsAcceptor) {
    match script.banner {
        Banner::Silent => return drain(&mut stream).await,
        Banner::Busy => {
            let _ = stream
                .write_all(b"421 mx.test too busy, try later\r\n")
                .await;
            return drain(&mut stream).await;
        }
        Banner::Ready => {}
    }
    if stream
        .write_all(b"220 mx.test ESMTP harness\r\n")
        .await
        .is_err()
    {
        return;
    }
    let mut reader = BufReader::new(stream);
    if plaintext(&mut reader, script).await {
        let mut stream = reader.into_inner();
        if script.starttls == StartTls::DropInHandshake {
            // Read the start of the ClientHello, then hang up.
            let mut hello = [0u8; 64];
            let _ = stream.read(&mut hello).await;
            return;
        }
        if script.starttls == StartTls::TrickleHandshake {
            let mut hello = [0u8; 64];
            let _ = stream.read(&mut hello).await;
            if stream
                .write_all(&[0x16, 0x03, 0x03, 0x40, 0x00])
                .await
                .is_ok()
            {
                trickle(&mut stream, b"\0", Duration::from_millis(100)).await;
            }
            return;
        }
        if let Ok(tls) = acceptor.accept(stream).await {
            let mut tls = BufReader::new(tls);
            let _ = dialog(&mut tls).await;
        }
    }
}

/// The dialog before TLS; true when TLS should start.
async fn plaintext(reader: &mut BufReader<TcpStream>, script: Script) -> bool {
    loop {
        let Some(command) = read_command(reader).await else {
            return false;
        };
        let stream = reader.get_mut();
        let reply: &[u8] = match command.as_str() {
            "EHLO" => match script.starttls {
                StartTls::EndlessEhlo => {
                    for n in 0u64.. {
                        let line = format!("250-EXTENSION-{n}\r\n");
                        if stream.write_all(line.as_bytes()).await.is_err() {
                            return false;
                        }
                    }
                    return false;
                }
                StartTls::EndlessLine => {
                    if stream.write_all(b"250-mx.test ").await.is_err() {
                        return false;
                    }
                    let chunk = [b'x'; 1024];
                    while stream.write_all(&chunk).await.is_ok() {}
                    return false;
                }
                StartTls::TrickledEhlo => {
                    trickle(stream, b"2", Duration::from_millis(100)).await;
                    return false;
                }
                StartTls::DropAtEhlo => return false,
                StartTls::NotOffered => b"250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
                _ => b"250-mx.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            },
            "STARTTLS"
                if matches!(
                    script.starttls,
                    StartTls::Offered | StartTls::DropInHandshake | StartTls::TrickleHandshake
                ) =>
            {
                return stream
                    .write_all(b"220 2.0.0 ready for TLS\r\n")
                    .await
                    .is_ok();
            }
            "STARTTLS" if script.starttls == StartTls::Refused => {
                b"454 4.7.0 TLS not available\r\n"
            }
            "QUIT" => {
                let _ = stream.write_all(b"221 bye\r\n").await;
                return false;
            }
            _ => b"502 5.5.2 not implemented\r\n",
        };
        if stream.write_all(reply).await.is_err() {
            return false;
        }
    }
}

/// The dialog over TLS: EHLO and QUIT.
async fn dialog<S: AsyncRead + AsyncWrite + Unpin>(reader: &mut BufReader<S>) -> Option<()> {
    loop {
        let command = read_command(reader).await?;
        let reply: &[u8] = match command.as_str() {
            "EHLO" => b"250-mx.test\r\n250 8BITMIME\r\n",
            "QUIT" => {
                reader.get_mut().write_all(b"221 bye\r\n").await.ok()?;
                let _ = reader.get_mut().shutdown().await;
                return Some(());
            }
            _ => b"502 5.5.2 not implemented\r\n",
        };
        reader.get_mut().write_all(reply).await.ok()?;
    }
}

/// The verb of the next command line, upper case; `None` at the end.
async fn read_command<S: AsyncRead + Unpin>(reader: &mut BufReader<S>) -> Option<String> {
    let mut line = String::new();
    match reader.read_line(&mut line).await {
        Ok(n) if n > 0 => Some(
            line.split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase(),
        ),
        _ => None,
    }
}
