//! DNS lookups as a sending MTA makes them: TXT records with their CNAME chain, MX
//! records, and the addresses of hosts. NXDOMAIN and NODATA (nothing published) are
//! kept apart from SERVFAIL and timeouts (a DNS error), because a checker that
//! reports a DNS error as "no policy" misleads (RFC 8461 §3.1, §5).

use std::cell::RefCell;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::dnssec::rdata::{DNSKEY, DNSSECRData};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use tokio::runtime::Runtime;

use super::config::CheckConfig;
use super::error::CheckError;

/// One link of a CNAME chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cname {
    pub from: String,
    pub to: String,
}

/// What a lookup found.
#[derive(Clone, Debug)]
pub enum Lookup<T> {
    Found(Answer<T>),
    /// The name does not exist (RCODE 3).
    NxDomain(Vec<Cname>),
    /// The name exists but has no record of this type.
    NoData(Vec<Cname>),
    /// SERVFAIL, REFUSED, a timeout or another error: nothing is known.
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct Answer<T> {
    pub records: Vec<T>,
    /// The CNAMEs followed to reach the records, in order.
    pub cnames: Vec<Cname>,
    /// The smallest TTL of the records, in seconds.
    pub ttl: u32,
}

/// A TXT record with its character-strings as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtRecord {
    pub strings: Vec<Vec<u8>>,
}

impl TxtRecord {
    /// The character-strings of one record, concatenated without spaces, as
    /// for SPF (RFC 7208 §3.3); MTA-STS and TLS-RPT records are read the same way.
    pub fn joined(&self) -> Vec<u8> {
        self.strings.concat()
    }

    /// The joined record as text, with non-ASCII bytes shown as `\xNN`.
    pub fn display(&self) -> String {
        let bytes = self.joined();
        match std::str::from_utf8(&bytes) {
            Ok(text) if text.is_ascii() => text.to_string(),
            _ => bytes.escape_ascii().to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxRecord {
    pub preference: u16,
    /// The exchange without the root dot; empty for the null MX `.`.
    pub exchange: String,
}

impl MxRecord {
    pub(crate) fn of(data: &RData) -> Option<MxRecord> {
        match data {
            RData::MX(mx) => Some(MxRecord {
                preference: mx.preference,
                exchange: without_root_dot(&mx.exchange),
            }),
            _ => None,
        }
    }
}

/// The address of an A or AAAA record.
pub(crate) fn address_of(data: &RData) -> Option<IpAddr> {
    match data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
        _ => None,
    }
}

/// A resolver with its own single-threaded runtime, so that the rest of the
/// checker stays blocking.
pub struct Dns {
    runtime: Runtime,
    resolver: TokioResolver,
    /// A hard limit on each lookup, beyond the resolver's own per-attempt timeout.
    limit: Duration,
    reach: RefCell<Reach>,
}

/// Whether any server answered at all: when none did, the check could not run.
#[derive(Default)]
struct Reach {
    answered: bool,
    last_error: Option<String>,
}

impl Dns {
    pub fn new(config: &CheckConfig) -> Result<Dns, CheckError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CheckError::Runtime(e.to_string()))?;
        let (resolver_config, mut opts) = resolver_config(config)?;
        opts.timeout = config.timeout;
        opts.attempts = 2;
        opts.cache_size = 0;
        opts.preserve_intermediates = true;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.ndots = 0;
        let resolver = {
            let _guard = runtime.enter();
            Resolver::builder_with_config(resolver_config, TokioRuntimeProvider::default())
                .with_options(opts)
                .build()
                .map_err(|e| CheckError::Resolver(e.to_string()))?
        };
        Ok(Dns {
            runtime,
            resolver,
            limit: config.timeout * 3,
            reach: RefCell::default(),
        })
    }

    /// Fails when no query of the check got any answer from a DNS server.
    pub fn ensure_reachable(&self) -> Result<(), CheckError> {
        let reach = self.reach.borrow();
        match (&reach.answered, &reach.last_error) {
            (false, Some(error)) => Err(CheckError::DnsUnreachable(error.clone())),
            _ => Ok(()),
        }
    }

    pub fn txt(&self, name: &str) -> Lookup<TxtRecord> {
        self.lookup(name, RecordType::TXT, |data| match data {
            RData::TXT(txt) => Some(TxtRecord {
                strings: txt.txt_data.iter().map(|s| s.to_vec()).collect(),
            }),
            _ => None,
        })
    }

    /// Whether the resolver knows the root zone: one that says even `.` does not
    /// exist (or cannot answer for it) is broken, filtering or offline, and its
    /// NXDOMAIN for a domain says nothing about the domain.
    pub fn knows_the_root(&self) -> bool {
        matches!(
            self.lookup("", RecordType::NS, |_| Some(())),
            Lookup::Found(_) | Lookup::NoData(_)
        )
    }

    pub fn mx(&self, name: &str) -> Lookup<MxRecord> {
        self.lookup(name, RecordType::MX, MxRecord::of)
    }

    /// The DNSKEY records of a zone, unvalidated: what a DS trust anchor is
    /// matched against.
    pub fn dnskeys(&self, zone: &str) -> Lookup<DNSKEY> {
        self.lookup(zone, RecordType::DNSKEY, |data| match data {
            RData::DNSSEC(DNSSECRData::DNSKEY(key)) => Some(key.clone()),
            _ => None,
        })
    }

    /// The A and then the AAAA records of a host. Found when either family is.
    pub fn addresses(&self, host: &str) -> Lookup<IpAddr> {
        let v4 = self.lookup(host, RecordType::A, address_of);
        let v6 = self.lookup(host, RecordType::AAAA, address_of);
        merge_families(v4, v6)
    }

    fn lookup<T>(
        &self,
        name: &str,
        record_type: RecordType,
        convert: impl Fn(&RData) -> Option<T>,
    ) -> Lookup<T> {
        let fqdn = match fqdn(name) {
            Ok(fqdn) => fqdn,
            Err(error) => return Lookup::Failed(error),
        };
        match self.run(self.resolver.lookup(fqdn, record_type)) {
            Some(Ok(lookup)) => {
                self.reach.borrow_mut().answered = true;
                found(lookup.answers(), record_type, convert)
            }
            Some(Err(error)) => self.failure(name, record_type, &error),
            None => self.unanswered(self.no_answer(name, record_type)),
        }
    }

    /// Runs `future` on the resolver's runtime; `None` when the lookup limit
    /// passed first.
    pub(crate) fn run<F: Future>(&self, future: F) -> Option<F::Output> {
        self.runtime
            .block_on(async { tokio::time::timeout(self.limit, future).await })
            .ok()
    }

    /// What a lookup that hit the limit says.
    pub(crate) fn no_answer(&self, name: &str, record_type: RecordType) -> String {
        format!("{record_type} {name}: no answer within {:?}", self.limit)
    }

    /// Enters the runtime, for setting up a client that spawns on it.
    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.runtime.enter()
    }

    fn failure<T>(&self, name: &str, record_type: RecordType, error: &NetError) -> Lookup<T> {
        if let NetError::Dns(dns) = error {
            self.reach.borrow_mut().answered = true;
            return match dns {
                DnsError::NoRecordsFound(_) if error.is_nx_domain() => Lookup::NxDomain(vec![]),
                DnsError::NoRecordsFound(_) => Lookup::NoData(vec![]),
                DnsError::ResponseCode(code) => {
                    Lookup::Failed(format!("{record_type} {name}: the server answered {code}"))
                }
                other => Lookup::Failed(format!("{record_type} {name}: {other}")),
            };
        }
        let reason = match error {
            NetError::Timeout => "no answer (timed out)".to_string(),
            other => other.to_string(),
        };
        self.unanswered(format!("{record_type} {name}: {reason}"))
    }

    fn unanswered<T>(&self, message: String) -> Lookup<T> {
        self.reach.borrow_mut().last_error = Some(message.clone());
        Lookup::Failed(message)
    }
}

pub(crate) fn resolver_config(
    config: &CheckConfig,
) -> Result<(ResolverConfig, ResolverOpts), CheckError> {
    let Some(server) = config.dns_server else {
        return hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| CheckError::Resolver(format!("reading the system configuration: {e}")));
    };
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    let name_server = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
    Ok((
        ResolverConfig::from_name_servers(vec![name_server]),
        ResolverOpts::default(),
    ))
}

/// The records of the queried type in an answer, after the CNAMEs leading to them.
fn found<T>(
    answers: &[Record],
    record_type: RecordType,
    convert: impl Fn(&RData) -> Option<T>,
) -> Lookup<T> {
    let cnames: Vec<Cname> = answers
        .iter()
        .filter_map(|record| match &record.data {
            RData::CNAME(target) => Some(Cname {
                from: without_root_dot(&record.name),
                to: without_root_dot(&target.0),
            }),
            _ => None,
        })
        .collect();
    let wanted: Vec<&Record> = answers
        .iter()
        .filter(|r| r.record_type() == record_type)
        .collect();
    let records: Vec<T> = wanted.iter().filter_map(|r| convert(&r.data)).collect();
    if records.is_empty() {
        return Lookup::NoData(cnames);
    }
    let ttl = wanted.iter().map(|r| r.ttl).min().unwrap_or(0);
    Lookup::Found(Answer {
        records,
        cnames,
        ttl,
    })
}

pub(crate) fn merge_families(v4: Lookup<IpAddr>, v6: Lookup<IpAddr>) -> Lookup<IpAddr> {
    match (v4, v6) {
        (Lookup::Found(mut a), Lookup::Found(b)) => {
            a.records.extend(b.records);
            a.ttl = a.ttl.min(b.ttl);
            Lookup::Found(a)
        }
        (Lookup::Found(a), _) | (_, Lookup::Found(a)) => Lookup::Found(a),
        (Lookup::Failed(e), _) | (_, Lookup::Failed(e)) => Lookup::Failed(e),
        (Lookup::NxDomain(c), _) | (_, Lookup::NxDomain(c)) => Lookup::NxDomain(c),
        (Lookup::NoData(c), Lookup::NoData(_)) => Lookup::NoData(c),
    }
}

/// A name as the checker has it (no root dot) as a DNS name.
pub(crate) fn fqdn(name: &str) -> Result<Name, String> {
    Name::from_ascii(format!("{name}.")).map_err(|e| format!("{name:?} is not a DNS name: {e}"))
}

/// A name as shown to users: lower case, without the root dot.
pub(crate) fn without_root_dot(name: &Name) -> String {
    let text = name.to_ascii().to_ascii_lowercase();
    match text.strip_suffix('.') {
        Some(stripped) => stripped.to_string(),
        None => text,
    }
}

/// The CNAME chain as `a → b → c`, for evidence.
pub fn chain_text(cnames: &[Cname]) -> String {
    let mut text = String::new();
    for (i, link) in cnames.iter().enumerate() {
        if i == 0 {
            text.push_str(&link.from);
        }
        text.push_str(" → ");
        text.push_str(&link.to);
    }
    text
}
