//! An authoritative DNS server (hickory-server) on 127.0.0.1, serving zone-text
//! fixtures under a signed root, with names that answer SERVFAIL, late or not at
//! all.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::{LowerName, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::{Catalog, MessageResponseBuilder, ZoneHandler};
use tokio::net::{TcpListener, UdpSocket};

use super::dnssec::{self, Fixture};
use super::runtime;

/// SOA, NS and TTL added to a fixture that has none, so fixtures stay short. The
/// NS record marks the zone cut, which a validator looks for before it asks for
/// the DS records (RFC 4035 §5.2).
const ZONE_HEAD: &str =
    "$TTL 300\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ IN NS ns.test.\n";

pub fn zone_head() -> &'static str {
    ZONE_HEAD
}

/// Names that misbehave.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Queries for these names get SERVFAIL.
    pub servfail: Vec<String>,
    /// Queries for these names get no answer at all.
    pub silent: Vec<String>,
    /// No query gets an answer: a server that takes every query and says nothing.
    pub mute: bool,
    /// Every query gets NXDOMAIN: a resolver that is broken or filters everything.
    pub nxdomain_everything: bool,
    /// Queries for these names, and the names below them, are answered this late.
    pub slow: Vec<(String, Duration)>,
}

pub struct DnsServer {
    pub addr: SocketAddr,
    /// The root's DNSKEY record, the checker's trust anchor.
    pub anchor: String,
    /// The root's DS record: the same anchor as a digest.
    pub anchor_ds: String,
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
    /// Serves the fixtures (zone-file text with `$ORIGIN`) under a signed root and
    /// `test.` zone, on UDP and TCP.
    pub fn start(fixtures: &[Fixture], faults: Faults) -> DnsServer {
        let signed = dnssec::build(fixtures);
        let zones: Vec<Arc<dyn ZoneHandler>> = signed
            .zones
            .into_iter()
            .map(|zone| Arc::new(zone) as Arc<dyn ZoneHandler>)
            .collect();
        let handler = Faulty {
            catalog: catalog(&zones, None),
            parents: zones
                .iter()
                .map(|zone| (zone.origin().clone(), catalog(&zones, Some(zone.origin()))))
                .collect(),
            servfail: lower_names(&faults.servfail),
            silent: lower_names(&faults.silent),
            slow: faults
                .slow
                .iter()
                .map(|(name, delay)| (LowerName::from(dnssec::name(name)), *delay))
                .collect(),
            mute: faults.mute,
            nxdomain_everything: faults.nxdomain_everything,
        };
        runtime().block_on(async move {
            let (udp, tcp) = bind_udp_and_tcp().await;
            let addr = udp.local_addr().expect("UDP address");
            let mut server = Server::new(handler);
            server.register_socket(udp);
            server.register_listener(tcp, Duration::from_secs(5), 4096);
            DnsServer {
                addr,
                anchor: signed.anchor,
                anchor_ds: signed.anchor_ds,
                server: Some(server),
            }
        })
    }
}

/// A catalog of the zones, but for `without`: the parent side of that zone cut,
/// where its DS records live.
fn catalog(zones: &[Arc<dyn ZoneHandler>], without: Option<&LowerName>) -> Catalog {
    let mut catalog = Catalog::new();
    for zone in zones.iter().filter(|z| Some(z.origin()) != without) {
        catalog.upsert(zone.origin().clone(), vec![zone.clone()]);
    }
    catalog
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

/// Puts the default SOA and NS right after the `$ORIGIN` line, unless the zone
/// has its own.
pub fn with_head(zone: &str) -> String {
    if zone.contains(" SOA ") {
        return zone.to_string();
    }
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

/// The catalog, except for the faulty names. A DS query at a zone cut goes to
/// the parent's side, as a recursive resolver would send it.
struct Faulty {
    catalog: Catalog,
    parents: Vec<(LowerName, Catalog)>,
    slow: Vec<(LowerName, Duration)>,
    servfail: Vec<LowerName>,
    silent: Vec<LowerName>,
    mute: bool,
    nxdomain_everything: bool,
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
        let error = if self.nxdomain_everything {
            Some(ResponseCode::NXDomain)
        } else if name.as_ref().is_some_and(|n| self.servfail.contains(n)) {
            Some(ResponseCode::ServFail)
        } else {
            None
        };
        if let Some(code) = error {
            let message = MessageResponseBuilder::new(&request.queries, None)
                .error_msg(&request.metadata, code);
            return match response.send_response(message).await {
                Ok(info) => info,
                Err(_) => no_response(request),
            };
        }
        let delay = self
            .slow
            .iter()
            .find(|(zone, _)| name.as_ref().is_some_and(|n| zone.zone_of(n)))
            .map(|(_, delay)| *delay);
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let query_type = request.queries.queries().first().map(|q| q.query_type());
        let parent = self
            .parents
            .iter()
            .find(|(apex, _)| query_type == Some(RecordType::DS) && Some(apex) == name.as_ref());
        match parent {
            Some((_, catalog)) => catalog.handle_request::<R, T>(request, response).await,
            None => self.catalog.handle_request::<R, T>(request, response).await,
        }
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
