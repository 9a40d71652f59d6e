//! An authoritative DNS server (hickory-server) on 127.0.0.1, serving zone-text
//! fixtures, with names that answer SERVFAIL or nothing at all.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::LowerName;
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

use super::runtime;

/// SOA and TTL added to a fixture that has none, so fixtures stay short.
const ZONE_HEAD: &str = "$TTL 300\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n";

/// Names that misbehave.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Queries for these names get SERVFAIL.
    pub servfail: Vec<String>,
    /// Queries for these names get no answer at all.
    pub silent: Vec<String>,
    /// No query gets an answer: a server that takes every query and says nothing.
    pub mute: bool,
}

pub struct DnsServer {
    pub addr: SocketAddr,
    server: Option<Server<Faulty>>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            runtime().block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(2), server.shutdown_gracefully())
                    .await;
            });
        }
    }
}

impl DnsServer {
    /// Serves the zones (zone-file text with `$ORIGIN`) on UDP and TCP.
    pub fn start(zones: &[String], faults: Faults) -> DnsServer {
        let mut catalog = Catalog::new();
        for zone in zones {
            let text = if zone.contains(" SOA ") {
                zone.clone()
            } else {
                with_head(zone)
            };
            let (origin, records) = Parser::new(&text, None, None)
                .parse()
                .expect("zone text parses");
            let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
                origin.clone(),
                records,
                ZoneType::Primary,
                AxfrPolicy::Deny,
            )
            .expect("zone loads");
            catalog.upsert(LowerName::from(origin), vec![Arc::new(handler)]);
        }
        let handler = Faulty {
            catalog,
            servfail: lower_names(&faults.servfail),
            silent: lower_names(&faults.silent),
            mute: faults.mute,
        };
        runtime().block_on(async move {
            let (udp, tcp) = bind_udp_and_tcp().await;
            let addr = udp.local_addr().expect("UDP address");
            let mut server = Server::new(handler);
            server.register_socket(udp);
            server.register_listener(tcp, Duration::from_secs(5), 4096);
            DnsServer {
                addr,
                server: Some(server),
            }
        })
    }
}

/// Binds a UDP socket and a TCP listener to one free port. The kernel picks
/// the UDP port, which another test may already hold for TCP, so a taken TCP
/// port means trying again with another UDP port.
async fn bind_udp_and_tcp() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("UDP socket");
        let addr = udp.local_addr().expect("UDP address");
        if let Ok(tcp) = TcpListener::bind(addr).await {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP");
}

/// Puts the default SOA right after the `$ORIGIN` line.
fn with_head(zone: &str) -> String {
    match zone.split_once('\n') {
        Some((origin, rest)) if origin.starts_with("$ORIGIN") => {
            format!("{origin}\n{ZONE_HEAD}{rest}")
        }
        _ => format!("{ZONE_HEAD}{zone}"),
    }
}

fn lower_names(names: &[String]) -> Vec<LowerName> {
    names
        .iter()
        .map(|n| {
            let fqdn = if n.ends_with('.') {
                n.clone()
            } else {
                format!("{n}.")
            };
            LowerName::from(hickory_server::proto::rr::Name::from_ascii(&fqdn).expect("name"))
        })
        .collect()
}

/// The catalog, except for the faulty names.
struct Faulty {
    catalog: Catalog,
    servfail: Vec<LowerName>,
    silent: Vec<LowerName>,
    mute: bool,
}

#[async_trait::async_trait]
impl RequestHandler for Faulty {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response: R,
    ) -> ResponseInfo {
        let name = request.queries.queries().first().map(|q| q.name().clone());
        if self.mute || name.as_ref().is_some_and(|n| self.silent.contains(n)) {
            // Answer nothing: the client must time out.
            return no_response(request);
        }
        if name.as_ref().is_some_and(|n| self.servfail.contains(n)) {
            let message = MessageResponseBuilder::new(&request.queries, None)
                .error_msg(&request.metadata, ResponseCode::ServFail);
            return match response.send_response(message).await {
                Ok(info) => info,
                Err(_) => no_response(request),
            };
        }
        self.catalog.handle_request::<R, T>(request, response).await
    }
}

fn no_response(request: &Request) -> ResponseInfo {
    let mut metadata = Metadata::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    metadata.response_code = ResponseCode::ServFail;
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}
