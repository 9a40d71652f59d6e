//! `tlsrpt-analyzer check`: the domain checker on the command line.
//!
//! Exit status: 0 when no finding is a failure, 1 when one is, 2 when the check
//! could not run (bad arguments, unreadable CA or trust anchor file, no DNS server
//! answering).

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context;
use tlsrpt_analyzer::checker::{self, CheckConfig, Roots, Step, TrustAnchor};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The domain to check (an IDN is checked as its A-labels).
    pub domain: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Do not probe the MX hosts over SMTP (outgoing port 25 is often blocked).
    #[arg(long)]
    pub no_smtp: bool,
    /// Limit for each network operation, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_timeout)]
    pub timeout: f64,
    /// Send every DNS query to this server instead of the system's resolvers.
    #[arg(long, value_name = "IP:PORT")]
    pub dns_server: Option<SocketAddr>,
    /// Trust only the certificates of this PEM file instead of the WebPKI roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Validate DNSSEC from the DNSKEY or DS records of this file (zone-file
    /// format, as unbound's root.key) instead of the built-in root keys.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,
    /// Port of the policy host.
    #[arg(long, value_name = "N", default_value_t = 443)]
    pub https_port: u16,
    /// SMTP port of the MX hosts.
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub smtp_port: u16,
}

fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 600.0 => Ok(secs),
        _ => Err("a number of seconds above 0, at most 600".to_string()),
    }
}

impl CheckArgs {
    fn config(&self) -> CheckConfig {
        CheckConfig {
            dns_server: self.dns_server,
            roots: self.ca_file.clone().map_or(Roots::WebPki, Roots::PemFile),
            trust_anchor: self
                .trust_anchor
                .clone()
                .map_or(TrustAnchor::IanaRoot, TrustAnchor::File),
            https_port: self.https_port,
            smtp_port: self.smtp_port,
            timeout: Duration::from_secs_f64(self.timeout),
            no_smtp: self.no_smtp,
            ..CheckConfig::default()
        }
    }
}

pub fn run(args: &CheckArgs) -> anyhow::Result<()> {
    let cancel = AtomicBool::new(false);
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |step: Step, what: &str| {
        if terminal {
            eprint!("\r\x1b[K{}: {what}", step.title());
        }
    };
    let result = checker::check(&args.domain, &args.config(), &mut progress, &cancel);
    if terminal {
        eprint!("\r\x1b[K");
    }
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    let text = match args.format {
        Format::Text => checker::text::render(&report),
        Format::Json => {
            serde_json::to_string_pretty(&report).context("serializing the report")? + "\n"
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("writing to standard output")?;
    stdout.flush().context("writing to standard output")?;
    if report.has_failure() {
        std::process::exit(1);
    }
    Ok(())
}
