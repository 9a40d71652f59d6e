//! Decoding of "policy-string" (RFC 8460 §4.4): the policy a sender applied.
//!
//! For MTA-STS it holds the lines of the policy file (RFC 8461 §3.2); for DANE the
//! TLSA records. Microsoft sends the TLSA records as one string holding a JSON array
//! (`["[\"3 1 1 AB…\",\"3 1 1 CD…\"]"]`), which is decoded here too.

use std::fmt;

use super::model::{PolicyType, Text};

/// What a policy string says, as far as it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodedPolicy {
    /// An MTA-STS policy (from an "sts" policy).
    Sts(StsPolicy),
    /// DANE TLSA records (from a "tlsa" policy).
    Tlsa(Vec<TlsaRecord>),
    /// No policy string, or a policy type that has none.
    Empty,
}

/// RFC 8461 §3.2 policy fields, read leniently: the first occurrence of a key wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StsPolicy {
    /// "version", normally "STSv1".
    pub version: Option<String>,
    pub mode: Option<StsMode>,
    /// "mx" patterns, in order.
    pub mx: Vec<String>,
    /// "max_age" in seconds, when it is a number.
    pub max_age: Option<u64>,
    /// Lines that are not `key: value` or have an unknown key.
    pub extra: Vec<String>,
}

/// RFC 8461 §5 policy modes; anything else is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StsMode {
    Enforce,
    Testing,
    None,
    Other(String),
}

impl StsMode {
    pub fn parse(value: &str) -> StsMode {
        match value.trim().to_ascii_lowercase().as_str() {
            "enforce" => StsMode::Enforce,
            "testing" => StsMode::Testing,
            "none" => StsMode::None,
            _ => StsMode::Other(value.trim().to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            StsMode::Enforce => "enforce",
            StsMode::Testing => "testing",
            StsMode::None => "none",
            StsMode::Other(other) => other,
        }
    }
}

impl fmt::Display for StsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One TLSA record (RFC 6698 §2.1): usage, selector, matching type and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsaRecord {
    Parsed {
        usage: u8,
        selector: u8,
        matching_type: u8,
        data: String,
    },
    /// A string that does not look like a TLSA record, kept as sent.
    Unparsed(String),
}

impl DecodedPolicy {
    /// Decodes `policy_string` according to `policy_type`; an unknown type is read as
    /// MTA-STS when its lines look like one.
    pub fn decode(policy_type: &PolicyType, policy_string: &[Text]) -> DecodedPolicy {
        if policy_string.iter().all(|s| s.trim().is_empty()) {
            return DecodedPolicy::Empty;
        }
        match policy_type {
            PolicyType::Tlsa => DecodedPolicy::Tlsa(decode_tlsa(policy_string)),
            PolicyType::Sts => DecodedPolicy::Sts(decode_sts(policy_string)),
            PolicyType::NoPolicyFound | PolicyType::Other(_) => {
                let sts = decode_sts(policy_string);
                if sts.version.is_some() || sts.mode.is_some() {
                    DecodedPolicy::Sts(sts)
                } else {
                    DecodedPolicy::Empty
                }
            }
        }
    }

    /// The MTA-STS mode, if this is an MTA-STS policy that names one.
    pub fn mode(&self) -> Option<&StsMode> {
        match self {
            DecodedPolicy::Sts(sts) => sts.mode.as_ref(),
            _ => None,
        }
    }
}

fn decode_sts(lines: &[Text]) -> StsPolicy {
    let mut policy = StsPolicy::default();
    // A producer may also send the whole policy file as one string.
    for line in lines.iter().flat_map(|l| l.lines()) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            policy.extra.push(line.to_string());
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "version" if policy.version.is_none() => policy.version = Some(value.to_string()),
            "mode" if policy.mode.is_none() => policy.mode = Some(StsMode::parse(value)),
            "mx" => policy.mx.push(value.to_string()),
            "max_age" if policy.max_age.is_none() => policy.max_age = value.parse().ok(),
            _ => policy.extra.push(line.to_string()),
        }
    }
    policy
}

fn decode_tlsa(strings: &[Text]) -> Vec<TlsaRecord> {
    let mut records = Vec::new();
    for s in strings {
        let s = s.trim();
        if s.starts_with('[')
            && let Ok(inner) = serde_json::from_str::<Vec<String>>(s)
        {
            records.extend(inner.iter().map(|r| parse_tlsa(r)));
            continue;
        }
        if !s.is_empty() {
            records.push(parse_tlsa(s));
        }
    }
    records
}

/// Reads "3 1 1 HEX", also with a leading owner name and "IN TLSA" as in zone files.
fn parse_tlsa(text: &str) -> TlsaRecord {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for start in 0..tokens.len().saturating_sub(3) {
        let numbers: Option<Vec<u8>> = tokens[start..start + 3]
            .iter()
            .map(|t| t.parse::<u8>().ok())
            .collect();
        if let Some(n) = numbers {
            return TlsaRecord::Parsed {
                usage: n[0],
                selector: n[1],
                matching_type: n[2],
                data: tokens[start + 3..].concat(),
            };
        }
    }
    TlsaRecord::Unparsed(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[&str]) -> Vec<Text> {
        lines.iter().map(|l| Text::from(*l)).collect()
    }

    #[test]
    fn sts_policy_lines_are_decoded_first_key_wins() {
        let policy = DecodedPolicy::decode(
            &PolicyType::Sts,
            &texts(&[
                "version: STSv1",
                "mode: enforce",
                "mode: none",
                "mx: *.example.com",
                "mx: mx.example.net",
                "max_age: 604800",
            ]),
        );
        let DecodedPolicy::Sts(sts) = policy else {
            panic!("not sts: {policy:?}")
        };
        assert_eq!(sts.version.as_deref(), Some("STSv1"));
        assert_eq!(sts.mode, Some(StsMode::Enforce));
        assert_eq!(sts.mx, ["*.example.com", "mx.example.net"]);
        assert_eq!(sts.max_age, Some(604800));
        assert_eq!(sts.extra, ["mode: none"]);
    }

    #[test]
    fn whole_policy_file_in_one_string() {
        let policy = DecodedPolicy::decode(
            &PolicyType::Sts,
            &texts(&["version: STSv1\r\nmode: testing\r\nmx: mx1.example\r\nmax_age: 86400\r\n"]),
        );
        assert_eq!(policy.mode(), Some(&StsMode::Testing));
    }

    #[test]
    fn microsoft_tlsa_json_array_in_one_string() {
        let policy = DecodedPolicy::decode(
            &PolicyType::Tlsa,
            &texts(&[r#"["3 1 1 6007EEE5","3 1 1 837C773D"]"#]),
        );
        assert_eq!(
            policy,
            DecodedPolicy::Tlsa(vec![
                TlsaRecord::Parsed {
                    usage: 3,
                    selector: 1,
                    matching_type: 1,
                    data: "6007EEE5".into()
                },
                TlsaRecord::Parsed {
                    usage: 3,
                    selector: 1,
                    matching_type: 1,
                    data: "837C773D".into()
                },
            ])
        );
    }

    #[test]
    fn tlsa_in_zone_file_form_and_garbage() {
        let DecodedPolicy::Tlsa(records) = DecodedPolicy::decode(
            &PolicyType::Tlsa,
            &texts(&["_25._tcp.mx.example. IN TLSA 2 0 1 AABB CCDD", "nonsense"]),
        ) else {
            panic!()
        };
        assert_eq!(
            records[0],
            TlsaRecord::Parsed {
                usage: 2,
                selector: 0,
                matching_type: 1,
                data: "AABBCCDD".into()
            }
        );
        assert_eq!(records[1], TlsaRecord::Unparsed("nonsense".into()));
    }

    #[test]
    fn empty_policy_string_is_empty() {
        assert_eq!(
            DecodedPolicy::decode(&PolicyType::Sts, &texts(&[])),
            DecodedPolicy::Empty
        );
        assert_eq!(
            DecodedPolicy::decode(&PolicyType::NoPolicyFound, &texts(&[""])),
            DecodedPolicy::Empty
        );
    }
}
