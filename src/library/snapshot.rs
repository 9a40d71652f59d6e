//! The rows of a set read from a library, in chunks the library stores beside its
//! tables, so that the next open reads them in one piece instead of joining and
//! interning millions of table rows (1,000,000 reports: about 8 s from the
//! tables, well under 1 s from the chunks).
//!
//! A snapshot holds the rows of the imports that had all ended when it was made
//! (the covered prefix of the input order, see [`Loaded::mark_covered`]); rows of
//! later or unfinished imports are read from the tables behind it. Chunks are
//! postcard (serde) encodings of row slices; a chunk that does not decode, or
//! rows that do not hang together, make the whole snapshot unusable and the
//! library is read from its tables, never trusted half-way.

use super::Loaded;
use super::dataset::{DetailRow, PolicyRow, ReportRow, day_number};
use super::source::Order;
use super::strings::Sym;

/// The encoding of the chunks; a snapshot of another format is not read. Change
/// it whenever a row type or the chunk layout changes.
pub const SNAPSHOT_FORMAT: i64 = 1;

/// Rows (or strings) per chunk: a few MB each, so that neither writing nor
/// reading holds a second copy of the whole set.
const CHUNK_ROWS: usize = 1 << 16;

/// What a chunk holds; chunks are stored and read in the order of this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// How many strings and rows follow, so that reading reserves once.
    Sizes,
    Strings,
    Senders,
    Reports,
    Policies,
    Details,
    Entries,
}

impl ChunkKind {
    pub fn name(self) -> &'static str {
        match self {
            ChunkKind::Sizes => "sizes",
            ChunkKind::Strings => "strings",
            ChunkKind::Senders => "senders",
            ChunkKind::Reports => "reports",
            ChunkKind::Policies => "policies",
            ChunkKind::Details => "details",
            ChunkKind::Entries => "entries",
        }
    }

    pub fn of_name(name: &str) -> Option<ChunkKind> {
        [
            ChunkKind::Sizes,
            ChunkKind::Strings,
            ChunkKind::Senders,
            ChunkKind::Reports,
            ChunkKind::Policies,
            ChunkKind::Details,
            ChunkKind::Entries,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// Why a snapshot cannot be used (the library is then read from its tables).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("a {kind} chunk does not decode: {source}")]
    Decode {
        kind: &'static str,
        source: postcard::Error,
    },
    #[error("the snapshot's rows do not hang together: {0}")]
    Inconsistent(&'static str),
    #[error("a {kind} chunk does not encode: {source}")]
    Encode {
        kind: &'static str,
        source: postcard::Error,
    },
}

/// The part of a set read from a library that a snapshot can hold: the rows of
/// the imports up to `import`, all ended, read under the library's
/// `generation` (which changes when stored rows are removed or rewritten).
#[derive(Debug, Clone, Default)]
pub struct Covered {
    pub import: i64,
    pub generation: i64,
    /// Whether the library's snapshot holds exactly this prefix already.
    pub stored: bool,
    /// Reports of the set that came from the snapshot (the rest from the tables).
    pub restored: usize,
    reports: usize,
    strings: usize,
    senders: Vec<(Box<str>, Sym)>,
    spellings: Vec<(Sym, Vec<Sym>)>,
}

impl Covered {
    /// Reports in the covered prefix.
    pub fn reports(&self) -> usize {
        self.reports
    }
}

/// Ids, files, orders, the end of each trail within the chunk's trails, trails.
type EntriesOut<'a> = (&'a [i64], &'a [i64], &'a [Order], Vec<u64>, &'a [u8]);
type EntriesIn = (Vec<i64>, Vec<i64>, Vec<Order>, Vec<u64>, Vec<u8>);
type SendersOut<'a> = (Vec<(&'a str, Sym)>, Vec<(Sym, &'a [Sym])>);
type SendersIn = (Vec<(String, Sym)>, Vec<(Sym, Vec<Sym>)>);

impl Loaded {
    /// Records that the rows read so far are the prefix a snapshot may hold;
    /// `restored`: the reports the snapshot there is held (`None`: none used).
    pub(super) fn mark_covered(&mut self, import: i64, generation: i64, restored: Option<usize>) {
        let dataset = &self.dataset;
        let mut senders: Vec<(Box<str>, Sym)> = dataset
            .senders
            .iter()
            .map(|(name, &sym)| (name.clone(), sym))
            .collect();
        senders.sort_unstable_by_key(|&(_, sym)| sym);
        let mut spellings: Vec<(Sym, Vec<Sym>)> = dataset
            .spellings
            .iter()
            .map(|(&sym, others)| (sym, others.clone()))
            .collect();
        spellings.sort_unstable_by_key(|&(sym, _)| sym);
        self.stored.covered = Some(Covered {
            import,
            generation,
            stored: restored == Some(dataset.reports.len()),
            restored: restored.unwrap_or(0),
            reports: dataset.reports.len(),
            strings: dataset.strings.len(),
            senders,
            spellings,
        });
    }

    /// The covered prefix, when this set was read from a library.
    pub fn covered(&self) -> Option<&Covered> {
        self.stored.covered.as_ref()
    }

    /// Encodes the covered prefix chunk by chunk, in store order, handing each
    /// to `put`; stops at the first error `put` returns.
    pub fn snapshot_chunks<E: From<SnapshotError>>(
        &self,
        mut put: impl FnMut(ChunkKind, Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(covered) = &self.stored.covered else {
            return Ok(());
        };
        let d = &self.dataset;
        let reports = &d.reports[..covered.reports];
        let policies = reports.last().map_or(0, |r| r.policies.end as usize);
        let details = d.policies[..policies]
            .last()
            .map_or(0, |p| p.details.end as usize);
        let sizes = [covered.strings, covered.reports, policies, details].map(|n| n as u64);
        put(ChunkKind::Sizes, encode(ChunkKind::Sizes, &sizes)?)?;
        let strings: Vec<&str> = (1..covered.strings)
            .map(|i| d.strings.get(Sym(i as u32)))
            .collect();
        for chunk in strings.chunks(CHUNK_ROWS) {
            put(ChunkKind::Strings, encode(ChunkKind::Strings, &chunk)?)?;
        }
        let senders: SendersOut<'_> = (
            covered.senders.iter().map(|(n, s)| (&**n, *s)).collect(),
            covered
                .spellings
                .iter()
                .map(|(s, o)| (*s, o.as_slice()))
                .collect(),
        );
        put(ChunkKind::Senders, encode(ChunkKind::Senders, &senders)?)?;
        for chunk in reports.chunks(CHUNK_ROWS) {
            put(ChunkKind::Reports, encode(ChunkKind::Reports, &chunk)?)?;
        }
        for chunk in d.policies[..policies].chunks(CHUNK_ROWS) {
            put(ChunkKind::Policies, encode(ChunkKind::Policies, &chunk)?)?;
        }
        for chunk in d.details[..details].chunks(CHUNK_ROWS) {
            put(ChunkKind::Details, encode(ChunkKind::Details, &chunk)?)?;
        }
        let e = &self.stored.entries;
        for start in (0..covered.reports).step_by(CHUNK_ROWS) {
            let end = (start + CHUNK_ROWS).min(covered.reports);
            let base = start.checked_sub(1).map_or(0, |i| e.trail_ends[i]);
            let ends: Vec<u64> = e.trail_ends[start..end].iter().map(|&x| x - base).collect();
            let last = e.trail_ends[end - 1] as usize;
            let trails = &e.trails[base as usize..last];
            let chunk: EntriesOut<'_> = (
                &e.ids[start..end],
                &e.files[start..end],
                &e.orders[start..end],
                ends,
                trails,
            );
            put(ChunkKind::Entries, encode(ChunkKind::Entries, &chunk)?)?;
        }
        Ok(())
    }

    /// Adds one chunk of a snapshot, in the order [`Loaded::snapshot_chunks`]
    /// gave them. Call
    /// [`Loaded::check_restored`] after the last.
    pub(super) fn restore_chunk(
        &mut self,
        kind: ChunkKind,
        bytes: &[u8],
        stored_bytes: u64,
    ) -> Result<(), SnapshotError> {
        let d = &mut self.dataset;
        match kind {
            ChunkKind::Sizes => {
                let [strings, reports, policies, details] = decode::<[u64; 4]>(kind, bytes)?;
                // Every row and string takes a byte at least: a damaged size
                // must not reserve more than the snapshot could hold.
                let at_most = |n: u64| n.min(stored_bytes) as usize;
                d.strings.reserve(at_most(strings));
                d.reports.reserve(at_most(reports));
                d.policies.reserve(at_most(policies));
                d.details.reserve(at_most(details));
                let e = &mut self.stored.entries;
                e.ids.reserve(at_most(reports));
                e.files.reserve(at_most(reports));
                e.orders.reserve(at_most(reports));
                e.trail_ends.reserve(at_most(reports));
            }
            ChunkKind::Strings => {
                for value in decode::<Vec<&str>>(kind, bytes)? {
                    if !d.strings.restore(value) {
                        return Err(SnapshotError::Inconsistent("a string is stored twice"));
                    }
                }
            }
            ChunkKind::Senders => {
                let (senders, spellings) = decode::<SendersIn>(kind, bytes)?;
                d.senders = senders.into_iter().map(|(n, s)| (n.into(), s)).collect();
                d.spellings = spellings.into_iter().collect();
            }
            ChunkKind::Reports => decode_onto::<ReportRow>(kind, bytes, &mut d.reports)?,
            ChunkKind::Policies => decode_onto::<PolicyRow>(kind, bytes, &mut d.policies)?,
            ChunkKind::Details => decode_onto::<DetailRow>(kind, bytes, &mut d.details)?,
            ChunkKind::Entries => {
                let (ids, files, orders, ends, trails) = decode::<EntriesIn>(kind, bytes)?;
                let e = &mut self.stored.entries;
                let base = e.trail_ends.last().copied().unwrap_or(0);
                e.ids.extend(ids);
                e.files.extend(files);
                e.orders.extend(orders);
                e.trail_ends
                    .extend(ends.into_iter().map(|end| base.saturating_add(end)));
                e.trails.extend(trails);
            }
        }
        Ok(())
    }

    /// Checks that restored rows refer only to rows and strings that exist, in
    /// the shape the analysis relies on (a report's policies and a policy's
    /// details contiguous and in order), so that a damaged snapshot cannot make
    /// an index out of bounds later.
    pub(super) fn check_restored(&self) -> Result<(), SnapshotError> {
        let d = &self.dataset;
        let strings = d.strings.len();
        let sym_ok = |s: Sym| (s.0 as usize) < strings;
        let bad = SnapshotError::Inconsistent;
        let entries = &self.stored.entries;
        if entries.len() != d.reports.len() || !entries.is_consistent() {
            return Err(bad("not one entry per report"));
        }
        let mut next_policy = 0u32;
        for (i, r) in d.reports.iter().enumerate() {
            if r.store_index as usize != i || r.day != day_number(r.start) {
                return Err(bad("a report row is out of place"));
            }
            if r.policies.start != next_policy || r.policies.end < r.policies.start {
                return Err(bad("policies are not contiguous"));
            }
            if !r.syms().into_iter().all(sym_ok) {
                return Err(bad("a report names a string that is not stored"));
            }
            next_policy = r.policies.end;
        }
        if next_policy as usize != d.policies.len() {
            return Err(bad("policies without a report"));
        }
        let mut next_detail = 0u32;
        for (i, p) in d.policies.iter().enumerate() {
            let owner = d.reports.get(p.report as usize);
            if owner.is_none_or(|r| !r.policies.contains(&(i as u32))) {
                return Err(bad("a policy is not its report's"));
            }
            if p.details.start != next_detail || p.details.end < p.details.start {
                return Err(bad("failure details are not contiguous"));
            }
            if !p.syms().into_iter().all(sym_ok) {
                return Err(bad("a policy names a string that is not stored"));
            }
            next_detail = p.details.end;
        }
        if next_detail as usize != d.details.len() {
            return Err(bad("failure details without a policy"));
        }
        for (i, detail) in d.details.iter().enumerate() {
            let owner = d.policies.get(detail.policy as usize);
            if owner.is_none_or(|p| !p.details.contains(&(i as u32))) {
                return Err(bad("a failure detail is not its policy's"));
            }
            if !detail.syms().into_iter().all(sym_ok) {
                return Err(bad("a failure detail names a string that is not stored"));
            }
        }
        let senders_ok = d.senders.values().all(|&s| sym_ok(s))
            && d.spellings
                .iter()
                .all(|(&s, others)| sym_ok(s) && others.iter().all(|&o| sym_ok(o)));
        if !senders_ok {
            return Err(bad("a sender names a string that is not stored"));
        }
        Ok(())
    }
}

fn encode<T: serde::Serialize + ?Sized>(
    kind: ChunkKind,
    value: &T,
) -> Result<Vec<u8>, SnapshotError> {
    postcard::to_stdvec(value).map_err(|source| SnapshotError::Encode {
        kind: kind.name(),
        source,
    })
}

fn decode<'a, T: serde::Deserialize<'a>>(
    kind: ChunkKind,
    bytes: &'a [u8],
) -> Result<T, SnapshotError> {
    postcard::from_bytes(bytes).map_err(|source| SnapshotError::Decode {
        kind: kind.name(),
        source,
    })
}

/// Decodes a chunk of rows onto the end of `into`, without a second copy of
/// them: the rows are most of the memory a snapshot fills.
fn decode_onto<'de, T: serde::Deserialize<'de>>(
    kind: ChunkKind,
    bytes: &'de [u8],
    into: &mut Vec<T>,
) -> Result<(), SnapshotError> {
    use serde::de::DeserializeSeed;
    let mut deserializer = postcard::Deserializer::from_bytes(bytes);
    Append(into)
        .deserialize(&mut deserializer)
        .map_err(|source| SnapshotError::Decode {
            kind: kind.name(),
            source,
        })
}

/// A sequence decoded by pushing each element onto a vector.
struct Append<'v, T>(&'v mut Vec<T>);

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for Append<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Append<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence of rows")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element()? {
            self.0.push(row);
        }
        Ok(())
    }
}
