//! DNSSEC-validated lookups, as a DANE sender makes them (RFC 7672 §2.1): every
//! answer comes with its security status (RFC 4035 §4.3), and a bogus one with
//! what was wrong with its signatures, instead of the bare "validation failed" a
//! resolver gives. CNAMEs are followed, and an answer is only as secure as the
//! weakest link of its chain.

use std::net::IpAddr;
use std::sync::Arc;

use hickory_resolver::net::dnssec::DnssecDnsHandle;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::xfer::FirstAnswer;
use hickory_resolver::net::{DnsError, DnsHandle, NetError, RetryDnsHandle};
use hickory_resolver::proto::dnssec::rdata::{DNSSECRData, RRSIG};
use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::op::{DnsRequestOptions, DnsResponse, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};
use serde::Serialize;

use super::config::CheckConfig;
use super::dns::{
    Answer, Cname, Dns, Lookup, MxRecord, address_of, fqdn, merge_families, resolver_config,
    without_root_dot,
};
use super::error::CheckError;
use super::tlsa::Tlsa;

/// CNAMEs followed at most, as resolvers bound them.
const MAX_CNAMES: usize = 8;

/// The security status of an answer (RFC 4035 §4.3), worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dnssec {
    /// Signatures fail, have expired or are missing where a DS record says they
    /// must exist; or the answer could not be had at all (SERVFAIL, a timeout).
    /// Either way a DANE sender defers the mail (RFC 7672 §2.1.1).
    Bogus,
    /// Provably unsigned: the chain from the trust anchor ends in an
    /// authenticated denial of a DS record.
    Insecure,
    /// Signed, with a chain of DNSKEY and DS records from the trust anchor.
    Secure,
}

impl Dnssec {
    pub fn as_str(self) -> &'static str {
        match self {
            Dnssec::Bogus => "bogus",
            Dnssec::Insecure => "insecure",
            Dnssec::Secure => "secure",
        }
    }

    fn of(proof: Proof) -> Dnssec {
        match proof {
            Proof::Secure => Dnssec::Secure,
            Proof::Insecure => Dnssec::Insecure,
            Proof::Bogus | Proof::Indeterminate => Dnssec::Bogus,
        }
    }
}

/// A lookup with its security status.
#[derive(Clone, Debug)]
pub(crate) struct Validated<T> {
    pub(crate) lookup: Lookup<T>,
    pub(crate) dnssec: Dnssec,
    /// Why the answer is bogus: the signatures as the validator saw them, or the
    /// lookup error.
    pub(crate) why: Option<String>,
}

impl<T> Validated<T> {
    fn failed(why: String) -> Validated<T> {
        Validated {
            lookup: Lookup::Failed(why.clone()),
            dnssec: Dnssec::Bogus,
            why: Some(why),
        }
    }

    /// One line for evidence: what was asked, what came back, and its status.
    pub(crate) fn evidence(&self, question: &str) -> String {
        let answer = match &self.lookup {
            Lookup::Found(answer) => format!("{} record(s)", answer.records.len()),
            Lookup::NxDomain(_) => "NXDOMAIN".to_string(),
            Lookup::NoData(_) => "no record (NODATA)".to_string(),
            Lookup::Failed(_) => "no answer".to_string(),
        };
        let mut line = format!("{question}: {answer}, {}", self.dnssec.as_str());
        if let Some(why) = &self.why {
            line.push_str(&format!(" ({why})"));
        }
        line
    }

    /// The CNAMEs followed, whatever the outcome.
    pub(crate) fn cnames(&self) -> &[Cname] {
        match &self.lookup {
            Lookup::Found(answer) => &answer.cnames,
            Lookup::NxDomain(cnames) | Lookup::NoData(cnames) => cnames,
            Lookup::Failed(_) => &[],
        }
    }
}

type Validator = DnssecDnsHandle<RetryDnsHandle<NameServerPool<TokioRuntimeProvider>>>;

/// A validating stub resolver on the checker's runtime, sending queries with the
/// DO bit to the configured servers and validating from the trust anchor.
pub(crate) struct SecureDns<'a> {
    dns: &'a Dns,
    validator: Validator,
}

impl<'a> SecureDns<'a> {
    pub(crate) fn new(
        dns: &'a Dns,
        config: &CheckConfig,
        anchors: TrustAnchors,
    ) -> Result<SecureDns<'a>, CheckError> {
        let (resolver_config, mut opts) = resolver_config(config)?;
        opts.timeout = config.timeout;
        opts.attempts = 2;
        opts.edns0 = true;
        let tls = TlsConfig::new().map_err(|e| CheckError::Resolver(e.to_string()))?;
        let context = Arc::new(PoolContext::new(opts, tls));
        let _guard = dns.enter();
        let pool = NameServerPool::from_config(
            resolver_config.name_servers().to_vec(),
            context,
            TokioRuntimeProvider::default(),
        );
        let validator =
            DnssecDnsHandle::with_trust_anchor(RetryDnsHandle::new(pool, 2), Arc::new(anchors));
        Ok(SecureDns { dns, validator })
    }

    pub(crate) fn mx(&self, domain: &str) -> Validated<MxRecord> {
        self.resolve(domain, RecordType::MX, MxRecord::of)
    }

    /// The A and then the AAAA records, as secure as the weaker of the two.
    pub(crate) fn addresses(&self, host: &str) -> Validated<IpAddr> {
        let v4 = self.resolve(host, RecordType::A, address_of);
        let v6 = self.resolve(host, RecordType::AAAA, address_of);
        let (dnssec, why) = match v4.dnssec <= v6.dnssec {
            true => (v4.dnssec, v4.why.or(v6.why)),
            false => (v6.dnssec, v6.why.or(v4.why)),
        };
        Validated {
            lookup: merge_families(v4.lookup, v6.lookup),
            dnssec,
            why,
        }
    }

    /// The SOA record of a zone: signed in any zone that is, so a secure answer
    /// for the anchor's zone shows that this DNS server passes on what
    /// validation needs.
    pub(crate) fn soa(&self, zone: &str) -> Validated<()> {
        self.resolve(zone, RecordType::SOA, |data| {
            matches!(data, RData::SOA(_)).then_some(())
        })
    }

    pub(crate) fn tlsa(&self, name: &str) -> Validated<Tlsa> {
        self.resolve(name, RecordType::TLSA, |data| match data {
            RData::TLSA(tlsa) => Some(Tlsa::from_rdata(tlsa)),
            _ => None,
        })
    }

    fn resolve<T>(
        &self,
        name: &str,
        record_type: RecordType,
        convert: impl Fn(&RData) -> Option<T>,
    ) -> Validated<T> {
        let start = match fqdn(name) {
            Ok(start) => start,
            Err(error) => return Validated::failed(error),
        };
        self.dns
            .run(self.chase(start, record_type, &convert))
            .unwrap_or_else(|| Validated::failed(self.dns.no_answer(name, record_type)))
    }

    async fn chase<T>(
        &self,
        start: Name,
        record_type: RecordType,
        convert: &impl Fn(&RData) -> Option<T>,
    ) -> Validated<T> {
        let mut chain = Chain::default();
        let mut name = start;
        for _ in 0..=MAX_CNAMES {
            let query = Query::query(name.clone(), record_type);
            let result = self
                .validator
                .lookup(query, request_options())
                .first_answer()
                .await;
            let response = match result {
                Ok(response) => response,
                Err(error) => return chain.ended_by(&error, &name, record_type),
            };
            match chain.read(&response, &name, record_type, convert) {
                Read::Done(validated) => return validated,
                Read::Follow(target) => name = target,
            }
        }
        Validated::failed(format!("more than {MAX_CNAMES} CNAMEs"))
    }
}

fn request_options() -> DnsRequestOptions {
    let mut options = DnsRequestOptions::default();
    options.use_edns = true;
    options.edns_set_dnssec_ok = true;
    options.recursion_desired = true;
    options
}

/// What one response says.
enum Read<T> {
    Done(Validated<T>),
    /// The answer ends in a CNAME into another zone: ask again for its target.
    Follow(Name),
}

/// The links followed so far and the weakest status among them.
struct Chain {
    cnames: Vec<Cname>,
    dnssec: Dnssec,
    why: Option<String>,
}

impl Default for Chain {
    fn default() -> Self {
        Chain {
            cnames: Vec::new(),
            dnssec: Dnssec::Secure,
            why: None,
        }
    }
}

impl Chain {
    fn read<T>(
        &mut self,
        response: &DnsResponse,
        name: &Name,
        record_type: RecordType,
        convert: &impl Fn(&RData) -> Option<T>,
    ) -> Read<T> {
        let mut current = name.clone();
        // The CNAMEs the server followed within its own zone, in order; no more
        // than the answer holds, so that a loop ends.
        for _ in 0..response.answers.len() {
            let Some((record, target)) = cname_at(response, &current) else {
                break;
            };
            self.lower(Dnssec::of(record.proof), || signatures(response, record));
            self.cnames.push(Cname {
                from: without_root_dot(&current),
                to: without_root_dot(target),
            });
            current = target.clone();
        }
        let wanted: Vec<&Record> = response
            .answers
            .iter()
            .filter(|r| r.name == current && r.record_type() == record_type)
            .collect();
        if !wanted.is_empty() {
            for record in &wanted {
                self.lower(Dnssec::of(record.proof), || signatures(response, record));
            }
            let answer = Answer {
                records: wanted.iter().filter_map(|r| convert(&r.data)).collect(),
                cnames: std::mem::take(&mut self.cnames),
                ttl: wanted.iter().map(|r| r.ttl).min().unwrap_or(0),
            };
            return Read::Done(self.finish(Lookup::Found(answer)));
        }
        if current != *name {
            return Read::Follow(current);
        }
        let nx = response.response_code == ResponseCode::NXDomain;
        self.weaken_by_denial(response.authorities.iter());
        Read::Done(self.negative(nx))
    }

    /// The response to the query that ended the chain was an error.
    fn ended_by<T>(
        &mut self,
        error: &NetError,
        name: &Name,
        record_type: RecordType,
    ) -> Validated<T> {
        let question = format!("{record_type} {}", without_root_dot(name));
        match error {
            NetError::Dns(DnsError::Nsec {
                response, proof, ..
            }) => {
                self.lower(Dnssec::of(*proof), || DENIAL_BOGUS.to_string());
                self.negative(response.response_code == ResponseCode::NXDomain)
            }
            NetError::Dns(DnsError::NoRecordsFound(no_records)) => {
                let authorities = no_records.authorities.as_deref().unwrap_or_default();
                self.weaken_by_denial(authorities.iter());
                self.negative(no_records.response_code == ResponseCode::NXDomain)
            }
            NetError::Dns(DnsError::ResponseCode(code)) => {
                Validated::failed(format!("{question}: the server answered {code}"))
            }
            NetError::Timeout => Validated::failed(format!("{question}: no answer (timed out)")),
            other => Validated::failed(format!("{question}: {other}")),
        }
    }

    fn negative<T>(&mut self, nx: bool) -> Validated<T> {
        let cnames = std::mem::take(&mut self.cnames);
        self.finish(match nx {
            true => Lookup::NxDomain(cnames),
            false => Lookup::NoData(cnames),
        })
    }

    fn finish<T>(&mut self, lookup: Lookup<T>) -> Validated<T> {
        Validated {
            lookup,
            dnssec: self.dnssec,
            why: self.why.take(),
        }
    }

    /// Takes in the status of a part of the answer, and why it is bogus.
    fn lower(&mut self, dnssec: Dnssec, why: impl FnOnce() -> String) {
        if dnssec < self.dnssec {
            self.dnssec = dnssec;
            self.why = (dnssec == Dnssec::Bogus).then(why);
        }
    }

    /// Takes in the status of the denial of existence: its NSEC and SOA records.
    /// With none at all, the validator accepted the denial as insecure.
    fn weaken_by_denial<'r>(&mut self, records: impl Iterator<Item = &'r Record>) {
        let dnssec = records
            .filter(|r| r.record_type() != RecordType::RRSIG)
            .map(|r| Dnssec::of(r.proof))
            .min()
            .unwrap_or(Dnssec::Insecure);
        self.lower(dnssec, || DENIAL_BOGUS.to_string());
    }
}

const DENIAL_BOGUS: &str = "the proof that the name or record does not exist does not validate";

/// The CNAME record owned by `owner` in the answer, and its target.
fn cname_at<'r>(response: &'r DnsResponse, owner: &Name) -> Option<(&'r Record, &'r Name)> {
    response.answers.iter().find_map(|r| match &r.data {
        RData::CNAME(target) if r.name == *owner => Some((r, &target.0)),
        _ => None,
    })
}

/// Why an RRset is bogus, from its RRSIGs: none, all expired or not yet valid,
/// or present and in date but not verifying (RFC 4035 §5.3).
fn signatures(response: &DnsResponse, record: &Record) -> String {
    let rrsigs: Vec<&RRSIG> = response
        .answers
        .iter()
        .filter(|r| r.name == record.name)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(rrsig))
                if rrsig.input().type_covered == record.record_type() =>
            {
                Some(rrsig)
            }
            _ => None,
        })
        .collect();
    let what = format!(
        "{} {}",
        record.record_type(),
        without_root_dot(&record.name)
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(first) = rrsigs.first() else {
        return format!("{what} has no RRSIG, but its zone is signed");
    };
    let window = |rrsig: &RRSIG| {
        let input = rrsig.input();
        (
            u64::from(input.sig_inception.get()),
            u64::from(input.sig_expiration.get()),
        )
    };
    let date = |seconds: u64| {
        chrono::DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(0), 0).map_or_else(
            || seconds.to_string(),
            |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
    };
    let (inception, expiration) = window(first);
    let input = first.input();
    let key = format!(
        "RRSIG by {} key {}",
        without_root_dot(&input.signer_name),
        input.key_tag
    );
    if rrsigs.iter().all(|r| window(r).1 < now) {
        return format!("{what}: the {key} expired on {}", date(expiration));
    }
    if rrsigs.iter().all(|r| window(r).0 > now) {
        return format!("{what}: the {key} is not valid before {}", date(inception));
    }
    format!(
        "{what}: the {key} (valid {} to {}) does not verify with the zone's DNSKEY records",
        date(inception),
        date(expiration)
    )
}
