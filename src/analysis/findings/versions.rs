//! Which policy strings are one policy version.
//!
//! Senders write the same policy in different ways: one string per line or the
//! whole file in one string, CRLF or LF, MX patterns in another order or case;
//! Microsoft sends TLSA records as one JSON array, others one record per string.
//! Compared as text, two senders applying the same policy would look like a change
//! that one of them never picked up. Versions are compared by what they say: for
//! MTA-STS the version, mode, max_age and MX patterns; for DANE the TLSA records.

use rustc_hash::FxHashMap;

use crate::library::{Dataset, Sym};
use crate::report::{DecodedPolicy, PolicyType, Text, TlsaRecord};

/// A policy version: every policy string that says the same.
pub(super) type VersionId = u32;

/// Policy strings by what they say, identified as they come.
#[derive(Default)]
pub(super) struct Versions {
    /// (policy type, policy string): its version; `None` for a string that says
    /// nothing (empty, as Mail.ru's missing one).
    of_string: FxHashMap<(Sym, Sym), Option<VersionId>>,
    of_meaning: FxHashMap<String, VersionId>,
    /// Per version: the first policy string seen saying it, to show.
    shown: Vec<Sym>,
}

impl Versions {
    /// The version of a policy string.
    pub(super) fn id(
        &mut self,
        dataset: &Dataset,
        policy_type: Sym,
        string: Sym,
    ) -> Option<VersionId> {
        if let Some(&id) = self.of_string.get(&(policy_type, string)) {
            return id;
        }
        let id = meaning(dataset.text(policy_type), dataset.text(string)).map(|meaning| {
            let next = self.shown.len() as VersionId;
            *self.of_meaning.entry(meaning).or_insert_with(|| {
                self.shown.push(string);
                next
            })
        });
        self.of_string.insert((policy_type, string), id);
        id
    }

    /// A policy string of a version, as a sender wrote it.
    pub(super) fn shown(&self, id: VersionId) -> Sym {
        self.shown.get(id as usize).copied().unwrap_or(Sym::NONE)
    }
}

/// Decodes a policy string as the rows keep it (lines joined by `\n`).
pub(super) fn decode(policy_type: &str, string: &str) -> DecodedPolicy {
    let lines: Vec<Text> = string.split('\n').map(Text::from).collect();
    DecodedPolicy::decode(&PolicyType::parse(policy_type), &lines)
}

/// What a policy string says, as a key; `None` when it says nothing.
fn meaning(policy_type: &str, string: &str) -> Option<String> {
    match decode(policy_type, string) {
        DecodedPolicy::Empty => None,
        DecodedPolicy::Sts(sts) => {
            let mut mx: Vec<String> = sts.mx.iter().map(|m| m.to_ascii_lowercase()).collect();
            mx.sort_unstable();
            mx.dedup();
            Some(format!(
                "sts\n{}\n{}\n{}\n{}",
                sts.version.unwrap_or_default(),
                sts.mode.as_ref().map_or("", |m| m.as_str()),
                sts.max_age.map_or(String::new(), |age| age.to_string()),
                mx.join(" ")
            ))
        }
        DecodedPolicy::Tlsa(records) => {
            let mut records: Vec<String> = records.iter().map(tlsa_text).collect();
            records.sort_unstable();
            records.dedup();
            Some(format!("tlsa\n{}", records.join("\n")))
        }
    }
}

/// A TLSA record as `usage selector matching-type DATA`, the data in upper case.
pub(super) fn tlsa_text(record: &TlsaRecord) -> String {
    match record {
        TlsaRecord::Parsed {
            usage,
            selector,
            matching_type,
            data,
        } => format!(
            "{usage} {selector} {matching_type} {}",
            data.to_ascii_uppercase()
        ),
        TlsaRecord::Unparsed(text) => text.trim().to_string(),
    }
}
