//! The `mx` patterns of a policy and how senders match MX hosts against them
//! (RFC 8461 §3.2, §4.1 and Appendix B):
//!
//! ```text
//! sts-policy-mx-value = ["*."] Domain
//! ```
//!
//! "a leading '*.' ... matches exactly one label": `*.example.com` matches
//! `mail.example.com` but neither `example.com` nor `a.b.example.com`.

use std::fmt;
use std::net::Ipv4Addr;

use super::domain::check_hostname;

/// One `mx` value of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxPattern {
    /// The pattern started with `*.`.
    pub wildcard: bool,
    /// The domain after the optional `*.`, in lower case, without the root dot.
    pub domain: String,
}

/// A pattern that is usable but worth a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternWarning {
    /// `mail.example.com.`: senders compare names without the root dot.
    TrailingDot,
}

impl MxPattern {
    /// Parses an `mx` value. Errors name the rule broken.
    pub fn parse(value: &str) -> Result<(MxPattern, Option<PatternWarning>), String> {
        if value.contains("://") || value.contains('/') {
            return Err("a URL is not an MX pattern; give the host name".to_string());
        }
        if value.contains(':') || value.starts_with('[') {
            return Err("ports and IPv6 literals are not allowed".to_string());
        }
        if value.starts_with('.') {
            return Err("a leading \".\" is the old draft syntax; write \"*.\"".to_string());
        }
        let (wildcard, rest) = match value.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        if rest.contains('*') {
            return Err("\"*\" is only allowed as the whole leftmost label (\"*.\")".to_string());
        }
        let (domain, warning) = match rest.strip_suffix('.') {
            Some(stripped) => (stripped, Some(PatternWarning::TrailingDot)),
            None => (rest, None),
        };
        if !domain.is_ascii() {
            let hint = idna::domain_to_ascii(domain)
                .map(|a| format!(" ({a:?})"))
                .unwrap_or_default();
            return Err(format!("names must be A-labels{hint}"));
        }
        if domain.parse::<Ipv4Addr>().is_ok() {
            return Err("an IP address is not an MX pattern".to_string());
        }
        check_hostname(domain)?;
        let domain = domain.to_ascii_lowercase();
        Ok((MxPattern { wildcard, domain }, warning))
    }

    /// Appendix B `policyMatches`: exact, case-insensitive; or, for `*.`, exactly
    /// one more label on the left.
    pub fn matches(&self, host: &str) -> bool {
        super::domain::name_matches(self.wildcard, &self.domain, host)
    }

    /// A wildcard directly under a top-level domain, such as `*.com`, lets any
    /// host there receive the domain's mail (§10.4 "weak policy constraints").
    pub fn is_overbroad(&self) -> bool {
        self.wildcard && !self.domain.contains('.')
    }
}

impl fmt::Display for MxPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> MxPattern {
        MxPattern::parse(text).unwrap().0
    }

    #[test]
    fn e2_exact_pattern_matches_case_insensitively() {
        assert!(pattern("mail.example.com").matches("MAIL.example.com."));
        assert!(!pattern("mail.example.com").matches("mail2.example.com"));
    }

    #[test]
    fn e2_wildcard_matches_exactly_one_label() {
        let p = pattern("*.example.com");
        assert!(p.matches("mail.example.com"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches("a.b.example.com"));
        assert!(!p.matches(".example.com"));
    }

    #[test]
    fn d6_rejects_draft_leading_dot_bare_star_and_inner_star() {
        assert!(MxPattern::parse(".example.com").is_err());
        assert!(MxPattern::parse("*").is_err());
        assert!(MxPattern::parse("*foo.example.com").is_err());
        assert!(MxPattern::parse("mail.*.example.com").is_err());
    }

    #[test]
    fn d6_rejects_ips_ports_and_urls() {
        assert!(MxPattern::parse("192.0.2.1").is_err());
        assert!(MxPattern::parse("mail.example.com:25").is_err());
        assert!(MxPattern::parse("https://mail.example.com").is_err());
        assert!(MxPattern::parse("[2001:db8::1]").is_err());
    }

    #[test]
    fn d6_requires_a_labels() {
        let err = MxPattern::parse("mail.bücher.example").unwrap_err();
        assert!(err.contains("xn--bcher-kva"), "{err}");
    }

    #[test]
    fn d6_trailing_dot_is_a_warning() {
        let (p, warning) = MxPattern::parse("mail.example.com.").unwrap();
        assert_eq!(p.domain, "mail.example.com");
        assert_eq!(warning, Some(PatternWarning::TrailingDot));
    }

    #[test]
    fn e4_wildcard_under_a_tld_is_overbroad() {
        assert!(pattern("*.com").is_overbroad());
        assert!(!pattern("*.example.com").is_overbroad());
    }
}
