//! A local world for the checker, all in-process on loopback addresses with
//! ephemeral ports: an authoritative DNS server under a signed test root, an
//! HTTPS policy host and SMTP servers, with a test CA and a rogue CA.

pub mod dns;
pub mod dnssec;
pub mod https;
pub mod pki;
pub mod smtp;
pub mod tlsa;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use tlsrpt_analyzer::checker::{
    CheckConfig, CheckError, CheckReport, Clock, Roots, TrustAnchor, check,
};
use tokio::runtime::Runtime;

use self::dns::{DnsServer, Faults};
use self::dnssec::{Fixture, Tamper};
use self::https::{PolicyHost, Route, SniCerts};
use self::pki::{Leaf, pki};
use self::smtp::{Script, SmtpServers};

/// No check may take longer than this; a hang fails the test instead.
const WATCHDOG: Duration = Duration::from_secs(60);

/// The runtime that runs every server of the test binary.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime")
    })
}

#[derive(Default)]
pub struct WorldBuilder {
    zones: Vec<Fixture>,
    faults: Faults,
    routes: HashMap<String, Route>,
    https_certs: HashMap<String, Leaf>,
    silent_https: bool,
    trickle_tls: bool,
    tls12_only: bool,
    smtp: Vec<(Ipv4Addr, Script)>,
    smtp_certs: HashMap<String, Leaf>,
    timeout: Option<Duration>,
    clock: Option<SystemTime>,
}

impl WorldBuilder {
    /// An unsigned zone: insecurely delegated from the signed `test.` zone.
    pub fn zone(mut self, text: &str) -> Self {
        self.zones.push(Fixture {
            text: text.to_string(),
            signed: None,
        });
        self
    }

    /// A signed zone, with a DS record in `test.`. TLSA placeholders of the text
    /// (see [`tlsa`]) become the records of the certificates served.
    pub fn signed_zone(self, text: &str) -> Self {
        self.tampered_zone(text, &[])
    }

    /// A signed zone whose signatures have these faults.
    pub fn tampered_zone(mut self, text: &str, tampers: &[Tamper]) -> Self {
        self.zones.push(Fixture {
            text: text.to_string(),
            signed: Some(tampers.to_vec()),
        });
        self
    }

    /// Queries for `name` and the names below it are answered after `delay`.
    pub fn slow_dns(mut self, name: &str, delay: Duration) -> Self {
        self.faults.slow.push((name.to_string(), delay));
        self
    }

    pub fn servfail(mut self, name: &str) -> Self {
        self.faults.servfail.push(name.to_string());
        self
    }

    pub fn silent_dns(mut self, name: &str) -> Self {
        self.faults.silent.push(name.to_string());
        self
    }

    /// The DNS server takes every query and never answers one.
    pub fn mute_dns(mut self) -> Self {
        self.faults.mute = true;
        self
    }

    /// The DNS server answers every query NXDOMAIN, the root's too.
    pub fn nxdomain_dns(mut self) -> Self {
        self.faults.nxdomain_everything = true;
        self
    }

    /// Serves `route` at `https://mta-sts.<domain>/.well-known/mta-sts.txt`,
    /// with a good certificate unless [`Self::https_cert`] says otherwise.
    pub fn policy(mut self, domain: &str, route: Route) -> Self {
        let host = format!("mta-sts.{domain}");
        self.https_certs
            .entry(host.clone())
            .or_insert_with(|| Leaf::good(&host));
        self.routes.insert(host, route);
        self
    }

    /// The certificate the policy host presents for SNI `host`.
    pub fn https_cert(mut self, host: &str, leaf: Leaf) -> Self {
        self.https_certs.insert(host.to_string(), leaf);
        self
    }

    /// The policy host accepts connections and never answers.
    pub fn silent_https(mut self) -> Self {
        self.silent_https = true;
        self
    }

    /// The policy host answers the TLS handshake with a record header and then one
    /// byte every 100 ms, forever.
    pub fn trickle_tls(mut self) -> Self {
        self.trickle_tls = true;
        self
    }

    /// The policy host speaks TLS 1.2 only.
    pub fn tls12_only(mut self) -> Self {
        self.tls12_only = true;
        self
    }

    /// An SMTP server at `ip` for the MX `name`, with a good certificate unless
    /// [`Self::mx_cert`] says otherwise.
    pub fn mx(mut self, ip: [u8; 4], name: &str, script: Script) -> Self {
        self.smtp.push((Ipv4Addr::from(ip), script));
        self.smtp_certs
            .entry(name.to_string())
            .or_insert_with(|| Leaf::good(name));
        self
    }

    pub fn mx_cert(mut self, name: &str, leaf: Leaf) -> Self {
        self.smtp_certs.insert(name.to_string(), leaf);
        self
    }

    pub fn timeout(mut self, seconds: f64) -> Self {
        self.timeout = Some(Duration::from_secs_f64(seconds));
        self
    }

    pub fn clock(mut self, now: SystemTime) -> Self {
        self.clock = Some(now);
        self
    }

    pub fn start(self) -> World {
        let smtp_certs = certs(&self.smtp_certs);
        let zones: Vec<Fixture> = self
            .zones
            .iter()
            .map(|fixture| Fixture {
                text: tlsa::expand(&fixture.text, &smtp_certs.0),
                ..fixture.clone()
            })
            .collect();
        let dns = DnsServer::start(&zones, self.faults);
        let https_options = https::Options {
            silent: self.silent_https,
            trickle_tls: self.trickle_tls,
            tls12_only: self.tls12_only,
        };
        let https = PolicyHost::start(certs(&self.https_certs), self.routes, https_options);
        let smtp = (!self.smtp.is_empty()).then(|| SmtpServers::start(self.smtp, smtp_certs));
        let config = CheckConfig {
            dns_server: Some(dns.addr),
            roots: Roots::Pem(pki().ca_pem.clone()),
            trust_anchor: TrustAnchor::Text(dns.anchor.clone()),
            https_port: https.addr.port(),
            smtp_port: smtp.as_ref().map_or(1, |s| s.port),
            timeout: self.timeout.unwrap_or(Duration::from_secs(3)),
            no_smtp: smtp.is_none(),
            clock: self.clock.map_or(Clock::System, Clock::Fixed),
        };
        World {
            anchor_ds: dns.anchor_ds.clone(),
            _dns: dns,
            _https: https,
            _smtp: smtp,
            config,
        }
    }
}

fn certs(leaves: &HashMap<String, Leaf>) -> SniCerts {
    SniCerts(
        leaves
            .iter()
            .map(|(sni, leaf)| (sni.clone(), pki().certified(leaf)))
            .collect(),
    )
}

/// The running servers and the configuration that points the checker at them.
pub struct World {
    /// The trust anchor as the root's DS record, for `--trust-anchor` files.
    pub anchor_ds: String,
    _dns: DnsServer,
    _https: PolicyHost,
    _smtp: Option<SmtpServers>,
    pub config: CheckConfig,
}

impl World {
    pub fn builder() -> WorldBuilder {
        WorldBuilder::default()
    }

    pub fn check(&self, domain: &str) -> CheckReport {
        match self.try_check(domain) {
            Ok(report) => report,
            Err(error) => panic!("the check of {domain} could not run: {error}"),
        }
    }

    /// Runs the check on its own thread, under a watchdog.
    pub fn try_check(&self, domain: &str) -> Result<CheckReport, CheckError> {
        let config = self.config.clone();
        let domain = domain.to_string();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let cancel = AtomicBool::new(false);
            let result = check(&domain, &config, &mut |_, _| {}, &cancel);
            let _ = sender.send(result);
        });
        receiver
            .recv_timeout(WATCHDOG)
            .unwrap_or_else(|_| panic!("the check did not finish within {WATCHDOG:?}"))
    }
}
