//! The DNSSEC trust anchor of the DANE lookups: hickory's root keys, or DNSKEY and
//! DS records in zone-file presentation format, as in unbound's `root.key`. A DS
//! record names a key by its digest (RFC 4034 §5): the zone's DNSKEY records are
//! fetched and those a DS record matches become the anchor, as a resolver primes
//! its anchor.

use base64::Engine;
use hickory_resolver::proto::dnssec::rdata::{DNSKEY, DS};
use hickory_resolver::proto::dnssec::{Algorithm, DigestType, PublicKeyBuf, TrustAnchors};
use hickory_resolver::proto::rr::{LowerName, Name};

use super::config::TrustAnchor;
use super::dns::{Dns, Lookup, without_root_dot};
use super::error::CheckError;

/// The anchor as configured, read and parsed before the check starts, so that a
/// bad file stops it at once.
#[derive(Debug)]
pub(crate) enum Anchor {
    IanaRoot,
    Records {
        keys: Vec<(Name, DNSKEY)>,
        digests: Vec<(Name, DS)>,
    },
}

impl Anchor {
    pub(crate) fn read(anchor: &TrustAnchor) -> Result<Anchor, CheckError> {
        let text = match anchor {
            TrustAnchor::IanaRoot => return Ok(Anchor::IanaRoot),
            TrustAnchor::File(path) => {
                std::fs::read_to_string(path).map_err(|e| CheckError::TrustAnchorFile {
                    path: path.clone(),
                    reason: e.to_string(),
                })?
            }
            TrustAnchor::Text(text) => text.clone(),
        };
        let (keys, digests) = parse(&text)?;
        if keys.is_empty() && digests.is_empty() {
            return Err(CheckError::TrustAnchor(
                "no DNSKEY or DS record in the anchor".into(),
            ));
        }
        Ok(Anchor::Records { keys, digests })
    }

    /// The zones the anchor is for, without the root dot: `""` for the root.
    pub(crate) fn zones(&self) -> Vec<String> {
        let mut zones: Vec<String> = match self {
            Anchor::IanaRoot => vec![String::new()],
            Anchor::Records { keys, digests } => keys
                .iter()
                .map(|(name, _)| name)
                .chain(digests.iter().map(|(name, _)| name))
                .map(without_root_dot)
                .collect(),
        };
        zones.sort();
        zones.dedup();
        zones
    }

    /// The keys to validate from: the DNSKEY records, and the published keys that
    /// the DS records match.
    pub(crate) fn trust(&self, dns: &Dns) -> Result<TrustAnchors, CheckError> {
        let Anchor::Records { keys, digests } = self else {
            return Ok(TrustAnchors::default());
        };
        let mut anchors = TrustAnchors::empty();
        for (name, key) in keys.iter().chain(&primed(digests, dns)?) {
            anchors.insert_with_name(key.public_key(), LowerName::from(name));
        }
        Ok(anchors)
    }
}

type Keys = Vec<(Name, DNSKEY)>;

/// The DNSKEY and DS records of the text, one a line (parentheses may continue a
/// record over lines; `;` starts a comment): owner, optional TTL and class,
/// type, data. hickory's zone parser refuses DNSKEY records and its anchor
/// parser DS records, hence this one.
fn parse(text: &str) -> Result<(Keys, Vec<(Name, DS)>), CheckError> {
    let mut keys = Vec::new();
    let mut digests = Vec::new();
    for (number, record) in records(text) {
        let bad = |why: &str| CheckError::TrustAnchor(format!("record {number}: {why}"));
        let mut fields = record.iter().map(String::as_str);
        let owner = fields.next().ok_or_else(|| bad("empty"))?;
        let name = Name::from_ascii(owner).map_err(|e| bad(&e.to_string()))?;
        let mut fields =
            fields.skip_while(|f| f.eq_ignore_ascii_case("IN") || f.parse::<u32>().is_ok());
        let kind = fields.next().map(str::to_ascii_uppercase);
        let data: Vec<&str> = fields.collect();
        match kind.as_deref() {
            Some("DNSKEY") => keys.push((name, dnskey(&data).map_err(|e| bad(&e))?)),
            Some("DS") => digests.push((name, ds(&data).map_err(|e| bad(&e))?)),
            _ => return Err(bad("not a DNSKEY or DS record")),
        }
    }
    Ok((keys, digests))
}

/// The records of the text as fields, with the line each starts on.
fn records(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut records = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let content = line.split(';').next().unwrap_or_default();
        for field in content
            .replace('(', " ( ")
            .replace(')', " ) ")
            .split_whitespace()
        {
            match field {
                "(" => depth += 1,
                ")" => depth = depth.saturating_sub(1),
                other => {
                    let (_, fields) = current.get_or_insert_with(|| (i + 1, Vec::new()));
                    fields.push(other.to_string());
                }
            }
        }
        if depth == 0 {
            records.extend(current.take());
        }
    }
    records.extend(current);
    records
}

/// `flags protocol algorithm key` (RFC 4034 §2.2).
fn dnskey(data: &[&str]) -> Result<DNSKEY, String> {
    let [flags, protocol, algorithm, key @ ..] = data else {
        return Err("a DNSKEY record needs flags, protocol, algorithm and key".into());
    };
    if *protocol != "3" {
        return Err(format!("protocol {protocol}, not 3"));
    }
    let key = base64::engine::general_purpose::STANDARD
        .decode(key.concat())
        .map_err(|e| format!("the key is not base64: {e}"))?;
    Ok(DNSKEY::with_flags(
        number(flags)?,
        PublicKeyBuf::new(key, Algorithm::from_u8(number(algorithm)?)),
    ))
}

/// `key-tag algorithm digest-type digest` (RFC 4034 §5.3).
fn ds(data: &[&str]) -> Result<DS, String> {
    let [tag, algorithm, digest_type, digest @ ..] = data else {
        return Err("a DS record needs key tag, algorithm, digest type and digest".into());
    };
    let digest = digest.concat();
    let bytes = (0..digest.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digest.get(i..i + 2).unwrap_or("x"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| "the digest is not hexadecimal".to_string())?;
    Ok(DS::new(
        number(tag)?,
        Algorithm::from_u8(number(algorithm)?),
        DigestType::from(number::<u8>(digest_type)?),
        bytes,
    ))
}

fn number<T: std::str::FromStr>(field: &str) -> Result<T, String> {
    field
        .parse()
        .map_err(|_| format!("{field:?} is not a number in range"))
}

/// The keys the DS records name, fetched from their zones.
fn primed(digests: &[(Name, DS)], dns: &Dns) -> Result<Keys, CheckError> {
    let mut names: Vec<&Name> = digests.iter().map(|(name, _)| name).collect();
    names.dedup();
    let mut keys = Vec::new();
    for name in names {
        let zone = match without_root_dot(name) {
            root if root.is_empty() => "the root".to_string(),
            other => other,
        };
        let published = match dns.dnskeys(&without_root_dot(name)) {
            Lookup::Found(answer) => answer.records,
            Lookup::Failed(error) => {
                return Err(CheckError::TrustAnchor(format!(
                    "the DNSKEY records of {zone}, which the DS anchor names, could not be \
                     fetched: {error}"
                )));
            }
            _ => Vec::new(),
        };
        let matching = published.into_iter().filter(|key| {
            digests
                .iter()
                .any(|(n, ds)| n == name && ds.covers(name, key).unwrap_or(false))
        });
        let before = keys.len();
        keys.extend(matching.map(|key| (name.clone(), key)));
        if keys.len() == before {
            return Err(CheckError::TrustAnchor(format!(
                "no DNSKEY record of {zone} matches the DS anchor"
            )));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use hickory_resolver::proto::dnssec::PublicKey;

    use super::*;

    /// unbound-anchor's `root.key`: a DS record with its comments.
    const ROOT_KEY_DS: &str = "; autotrust trust anchor file\n\
        ;;id: . 1\n\
        . 86400 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D ;;state=2\n";

    #[test]
    fn anchor_ds_records_parse_as_in_unbound_root_key() {
        let (keys, digests) = parse(ROOT_KEY_DS).expect("parses");
        assert!(keys.is_empty());
        let [(name, ds)] = &digests[..] else {
            panic!("{digests:?}");
        };
        assert!(name.is_root());
        assert_eq!(ds.key_tag(), 20326);
        assert_eq!(u8::from(ds.algorithm()), 8);
        assert_eq!(u8::from(ds.digest_type()), 2);
        assert_eq!(ds.digest()[..2], [0xe0, 0x6d]);
    }

    #[test]
    fn anchor_dnskey_records_may_span_lines_in_parentheses() {
        let text = ". IN DNSKEY 257 3 13 (\n  mdsswUyr3DPW132mOi8V9xESWE8jTo0d\n  xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== ) ; KSK\n";
        let (keys, digests) = parse(text).expect("parses");
        assert!(digests.is_empty());
        let [(name, key)] = &keys[..] else {
            panic!("{keys:?}");
        };
        assert!(name.is_root());
        assert_eq!(key.flags(), 257);
        assert_eq!(key.public_key().public_bytes().len(), 64);
    }

    #[test]
    fn anchor_other_records_and_bad_fields_are_refused_with_their_line() {
        let error = |text: &str| parse(text).expect_err("refused").to_string();
        assert!(error("\n. IN A 192.0.2.1").contains("record 2: not a DNSKEY or DS record"));
        assert!(error(". IN DNSKEY 257 2 13 AAAA").contains("protocol 2, not 3"));
        assert!(error(". IN DS 20326 8 2 E0G6").contains("not hexadecimal"));
        assert!(error(". IN DS 99999 8 2 E06D").contains("not a number"));
        assert!(
            Anchor::read(&TrustAnchor::Text("; nothing\n".into()))
                .expect_err("empty")
                .to_string()
                .contains("no DNSKEY or DS record")
        );
    }
}
