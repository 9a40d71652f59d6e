//! The policy domain: the name the user typed, normalised to the A-label form that
//! RFC 8461 §3.2 and RFC 8460 §4.4 require.

use std::net::IpAddr;

use super::error::CheckError;

/// A domain name in lower-case A-labels, without the root dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The A-label form, e.g. `xn--bcher-kva.example`.
    pub ascii: String,
    /// What the user typed, when it differs from `ascii` by more than case and the
    /// root dot (an IDN given in U-labels).
    pub unicode_input: Option<String>,
}

impl Domain {
    /// Normalises a domain: trims it, strips one trailing dot, converts an IDN to
    /// A-labels and lower-cases it. Address literals are refused: a policy is
    /// looked up by domain name only (RFC 8461 §3.4).
    pub fn parse(input: &str) -> Result<Domain, CheckError> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        let invalid = |why: &str| CheckError::InvalidDomain {
            domain: input.to_string(),
            reason: why.to_string(),
        };
        if trimmed.starts_with('[') || trimmed.parse::<IpAddr>().is_ok() {
            return Err(invalid("an address literal is not a policy domain"));
        }
        let ascii = idna::domain_to_ascii(trimmed).map_err(|e| invalid(&e.to_string()))?;
        check_hostname(&ascii).map_err(|why| invalid(&why))?;
        if !ascii.contains('.') {
            return Err(invalid("a policy domain has at least two labels"));
        }
        let unicode_input = (ascii != trimmed.to_ascii_lowercase()).then(|| trimmed.to_string());
        Ok(Domain {
            ascii,
            unicode_input,
        })
    }

    /// The policy host `mta-sts.<domain>` (RFC 8461 §3.3).
    pub fn policy_host(&self) -> String {
        format!("mta-sts.{}", self.ascii)
    }
}

/// Checks a host name against the RFC 5321 `Domain` syntax: dot-separated labels of
/// letters, digits and inner hyphens, 1-63 characters each, at most 253 in all.
pub fn check_hostname(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err(format!("{} characters (1 to 253 allowed)", name.len()));
    }
    for label in name.split('.') {
        check_label(label)?;
    }
    Ok(())
}

fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("empty label".to_string());
    }
    if label.len() > 63 {
        return Err(format!("label {label:?} is longer than 63 characters"));
    }
    if !label
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "label {label:?} has characters other than letters, digits and hyphens"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("label {label:?} starts or ends with a hyphen"));
    }
    Ok(())
}

/// Whether `host` is `name` (lowercase, no final dot) or, for a wildcard, exactly
/// one label more on the left of it: the matching of MX patterns (RFC 8461
/// Appendix B) and of certificate names (RFC 6125 §6.4.3) alike. Case-insensitive;
/// a final dot of `host` is ignored.
pub fn name_matches(wildcard: bool, name: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if !wildcard {
        return host == name;
    }
    host.split_once('.')
        .is_some_and(|(first, rest)| !first.is_empty() && rest == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_lowercases_and_strips_the_root_dot() {
        let d = Domain::parse(" Example.COM. ").unwrap();
        assert_eq!(d.ascii, "example.com");
        assert_eq!(d.unicode_input, None);
    }

    #[test]
    fn a1_converts_an_idn_to_a_labels() {
        let d = Domain::parse("Bücher.example").unwrap();
        assert_eq!(d.ascii, "xn--bcher-kva.example");
        assert_eq!(d.unicode_input.as_deref(), Some("Bücher.example"));
        assert_eq!(d.policy_host(), "mta-sts.xn--bcher-kva.example");
    }

    #[test]
    fn a1_rejects_address_literals() {
        assert!(Domain::parse("192.0.2.1").is_err());
        assert!(Domain::parse("[2001:db8::1]").is_err());
        assert!(Domain::parse("2001:db8::1").is_err());
    }

    #[test]
    fn a1_rejects_bad_labels() {
        assert!(Domain::parse("exa mple.com").is_err());
        assert!(Domain::parse("-bad.example").is_err());
        assert!(Domain::parse("a..example").is_err());
        assert!(Domain::parse("localhost").is_err());
        assert!(Domain::parse(&format!("{}.example", "a".repeat(64))).is_err());
    }
}
