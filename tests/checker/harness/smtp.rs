//! SMTP servers with scripted dialogs, one per loopback address, all on one
//! port (the checker's `smtp_port`), speaking STARTTLS with certificates chosen
//! by SNI.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::https::{SniCerts, drain, server_config};
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartTls {
    Offered,
    NotOffered,
    /// Offered, but `STARTTLS` gets `454`.
    Refused,
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
        let stream = reader.into_inner();
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
        let reply: &[u8] = match command.as_str() {
            "EHLO" if script.starttls == StartTls::NotOffered => {
                b"250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
            }
            "EHLO" => b"250-mx.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            "STARTTLS" if script.starttls == StartTls::Offered => {
                return reader
                    .get_mut()
                    .write_all(b"220 2.0.0 ready for TLS\r\n")
                    .await
                    .is_ok();
            }
            "STARTTLS" if script.starttls == StartTls::Refused => {
                b"454 4.7.0 TLS not available\r\n"
            }
            "QUIT" => {
                let _ = reader.get_mut().write_all(b"221 bye\r\n").await;
                return false;
            }
            _ => b"502 5.5.2 not implemented\r\n",
        };
        if reader.get_mut().write_all(reply).await.is_err() {
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
