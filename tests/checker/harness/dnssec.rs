//! DNSSEC for the local world. Every world has a signed root, whose key is the
//! checker's trust anchor, and a signed `test.` zone that delegates each fixture
//! zone: with a DS record when the fixture is signed, without one (an insecure
//! delegation, proven by NSEC) otherwise. A signed fixture can carry the faults
//! the DANE cases need: a signature that does not verify, or one that expired.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hickory_server::dnssec::NxProofKind;
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::proto::dnssec::crypto::EcdsaSigningKey;
use hickory_server::proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, RRSIG};
use hickory_server::proto::dnssec::{Algorithm, DigestType, DnssecSigner, SigningKey, TBS};
use hickory_server::proto::rr::{DNSClass, LowerName, Name, RData, Record, RecordType, RrKey};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, ZoneType};

const ALGORITHM: Algorithm = Algorithm::ECDSAP256SHA256;
/// How long the signatures of a zone signed now are valid.
const SIGNATURES_VALID: Duration = Duration::from_secs(30 * 86400);

/// A fault in the signatures of one RRset of a signed fixture.
#[derive(Clone, Debug)]
pub enum Tamper {
    /// The RRSIG's signature bytes are flipped: it does not verify.
    BadSignature(&'static str, RecordType),
    /// The RRSIG is re-made, correctly signed, for a window that ended ten days
    /// ago (RFC 4035 §5.3.1).
    Expired(&'static str, RecordType),
}

/// A fixture zone as the world serves it.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// Zone-file text with `$ORIGIN`.
    pub text: String,
    /// Signed, with these faults; `None` for an unsigned zone.
    pub signed: Option<Vec<Tamper>>,
}

/// A zone key, twice: one signer goes into the zone, the other re-signs RRsets
/// for [`Tamper::Expired`] (a signer cannot be cloned).
struct ZoneKey {
    signer: DnssecSigner,
    spare: DnssecSigner,
    dnskey: DNSKEY,
}

impl ZoneKey {
    fn new(zone: &Name) -> ZoneKey {
        let pkcs8 = EcdsaSigningKey::generate_pkcs8(ALGORITHM).expect("zone key");
        let signer = || {
            let key = EcdsaSigningKey::from_pkcs8(&pkcs8, ALGORITHM).expect("zone key");
            let dnskey = DNSKEY::from_key(&key.to_public_key().expect("public key"));
            DnssecSigner::new(dnskey, Box::new(key), zone.clone(), SIGNATURES_VALID)
        };
        let signer_one = signer();
        let dnskey = signer_one.to_dnskey();
        ZoneKey {
            signer: signer_one,
            spare: signer(),
            dnskey,
        }
    }

    fn ds(&self, zone: &Name) -> DS {
        let key = self.dnskey.public_key();
        DS::from_key(key, zone, DigestType::SHA256).expect("DS record")
    }
}

/// The zones of a world, ready for the catalog, and the trust anchor of the root.
pub struct Signed {
    pub zones: Vec<InMemoryZoneHandler<TokioRuntimeProvider>>,
    /// `. 3600 IN DNSKEY ...`, as in a `root.key` file.
    pub anchor: String,
    /// `. 3600 IN DS ...`: the same anchor as a digest.
    pub anchor_ds: String,
}

/// Parses and signs the fixtures, then builds the root and `test.` above them.
pub fn build(fixtures: &[Fixture]) -> Signed {
    let mut zones = Vec::new();
    let mut delegations = String::new();
    for fixture in fixtures {
        let (origin, handler, ds) = fixture_zone(fixture);
        let label = origin.to_ascii();
        delegations.push_str(&format!("{label} NS ns.test.\n"));
        if let Some(ds) = ds {
            delegations.push_str(&format!("{label} DS {}\n", ds_text(&ds)));
        }
        zones.push(handler);
    }
    let tld_name = name("test.");
    let tld_key = ZoneKey::new(&tld_name);
    let tld_ds = tld_key.ds(&tld_name);
    let tld_text = format!(
        "$ORIGIN test.\n{}ns A 127.0.0.1\n{delegations}",
        super::dns::zone_head()
    );
    zones.push(signed_zone(&tld_text, tld_key.signer, &[], None));
    let root_key = ZoneKey::new(&Name::root());
    let root_text = format!(
        "$ORIGIN .\n{}test. NS ns.test.\ntest. DS {}\n",
        super::dns::zone_head(),
        ds_text(&tld_ds)
    );
    let anchor = format!(". 3600 IN DNSKEY {}", root_key.dnskey);
    let anchor_ds = format!(". 3600 IN DS {}", ds_text(&root_key.ds(&Name::root())));
    zones.push(signed_zone(&root_text, root_key.signer, &[], None));
    Signed {
        zones,
        anchor,
        anchor_ds,
    }
}

fn fixture_zone(
    fixture: &Fixture,
) -> (Name, InMemoryZoneHandler<TokioRuntimeProvider>, Option<DS>) {
    let text = super::dns::with_head(&fixture.text);
    let origin = origin_of(&text);
    match &fixture.signed {
        None => (origin, unsigned_zone(&text), None),
        Some(tampers) => {
            let key = ZoneKey::new(&origin);
            let ds = key.ds(&origin);
            let zone = signed_zone(&text, key.signer, tampers, Some(key.spare));
            (origin, zone, Some(ds))
        }
    }
}

fn origin_of(text: &str) -> Name {
    let (origin, _) = Parser::new(text, None, None)
        .parse()
        .expect("zone text parses");
    origin
}

fn unsigned_zone(text: &str) -> InMemoryZoneHandler<TokioRuntimeProvider> {
    let (origin, records) = Parser::new(text, None, None)
        .parse()
        .expect("zone text parses");
    InMemoryZoneHandler::new(origin, records, ZoneType::Primary, AxfrPolicy::Deny, None)
        .expect("zone loads")
}

fn signed_zone(
    text: &str,
    signer: DnssecSigner,
    tampers: &[Tamper],
    spare: Option<DnssecSigner>,
) -> InMemoryZoneHandler<TokioRuntimeProvider> {
    let (origin, records) = Parser::new(text, None, None)
        .parse()
        .expect("zone text parses");
    let mut zone = InMemoryZoneHandler::new(
        origin,
        records,
        ZoneType::Primary,
        AxfrPolicy::Deny,
        Some(NxProofKind::Nsec),
    )
    .expect("zone loads");
    zone.add_zone_signing_key_mut(signer)
        .expect("zone key added");
    zone.secure_zone_mut().expect("zone signed");
    for tamper in tampers {
        apply(&mut zone, tamper, spare.as_ref().expect("a spare signer"));
    }
    zone
}

fn apply(
    zone: &mut InMemoryZoneHandler<TokioRuntimeProvider>,
    tamper: &Tamper,
    spare: &DnssecSigner,
) {
    let (owner, record_type) = match tamper {
        Tamper::BadSignature(owner, t) | Tamper::Expired(owner, t) => (name(owner), *t),
    };
    let key = RrKey::new(LowerName::from(&owner), record_type);
    let rrset = zone
        .records_get_mut()
        .get_mut(&key)
        .unwrap_or_else(|| panic!("no {record_type} {owner} to tamper with"));
    let rrset = std::sync::Arc::make_mut(rrset);
    let old: Vec<RRSIG> = rrset
        .rrsigs()
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(rrsig)) => Some(rrsig.clone()),
            _ => None,
        })
        .collect();
    let ttl = rrset.ttl();
    let records: Vec<Record> = rrset.records_without_rrsigs().cloned().collect();
    rrset.clear_rrsigs();
    for rrsig in old {
        let replaced = match tamper {
            Tamper::BadSignature(..) => {
                let sig: Vec<u8> = rrsig.sig().iter().map(|b| b ^ 0x5a).collect();
                RRSIG::from_sig(rrsig.input().clone(), sig)
            }
            Tamper::Expired(..) => {
                let mut input = rrsig.input().clone();
                input.sig_inception = serial(40);
                input.sig_expiration = serial(10);
                let tbs = TBS::from_input(&owner, DNSClass::IN, &input, records.iter())
                    .expect("data to sign");
                RRSIG::from_sig(input, spare.sign(&tbs).expect("signature"))
            }
        };
        rrset.insert_rrsig(Record::from_rdata(
            owner.clone(),
            ttl,
            RData::DNSSEC(DNSSECRData::RRSIG(replaced)),
        ));
    }
}

/// The time `days` ago, as an RRSIG field.
fn serial(days: u64) -> hickory_server::proto::rr::SerialNumber {
    let then = SystemTime::now() - Duration::from_secs(days * 86400);
    let seconds = then
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    hickory_server::proto::rr::SerialNumber::new(u32::try_from(seconds).expect("before 2106"))
}

fn ds_text(ds: &DS) -> String {
    let digest: String = ds.digest().iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{} {} {} {digest}",
        ds.key_tag(),
        u8::from(ds.algorithm()),
        u8::from(ds.digest_type())
    )
}

pub fn name(text: &str) -> Name {
    let fqdn = match text.ends_with('.') {
        true => text.to_string(),
        false => format!("{text}."),
    };
    Name::from_ascii(&fqdn).expect("name")
}
