//! What the checker talks to: the DNS server, the trusted roots, the DNSSEC trust
//! anchor, the ports, the timeout and the clock. The defaults are those of a sending
//! MTA on the Internet; tests point every knob at local servers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// The certificate authorities that certificates must chain to.
#[derive(Clone, Debug, Default)]
pub enum Roots {
    /// The Mozilla root store (`webpki-roots`), with no AIA chasing, so that a
    /// missing intermediate shows up as it does for MTAs.
    #[default]
    WebPki,
    /// Only the certificates of this PEM file.
    PemFile(PathBuf),
    /// Only the certificates of this PEM text.
    Pem(String),
}

/// Where DNSSEC validation of the DANE lookups starts (RFC 4035 §4.3).
#[derive(Clone, Debug, Default)]
pub enum TrustAnchor {
    /// The root zone's key-signing keys built into hickory (key tags 20326 and
    /// 38696).
    #[default]
    IanaRoot,
    /// DNSKEY or DS records in zone-file presentation format, as in unbound's
    /// `root.key`, read from this file.
    File(PathBuf),
    /// The same records as text.
    Text(String),
}

/// The time against which certificate dates are checked.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// A fixed instant, to check certificates as they will be (or were) then.
    Fixed(SystemTime),
}

impl Clock {
    pub fn now(self) -> SystemTime {
        match self {
            Clock::System => SystemTime::now(),
            Clock::Fixed(time) => time,
        }
    }
}

/// How to run a check.
#[derive(Clone, Debug)]
pub struct CheckConfig {
    /// The DNS server every query goes to; `None` uses the system's resolvers.
    pub dns_server: Option<SocketAddr>,
    pub roots: Roots,
    pub trust_anchor: TrustAnchor,
    /// The port of the policy host (443 on the Internet).
    pub https_port: u16,
    /// The SMTP port of the MX hosts (25 on the Internet).
    pub smtp_port: u16,
    /// The limit for each network operation: a DNS query, a TCP connection, an SMTP
    /// reply, a TLS handshake, the whole policy fetch.
    pub timeout: Duration,
    /// Skip the STARTTLS probes of the MX hosts (port 25 is often blocked).
    pub no_smtp: bool,
    pub clock: Clock,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            dns_server: None,
            roots: Roots::WebPki,
            trust_anchor: TrustAnchor::IanaRoot,
            https_port: 443,
            smtp_port: 25,
            timeout: Duration::from_secs(10),
            no_smtp: false,
            clock: Clock::System,
        }
    }
}
