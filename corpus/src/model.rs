//! Randomly drawn reports in the shapes real producers send.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand::rngs::StdRng;

/// The producers whose report shapes are imitated (see design/report-quirks.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producer {
    Google,
    Microsoft,
    MailRu,
    Postfix,
    Stalwart,
    /// A small sender with naive date-times, string counts and a BOM.
    Sloppy,
}

impl Producer {
    pub const ALL: [Producer; 6] = [
        Producer::Google,
        Producer::Microsoft,
        Producer::MailRu,
        Producer::Postfix,
        Producer::Stalwart,
        Producer::Sloppy,
    ];

    pub fn organization(self) -> &'static str {
        match self {
            Producer::Google => "Google Inc.",
            Producer::Microsoft => "Microsoft Corporation",
            Producer::MailRu => "Mail.ru",
            Producer::Postfix => "mail.postfix-site.example",
            Producer::Stalwart => "mx.stalwart-site.example",
            Producer::Sloppy => "Sloppy Mailer Ltd",
        }
    }

    pub fn submitter(self) -> &'static str {
        match self {
            Producer::Google => "google.com",
            Producer::Microsoft => "microsoft.com",
            Producer::MailRu => "mail.ru",
            Producer::Postfix => "mail.postfix-site.example",
            Producer::Stalwart => "mx.stalwart-site.example",
            Producer::Sloppy => "sloppy.example",
        }
    }
}

/// A generated report: the truth the expected totals are computed from.
#[derive(Debug, Clone)]
pub struct GenReport {
    pub producer: Producer,
    pub report_id: String,
    /// The receiving domain the report is about (also when no policy names it).
    pub domain: String,
    pub day: NaiveDate,
    pub contact_info: Option<String>,
    pub policies: Vec<GenPolicy>,
}

#[derive(Debug, Clone)]
pub struct GenPolicy {
    /// "sts", "tlsa" or "no-policy-found".
    pub policy_type: &'static str,
    /// `None` only for Postfix's no-policy-found.
    pub policy_domain: Option<String>,
    pub policy_string: Vec<String>,
    pub mx_host: Vec<String>,
    pub successful: u64,
    /// "total-failure-session-count" as sent (may disagree with the details).
    pub failed: u64,
    pub details: Vec<GenDetail>,
}

#[derive(Debug, Clone)]
pub struct GenDetail {
    pub result_type: &'static str,
    pub sending_mta_ip: Option<String>,
    pub receiving_ip: Option<String>,
    pub receiving_mx_hostname: Option<String>,
    pub receiving_mx_helo: Option<String>,
    pub count: u64,
    pub failure_reason_code: Option<String>,
}

impl GenReport {
    pub fn start(&self) -> DateTime<Utc> {
        self.day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// Seconds since the epoch of the start, and of the end as the producer writes it.
    pub fn epoch_range(&self) -> (i64, i64) {
        let start = self.start();
        let end = match self.producer {
            Producer::MailRu | Producer::Stalwart => start + Duration::days(1),
            _ => start + Duration::seconds(86_399),
        };
        (start.timestamp(), end.timestamp())
    }
}

const RESULT_TYPES: [&str; 12] = [
    "starttls-not-supported",
    "certificate-host-mismatch",
    "certificate-expired",
    "certificate-not-trusted",
    "validation-failure",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-policy-fetch-error",
    "sts-policy-invalid",
    "sts-webpki-invalid",
    // Not in the RFC registry; kept verbatim by readers.
    "Testing",
];

/// A Go HTTP error with embedded quotes, as Google writes into failure-reason-code.
const GO_ERROR: &str = r#"Get "https://mta-sts.example.com/.well-known/mta-sts.txt": x509: certificate signed by unknown authority"#;

/// Draws report number `index` of a corpus spanning `days` days from `first_day`
/// over `domains` receiving domains. (producer, day, domain) is unique per index.
pub fn draw_report(
    rng: &mut StdRng,
    index: usize,
    first_day: NaiveDate,
    days: usize,
    domains: &[String],
) -> GenReport {
    let producers = Producer::ALL.len();
    let producer = Producer::ALL[index % producers];
    let slot = index / producers;
    let day = first_day + Duration::days((slot % days) as i64);
    let domain = domains[(slot / days) % domains.len()].clone();
    let date = day.format("%Y-%m-%d");
    let report_id = match producer {
        Producer::Google => format!("{date}T00:00:00Z_{domain}"),
        Producer::Microsoft => format!("{}+{domain}", 133_000_000_000_000_000u64 + index as u64),
        Producer::MailRu => format!(
            "{:08x}-7b2e-be36-bb5c-{:012x}@mail.ru",
            index,
            rng.random::<u64>() >> 16
        ),
        Producer::Postfix => format!("{date}T00:00:00Z_idx1_{domain}"),
        Producer::Stalwart => format!("{}_{}", day_epoch(day), rng.random::<u64>()),
        Producer::Sloppy => format!("sloppy-{index}-{domain}"),
    };
    let contact_info = match producer {
        Producer::Stalwart => None,
        Producer::Google => Some("smtp-tls-reporting@google.com".into()),
        Producer::Microsoft => Some("tlsrpt-noreply@microsoft.com".into()),
        other => Some(format!("tlsrpt@{}", other.submitter())),
    };
    // Each domain moves from a testing policy to an enforce policy half-way through;
    // Microsoft keeps applying the cached old policy for a few days longer.
    let switch = (days / 2 + (slot / days) % 7) as i64
        + if producer == Producer::Microsoft {
            4
        } else {
            0
        };
    let enforcing = (day - first_day).num_days() >= switch;
    let policies = draw_policies(rng, producer, &domain, enforcing);
    GenReport {
        producer,
        report_id,
        domain,
        day,
        contact_info,
        policies,
    }
}

/// On the incident day, a tenth of each STS policy's successful sessions fail
/// with an expired certificate at the domain's first MX (no random draw: the
/// rest of the corpus stays as without an incident).
pub fn incident(report: &mut GenReport, day: Option<NaiveDate>) {
    if day != Some(report.day) {
        return;
    }
    for policy in report
        .policies
        .iter_mut()
        .filter(|p| p.policy_type == "sts")
    {
        let count = policy.successful / 10;
        if count == 0 {
            continue;
        }
        policy.successful -= count;
        policy.failed += count;
        policy.details.push(GenDetail {
            result_type: "certificate-expired",
            sending_mta_ip: None,
            receiving_ip: None,
            receiving_mx_hostname: Some(format!("mx1.{}", report.domain)),
            receiving_mx_helo: None,
            count,
            failure_reason_code: None,
        });
    }
}

fn day_epoch(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
}

fn draw_policies(
    rng: &mut StdRng,
    producer: Producer,
    domain: &str,
    enforcing: bool,
) -> Vec<GenPolicy> {
    let has_sts = !domain.starts_with("nosts");
    let mut policies = Vec::new();
    if !has_sts || rng.random_bool(0.1) {
        let policy_domain = (producer != Producer::Postfix).then(|| domain.to_string());
        policies.push(draw_policy(
            rng,
            producer,
            "no-policy-found",
            policy_domain,
            domain,
            enforcing,
        ));
    } else {
        policies.push(draw_policy(
            rng,
            producer,
            "sts",
            Some(domain.into()),
            domain,
            enforcing,
        ));
    }
    if producer == Producer::Microsoft && rng.random_bool(0.2) {
        policies.push(draw_policy(
            rng,
            producer,
            "tlsa",
            Some(domain.into()),
            domain,
            enforcing,
        ));
    }
    policies
}

fn draw_policy(
    rng: &mut StdRng,
    producer: Producer,
    policy_type: &'static str,
    policy_domain: Option<String>,
    domain: &str,
    enforcing: bool,
) -> GenPolicy {
    let (mode, max_age) = if enforcing {
        ("enforce", 604_800)
    } else {
        ("testing", 86_400)
    };
    let (policy_string, mx_host) = match policy_type {
        "sts" => {
            let strings = vec![
                "version: STSv1".to_string(),
                format!("mode: {mode}"),
                format!("mx: mx1.{domain}"),
                format!("mx: *.mail.{domain}"),
                format!("max_age: {max_age}"),
            ];
            let mx = vec![format!("mx1.{domain}"), format!("*.mail.{domain}")];
            match producer {
                Producer::MailRu => (Vec::new(), Vec::new()),
                _ => (strings, mx),
            }
        }
        "tlsa" => (vec![tlsa_records(domain)], Vec::new()),
        _ => (Vec::new(), Vec::new()),
    };
    let successful = rng.random_range(0..2_000u64);
    let details = if rng.random_bool(0.35) {
        (0..rng.random_range(1..=3))
            .map(|_| draw_detail(rng, producer, domain))
            .collect()
    } else {
        Vec::new()
    };
    let detail_sum: u64 = details.iter().map(|d| d.count).sum();
    // Mail.ru sends details that add up to more than the summary says.
    let failed = if producer == Producer::MailRu && detail_sum > 1 && rng.random_bool(0.5) {
        detail_sum - 1
    } else {
        detail_sum
    };
    GenPolicy {
        policy_type,
        policy_domain,
        policy_string,
        mx_host,
        successful,
        failed,
        details,
    }
}

fn draw_detail(rng: &mut StdRng, producer: Producer, domain: &str) -> GenDetail {
    let result_type = if producer == Producer::Sloppy && rng.random_bool(0.3) {
        RESULT_TYPES[11]
    } else {
        weighted_result_type(rng)
    };
    let no_ips = matches!(producer, Producer::MailRu)
        || (producer == Producer::Microsoft && result_type == "sts-policy-fetch-error");
    let ip = |rng: &mut StdRng, net: &str| {
        format!(
            "{net}.{}.{}",
            rng.random_range(0..256),
            rng.random_range(1..255)
        )
    };
    let sending_mta_ip = if no_ips {
        None
    } else if producer == Producer::Sloppy && rng.random_bool(0.2) {
        Some("x.x.x.x".to_string())
    } else {
        Some(ip(rng, "209.85"))
    };
    let reason = match result_type {
        "sts-policy-fetch-error" if rng.random_bool(0.5) => Some(GO_ERROR.to_string()),
        "sts-policy-fetch-error" => Some("bad https response code: 404".to_string()),
        "certificate-expired" => {
            Some("x509: certificate has expired or is not yet valid".to_string())
        }
        _ => None,
    };
    GenDetail {
        result_type,
        sending_mta_ip,
        receiving_ip: (!no_ips).then(|| ip(rng, "198.51")),
        receiving_mx_hostname: (!no_ips).then(|| format!("mx1.{domain}")),
        receiving_mx_helo: (producer == Producer::Google && !no_ips)
            .then(|| format!("mx1.{domain}")),
        count: rng.random_range(1..200),
        failure_reason_code: reason,
    }
}

/// Result types in roughly the proportions real reports show: mostly missing
/// STARTTLS and certificate trouble, rarely DANE.
fn weighted_result_type(rng: &mut StdRng) -> &'static str {
    const WEIGHTS: [u32; 11] = [30, 15, 10, 8, 10, 2, 2, 2, 15, 3, 3];
    let mut pick = rng.random_range(0..WEIGHTS.iter().sum::<u32>());
    for (weight, result_type) in WEIGHTS.iter().zip(RESULT_TYPES) {
        if pick < *weight {
            return result_type;
        }
        pick -= weight;
    }
    RESULT_TYPES[0]
}

/// Microsoft's TLSA policy string: one string holding a JSON list of the domain's
/// two TLSA records (current and next key), the same every day.
fn tlsa_records(domain: &str) -> String {
    let digest = |salt: u64| {
        let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ salt;
        (0..4)
            .map(|round| {
                for byte in domain.bytes().chain([round as u8]) {
                    hash = (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
                }
                format!("{hash:016X}")
            })
            .collect::<String>()
    };
    format!("[\"3 1 1 {}\",\"3 1 1 {}\"]", digest(1), digest(2))
}
