//! The record generator: from the live MX hosts, the records to publish, ready to
//! copy. Roll-out follows RFC 8461 §8.3: a `testing` policy first, with TLS
//! reports (RFC 8460) to see what would fail, then `enforce`. For DANE, the
//! `3 1 1` record of the key each MX host serves, beside a slot for the next key
//! (RFC 7672 §4).

use std::time::SystemTime;

use serde::Serialize;

use super::cert::to_datetime;
use super::tlsa;

/// `max_age` of the proposed testing policy: one day, so that mistakes expire.
pub const TESTING_MAX_AGE: u64 = super::policy::MAX_AGE_SHORT;
/// `max_age` of the proposed enforce policy: one week ("weeks or greater", §3.2).
pub const ENFORCE_MAX_AGE: u64 = super::policy::MAX_AGE_ENFORCE;

/// A DNS TXT record to publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TxtRecord {
    pub name: String,
    pub value: String,
}

/// Everything to publish for MTA-STS and TLS-RPT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProposedRecords {
    /// `_mta-sts.<domain>` with a fresh id: publish it after the policy file, and
    /// again (with a new id) every time the policy changes (§3.1).
    pub mta_sts_txt: TxtRecord,
    /// Where the policy file goes.
    pub policy_url: String,
    /// The policy file to start with.
    pub policy_testing: String,
    /// The policy file once the reports show no failures.
    pub policy_enforce: String,
    pub tls_rpt_txt: TxtRecord,
    /// DANE-EE `3 1 1` records for the MX hosts whose certificate was seen.
    pub tlsa: Vec<TlsaRecord>,
    /// Remarks on the proposal, e.g. that the domain has a null MX.
    pub notes: Vec<String>,
}

/// A TLSA record to publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsaRecord {
    /// `_25._tcp.<MX host>`.
    pub name: String,
    /// `3 1 1 <hex>`; for the next key, a slot to fill in.
    pub value: String,
    pub key: KeySlot,
}

/// Which key a proposed TLSA record is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySlot {
    /// The key the host serves now.
    Current,
    /// The key that will replace it: its record goes in before the key does.
    Next,
}

/// The slot of the next key's record, to be filled in once the key exists.
pub const NEXT_KEY_SLOT: &str = "3 1 1 <SHA-256 of the next key's SubjectPublicKeyInfo>";

/// Adds the `3 1 1` records of the keys the MX hosts serve, `(host, leaf
/// certificate)`, each with the slot for its next key.
pub fn add_tlsa(records: &mut ProposedRecords, served: &[(&str, &[u8])]) {
    for (host, leaf) in served {
        let Some(digest) = tlsa::association(leaf, 1, 1) else {
            continue;
        };
        let name = format!("_25._tcp.{host}");
        records.tlsa.push(TlsaRecord {
            name: name.clone(),
            value: format!("3 1 1 {}", tlsa::hex(&digest)),
            key: KeySlot::Current,
        });
        records.tlsa.push(TlsaRecord {
            name,
            value: NEXT_KEY_SLOT.to_string(),
            key: KeySlot::Next,
        });
    }
    if !records.tlsa.is_empty() {
        records.notes.push(
            "TLSA records count only in a DNSSEC-signed zone; make the next key now and \
             publish its record beside the current one, TTLs before switching: \
             openssl pkey -in next.key -pubout -outform DER | sha256sum"
                .into(),
        );
    }
}

/// Proposes the records for `domain` (A-labels) with its live MX hosts: the
/// domain itself for the implicit MX, none for a null MX, `None` when the MX
/// lookup failed.
pub fn propose(
    domain: &str,
    mx_hosts: Option<&[String]>,
    rua: Option<&[String]>,
    now: SystemTime,
) -> ProposedRecords {
    let mut notes = Vec::new();
    let (testing, enforce) = match mx_hosts {
        None => {
            notes.push("the MX records could not be read: add one mx line per MX host".into());
            let none: &[String] = &[];
            (
                policy_file("testing", none, TESTING_MAX_AGE),
                policy_file("enforce", none, ENFORCE_MAX_AGE),
            )
        }
        Some([]) => {
            notes.push(
                "no MX host to protect (a null MX or no mail): the policies use mode none".into(),
            );
            (
                policy_file("none", &[], TESTING_MAX_AGE),
                policy_file("none", &[], ENFORCE_MAX_AGE),
            )
        }
        Some(hosts) => (
            policy_file("testing", hosts, TESTING_MAX_AGE),
            policy_file("enforce", hosts, ENFORCE_MAX_AGE),
        ),
    };
    let rua = match rua {
        Some(existing) if !existing.is_empty() => existing.join(","),
        _ => {
            notes.push(format!(
                "create the mailbox tlsrpt@{domain} for the reports, or change rua"
            ));
            format!("mailto:tlsrpt@{domain}")
        }
    };
    let id = to_datetime(now).format("%Y%m%d%H%M%S");
    ProposedRecords {
        mta_sts_txt: TxtRecord {
            name: format!("_mta-sts.{domain}"),
            value: format!("v=STSv1; id={id}"),
        },
        policy_url: format!("https://mta-sts.{domain}/.well-known/mta-sts.txt"),
        policy_testing: testing,
        policy_enforce: enforce,
        tls_rpt_txt: TxtRecord {
            name: format!("_smtp._tls.{domain}"),
            value: format!("v=TLSRPTv1; rua={rua}"),
        },
        tlsa: Vec::new(),
        notes,
    }
}

/// A policy file with LF line ends, which the ABNF allows (errata 6253).
fn policy_file(mode: &str, mx_hosts: &[String], max_age: u64) -> String {
    let mut text = format!("version: STSv1\nmode: {mode}\n");
    for host in mx_hosts {
        text.push_str(&format!("mx: {host}\n"));
    }
    text.push_str(&format!("max_age: {max_age}\n"));
    text
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::super::{policy, sts_record, tlsrpt_record};
    use super::*;

    fn proposal() -> ProposedRecords {
        let hosts = vec!["mx1.example.com".to_string(), "mx2.example.net".to_string()];
        let now = UNIX_EPOCH + Duration::from_secs(1_785_542_400);
        propose("example.com", Some(&hosts), None, now)
    }

    #[test]
    fn generator_id_is_a_fresh_timestamp() {
        assert_eq!(proposal().mta_sts_txt.value, "v=STSv1; id=20260801000000");
    }

    #[test]
    fn generator_records_pass_the_strict_parsers() {
        let p = proposal();
        assert!(
            sts_record::parse(&p.mta_sts_txt.value)
                .diagnostics
                .is_empty()
        );
        let rua = tlsrpt_record::parse(&p.tls_rpt_txt.value)
            .record
            .unwrap()
            .rua;
        assert_eq!(rua, ["mailto:tlsrpt@example.com"]);
        let testing = policy::parse(p.policy_testing.as_bytes()).policy.unwrap();
        let enforce = policy::parse(p.policy_enforce.as_bytes()).policy.unwrap();
        assert_eq!(testing.mode, policy::Mode::Testing);
        assert_eq!(enforce.mode, policy::Mode::Enforce);
        assert!(enforce.matches("mx1.example.com") && enforce.matches("mx2.example.net"));
        assert_eq!(enforce.max_age, ENFORCE_MAX_AGE);
    }

    #[test]
    fn generator_keeps_a_usable_rua() {
        let rua = vec!["mailto:reports@example.org".to_string()];
        let p = propose("example.com", Some(&[]), Some(&rua), SystemTime::now());
        assert_eq!(
            p.tls_rpt_txt.value,
            "v=TLSRPTv1; rua=mailto:reports@example.org"
        );
        assert!(p.policy_enforce.contains("mode: none"));
    }
}
