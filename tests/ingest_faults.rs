//! Faults over the whole ingest path: a mailbox of thousands of report e-mails with
//! random broken ones, decompression bombs at the default limit, a zip of 100,000
//! entries, messages forwarded inside each other far past the depth limit, a 2 GB
//! single-line file, folders that cannot be read or loop, and files that change
//! while they are read. Every good report is read, every bad input is a problem
//! naming it, and nothing hangs, panics or holds an input whole.
//!
//! Every input is generated in a temporary folder; nothing large is committed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use tlsrpt_analyzer::ingest::{self, Limits, LoadOptions, LoadOutcome, Progress};
use tlsrpt_analyzer::library::{IngestError, Loaded};
use tlsrpt_analyzer::report::ReportError;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

// ---------------------------------------------------------------------------------
// Memory: the largest single allocation while a test holds the exclusive lock
// ---------------------------------------------------------------------------------

#[path = "common/largest_allocation.rs"]
mod largest_allocation;
use largest_allocation::LARGEST_ALLOCATION;

#[path = "common/ingest.rs"]
mod common;
use common::{base64_lines, gzip, problems, src, tempdir, write, zip_of};

#[path = "common/bomb.rs"]
mod bomb;
use bomb::{deflate_zeros, gzip_bomb};

#[path = "common/unprivileged.rs"]
mod unprivileged;
use unprivileged::summary_as_nobody;

/// Tests that allocate much (building inputs, loading thousands of reports) share
/// this lock; a test that measures allocations holds it alone.
static MEMORY: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    MEMORY.read().unwrap_or_else(|e| e.into_inner())
}

/// Holds every other test of this file off and resets the largest allocation.
fn exclusive() -> RwLockWriteGuard<'static, ()> {
    let guard = MEMORY.write().unwrap_or_else(|e| e.into_inner());
    LARGEST_ALLOCATION.store(0, Ordering::Relaxed);
    guard
}

const MIB: u64 = 1024 * 1024;

// ---------------------------------------------------------------------------------
// Building inputs
// ---------------------------------------------------------------------------------

/// A compact RFC 8460 report.
fn report_json(org: &str, id: &str) -> String {
    json!({
        "organization-name": org,
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z"
        },
        "contact-info": "tlsrpt@reporter.example",
        "report-id": id,
        "policies": [{
            "policy": {"policy-type": "sts", "policy-domain": "example.com"},
            "summary": {"total-successful-session-count": 1, "total-failure-session-count": 0}
        }]
    })
    .to_string()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    let compact: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .unwrap()
}

/// A zip of one deflated member `name` holding `deflated`, whose headers declare
/// `declared` bytes once inflated (honestly or not).
fn zip_declaring(name: &str, deflated: &[u8], declared: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let name = name.as_bytes();
    let common = |out: &mut Vec<u8>| {
        out.extend(20u16.to_le_bytes()); // version needed
        out.extend(0u16.to_le_bytes()); // flags
        out.extend(8u16.to_le_bytes()); // deflate
        out.extend(0u16.to_le_bytes()); // time
        out.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
        out.extend(0u32.to_le_bytes()); // CRC (never reached)
        out.extend((deflated.len() as u32).to_le_bytes());
        out.extend(declared.to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes()); // extra field length
    };
    out.extend(0x0403_4b50u32.to_le_bytes());
    common(&mut out);
    out.extend(name);
    out.extend(deflated);
    let directory = out.len() as u32;
    out.extend(0x0201_4b50u32.to_le_bytes());
    out.extend(20u16.to_le_bytes()); // version made by
    common(&mut out);
    out.extend([0u8; 10]); // comment length, disk, internal and external attributes
    out.extend(0u32.to_le_bytes()); // local header offset
    out.extend(name);
    let directory_size = out.len() as u32 - directory;
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(directory_size.to_le_bytes());
    out.extend(directory.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

// ---------------------------------------------------------------------------------
// Loading and looking at the result
// ---------------------------------------------------------------------------------

fn load_with(paths: &[PathBuf], limits: Limits) -> (Loaded, LoadOutcome) {
    let mut store = Loaded::new();
    let options = LoadOptions {
        limits,
        threads: Some(2),
        ..LoadOptions::default()
    };
    let outcome = ingest::load_into(&mut store, paths, &options, &AtomicBool::new(false), |_| {});
    (store, outcome)
}

fn load(paths: &[PathBuf]) -> Loaded {
    load_with(paths, Limits::default()).0
}

fn report_ids(store: &Loaded) -> BTreeSet<String> {
    store
        .reports()
        .iter()
        .map(|r| r.report.report_id.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------
// A mailbox of thousands of report e-mails, some of them broken
// ---------------------------------------------------------------------------------

/// One message of an mbox as written: its `From ` line and its (quoted) lines.
struct MboxEntry {
    text: String,
    report_id: String,
}

/// Splits an mbox written by the corpus generator into its messages, each with the
/// report-id its subject names.
fn split_mbox(mbox: &str) -> Vec<MboxEntry> {
    let mut starts: Vec<usize> = mbox.match_indices("\nFrom ").map(|(i, _)| i + 1).collect();
    starts.insert(0, 0);
    starts.push(mbox.len());
    starts
        .windows(2)
        .map(|w| {
            let text = mbox[w[0]..w[1]].to_string();
            let report_id = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("Report-ID: <"))
                .and_then(|rest| rest.strip_suffix('>'))
                .expect("the subject names the report-id")
                .to_string();
            MboxEntry { text, report_id }
        })
        .collect()
}

/// What is wrong with a broken message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Cut off in the middle of its attachment.
    Truncated,
    /// Its transfer encoding says quoted-printable for base64 text, or base64 for
    /// quoted-printable text.
    MisEncoded,
    /// Characters that are not base64 in the middle of the attachment.
    CorruptBase64,
    /// Valid base64 of a gzip stream with damaged bytes.
    CorruptGzip,
    /// A zip archive cut before its central directory.
    CorruptZip,
    /// A zip whose member declares almost 4 GiB.
    AbsurdZipSize,
    /// A gzip that inflates past the decompressed limit.
    Bomb,
    /// A message over the message size limit (one header line of over 1 MiB).
    AbsurdSize,
}

const FAULTS: [Fault; 8] = [
    Fault::Truncated,
    Fault::MisEncoded,
    Fault::CorruptBase64,
    Fault::CorruptGzip,
    Fault::CorruptZip,
    Fault::AbsurdZipSize,
    Fault::Bomb,
    Fault::AbsurdSize,
];

/// The limits of the mailbox test: small enough that absurd sizes stay cheap.
fn mailbox_limits() -> Limits {
    Limits {
        max_decompressed: MIB,
        max_message_size: MIB,
        ..Limits::default()
    }
}

/// Where the body of the last part with a transfer encoding starts and ends, and
/// its line end.
fn attachment_body(text: &str) -> (usize, usize, &'static str) {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let header = text
        .rfind("Content-Transfer-Encoding: ")
        .expect("an encoded attachment");
    let blank = format!("{eol}{eol}");
    let start = header + text[header..].find(&blank).expect("a body") + blank.len();
    let end = start
        + text[start..]
            .find(&blank)
            .or_else(|| text[start..].find(&format!("{eol}--")))
            .unwrap_or(text.len() - start);
    (start, end, eol)
}

/// Replaces the attachment body with `data` in base64.
fn replace_body(text: &str, data: &[u8]) -> String {
    let (start, end, eol) = attachment_body(text);
    let encoded = base64_lines(data, eol);
    format!("{}{}{}", &text[..start], encoded.trim_end(), &text[end..])
}

/// The report JSON inside a base64 gzip attachment.
fn attachment_json(text: &str) -> Vec<u8> {
    let (start, end, _) = attachment_body(text);
    gunzip(&base64_decode(&text[start..end]))
}

fn is_base64(text: &str) -> bool {
    text.contains("Content-Transfer-Encoding: base64")
}

fn break_message(text: &str, fault: Fault, rng: &mut StdRng) -> String {
    match fault {
        Fault::Truncated => {
            let (start, end, eol) = attachment_body(text);
            let cut = start + (end - start) * rng.random_range(20..80) / 100;
            format!("{}{eol}", &text[..cut])
        }
        Fault::MisEncoded if is_base64(text) => text.replacen(
            "Content-Transfer-Encoding: base64",
            "Content-Transfer-Encoding: quoted-printable",
            1,
        ),
        Fault::MisEncoded => text.replacen(
            "Content-Transfer-Encoding: quoted-printable",
            "Content-Transfer-Encoding: base64",
            1,
        ),
        Fault::CorruptBase64 => {
            let (start, end, _) = attachment_body(text);
            let at = start + (end - start) / 2;
            let at = at - at % 4;
            format!("{}#*!?{}", &text[..at], &text[at + 4..])
        }
        Fault::CorruptGzip => {
            let (start, end, _) = attachment_body(text);
            let mut gzip = base64_decode(&text[start..end]);
            let from = gzip.len() * 2 / 5;
            for byte in &mut gzip[from..from + 8] {
                *byte ^= 0x55;
            }
            replace_body(text, &gzip)
        }
        Fault::CorruptZip => {
            let json = attachment_json(text);
            let zip = zip_of(&[("report.json", &json)]);
            replace_body(text, &zip[..zip.len() * 3 / 5])
        }
        Fault::AbsurdZipSize => {
            let json = attachment_json(text);
            let mut deflated = Vec::new();
            flate2::read::DeflateEncoder::new(&json[..], flate2::Compression::fast())
                .read_to_end(&mut deflated)
                .unwrap();
            replace_body(text, &zip_declaring("report.json", &deflated, 0xFFFF_FFF0))
        }
        Fault::Bomb => replace_body(text, &gzip_bomb(4 * MIB)),
        Fault::AbsurdSize => {
            let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
            let first_line_end = text.find(eol).unwrap() + eol.len();
            let padding = "x".repeat(MIB as usize + 4096);
            format!(
                "{}X-Padding: {padding}{eol}{}",
                &text[..first_line_end],
                &text[first_line_end..]
            )
        }
    }
}

#[test]
fn mbox_of_thousands_with_random_broken_messages_reads_every_good_report_and_names_each_bad_one() {
    let _memory = shared();
    let dir = tempdir();
    let options = CorpusOptions {
        reports: 4800,
        seed: 11,
        layout: Layout::Mbox,
        ..CorpusOptions::default()
    };
    generate(dir.path(), &options).unwrap();
    let clean = fs::read_to_string(dir.path().join("reports.mbox")).unwrap();
    let entries = split_mbox(&clean);
    assert_eq!(entries.len(), 4800);
    let written: BTreeSet<&str> = entries.iter().map(|e| e.report_id.as_str()).collect();
    assert_eq!(written.len(), entries.len(), "report-ids are unique");

    // Seeded: the same messages break the same way on every run.
    let mut rng = StdRng::seed_from_u64(7);
    let mut bad: BTreeMap<u64, Fault> = BTreeMap::new();
    let mut mbox = String::new();
    let last = entries.len() - 1;
    for (index, entry) in entries.iter().enumerate() {
        let number = index as u64 + 1;
        let mut fault = None;
        if index == last {
            // The export itself was cut short.
            fault = Some(Fault::Truncated);
        } else if rng.random_range(0..10) == 0 {
            let pick = FAULTS[bad.len() % FAULTS.len()];
            let needs_base64 = !matches!(
                pick,
                Fault::Truncated | Fault::MisEncoded | Fault::AbsurdSize
            );
            fault = Some(match needs_base64 && !is_base64(&entry.text) {
                true => Fault::MisEncoded,
                false => pick,
            });
        }
        match fault {
            Some(fault) => {
                mbox.push_str(&break_message(&entry.text, fault, &mut rng));
                bad.insert(number, fault);
            }
            None => mbox.push_str(&entry.text),
        }
    }
    let kinds: BTreeSet<Fault> = bad.values().copied().collect();
    assert_eq!(kinds.len(), FAULTS.len(), "every fault occurs: {kinds:?}");
    let path = write(dir.path(), "reports.mbox", &mbox);
    drop(mbox);

    let started = Instant::now();
    let (store, outcome) = load_with(std::slice::from_ref(&path), mailbox_limits());
    eprintln!(
        "{} messages, {} broken, read in {:?}",
        entries.len(),
        bad.len(),
        started.elapsed()
    );
    assert_eq!(outcome.progress.messages, entries.len() as u64);

    let good: BTreeSet<String> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !bad.contains_key(&(*i as u64 + 1)))
        .map(|(_, e)| e.report_id.clone())
        .collect();
    let read = report_ids(&store);
    let missing: Vec<&String> = good.difference(&read).collect();
    assert!(missing.is_empty(), "good reports not read: {missing:?}");
    let extra: Vec<&String> = read.difference(&good).collect();
    assert!(
        extra.is_empty(),
        "reports read from broken messages: {extra:?}"
    );
    assert_eq!(store.duplicates(), 0);
    assert_eq!(store.skipped().count(), 0);

    // Each broken message is a problem that names its number, and only they are.
    let mut named: BTreeMap<u64, Vec<IngestError>> = BTreeMap::new();
    for problem in store.problems() {
        assert_eq!(&*problem.source.path, path.as_path(), "{problem:?}");
        let number = problem
            .source
            .message_number()
            .unwrap_or_else(|| panic!("a problem without a message number: {problem:?}"));
        named.entry(number).or_default().push(problem.error.clone());
    }
    let unexplained: Vec<_> = named.keys().filter(|n| !bad.contains_key(n)).collect();
    assert!(
        unexplained.is_empty(),
        "problems in good messages {unexplained:?}"
    );
    for (number, fault) in &bad {
        let errors = named
            .get(number)
            .unwrap_or_else(|| panic!("message {number} ({fault:?}) is no problem"));
        let fitting = errors.iter().any(|e| match fault {
            Fault::AbsurdSize => {
                matches!(e, IngestError::FileTooLarge { limit, .. } if *limit == MIB)
            }
            Fault::Bomb | Fault::AbsurdZipSize => {
                matches!(e, IngestError::TooLarge { limit } if *limit == MIB)
            }
            Fault::CorruptZip => matches!(e, IngestError::Zip(_)),
            _ => true,
        });
        assert!(fitting, "message {number} ({fault:?}): {errors:?}");
    }
    for fault in FAULTS {
        let numbers: Vec<u64> = bad
            .iter()
            .filter(|(_, f)| **f == fault)
            .map(|(n, _)| *n)
            .collect();
        let first = named[&numbers[0]][0].to_string();
        eprintln!(
            "{fault:?}: {} messages, e.g. {}",
            numbers.len(),
            &first[..first.len().min(90)]
        );
    }
}

// ---------------------------------------------------------------------------------
// Decompression bombs and huge archives at the default limits
// ---------------------------------------------------------------------------------

#[test]
fn gzip_bomb_past_the_default_limit_is_too_large_and_stops_at_the_limit() {
    let _memory = exclusive();
    let dir = tempdir();
    let limit = Limits::default().max_decompressed;
    assert_eq!(limit, 64 * MIB);
    // 1 GiB of zeros in about 6 MiB.
    let bomb = write(dir.path(), "bomb.json.gz", gzip_bomb(1024 * MIB));
    let good = write(dir.path(), "good.json", report_json("Org A", "good"));
    let started = Instant::now();
    let store = load(&[dir.path().to_path_buf()]);
    let elapsed = started.elapsed();
    eprintln!("gzip bomb refused in {elapsed:?}");
    let sources: Vec<String> = store
        .reports()
        .iter()
        .map(|r| r.source.to_string())
        .collect();
    assert_eq!(sources, [src(&good, &[])]);
    assert_eq!(
        problems(&store),
        [(src(&bomb, &[]), IngestError::TooLarge { limit })]
    );
    // Inflating stopped at the limit: nothing much larger was ever held.
    let largest = LARGEST_ALLOCATION.load(Ordering::Relaxed) as u64;
    assert!(largest <= 2 * limit + MIB, "largest allocation {largest}");
}

#[test]
fn zip_bomb_member_is_too_large_whether_its_header_tells_the_truth_or_not() {
    let _memory = exclusive();
    let dir = tempdir();
    let limit = Limits::default().max_decompressed;
    let deflated = deflate_zeros(256 * MIB);
    // Declares its 256 MiB: refused before inflating.
    let honest = write(
        dir.path(),
        "honest.zip",
        zip_declaring("zeros.json", &deflated, 256 * MIB as u32),
    );
    // Declares 1,000 bytes: inflated up to the limit, then refused.
    let liar = write(
        dir.path(),
        "liar.zip",
        zip_declaring("zeros.json", &deflated, 1000),
    );
    let store = load(&[honest.clone(), liar.clone()]);
    assert_eq!(store.reports().len(), 0);
    let problems = problems(&store);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0],
        (
            src(&honest, &["member zeros.json"]),
            IngestError::TooLarge { limit }
        )
    );
    assert_eq!(problems[1].0, src(&liar, &["member zeros.json"]));
    assert!(
        matches!(
            problems[1].1,
            IngestError::TooLarge { .. } | IngestError::Zip(_)
        ),
        "{:?}",
        problems[1].1
    );
    let largest = LARGEST_ALLOCATION.load(Ordering::Relaxed) as u64;
    assert!(largest <= 2 * limit + MIB, "largest allocation {largest}");
}

#[test]
fn zip_of_100000_entries_reads_the_first_10000_and_reports_too_many() {
    let _memory = shared();
    let dir = tempdir();
    let path = dir.path().join("many.zip");
    let mut writer = zip::ZipWriter::new(BufWriter::new(File::create(&path).unwrap()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 1..=100_000u32 {
        writer.start_file(format!("r{i}.json"), stored).unwrap();
        // Only the first 10,000 are read: the others stay empty, to keep the file small.
        if i <= 10_000 {
            writer
                .write_all(report_json("Org A", &format!("r{i}")).as_bytes())
                .unwrap();
        }
    }
    writer.finish().unwrap().flush().unwrap();

    let started = Instant::now();
    let store = load(std::slice::from_ref(&path));
    eprintln!("100,000-entry zip read in {:?}", started.elapsed());
    let limit = Limits::default().max_zip_entries;
    assert_eq!(limit, 10_000);
    assert_eq!(store.reports().len(), limit);
    let expected: BTreeSet<String> = (1..=10_000).map(|i| format!("r{i}")).collect();
    assert_eq!(report_ids(&store), expected);
    assert_eq!(
        store.reports()[9_999].source.to_string(),
        src(&path, &["member r10000.json"])
    );
    assert_eq!(
        problems(&store),
        [(
            src(&path, &[]),
            IngestError::TooManyEntries {
                count: 100_000,
                limit
            }
        )]
    );
}

// ---------------------------------------------------------------------------------
// Forwarded messages nested far too deep
// ---------------------------------------------------------------------------------

/// A report e-mail forwarded `levels` times, each forward holding the previous one
/// as a `message/rfc822` part of a multipart message.
fn forwarded(levels: usize) -> String {
    let json = report_json("Org A", "deep");
    let mut message = format!(
        "From: reporter@example.org\nSubject: report\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=tlsrpt; boundary=\"inner\"\n\n\
         --inner\nContent-Type: application/tlsrpt+gzip; name=\"r.json.gz\"\n\
         Content-Transfer-Encoding: base64\n\n{}\n--inner--\n",
        base64_lines(&gzip(json.as_bytes()), "\n")
    );
    for level in 0..levels {
        message = format!(
            "From: forwarder{level}@example.org\nSubject: Fwd\nMIME-Version: 1.0\n\
             Content-Type: multipart/mixed; boundary=\"fwd{level}\"\n\n\
             --fwd{level}\nContent-Type: message/rfc822\n\n{message}\n--fwd{level}--\n"
        );
    }
    message
}

#[test]
fn message_rfc822_nested_50_deep_is_too_deep_without_stack_overflow() {
    let _memory = shared();
    let dir = tempdir();
    let path = write(dir.path(), "deep.eml", forwarded(50));
    let store = load(std::slice::from_ref(&path));
    assert_eq!(store.reports().len(), 0);
    let problems = problems(&store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let limit = Limits::default().max_depth;
    assert_eq!(problems[0].1, IngestError::TooDeep { limit });
    assert!(problems[0].0.starts_with(&src(&path, &[])));
}

#[test]
fn bare_message_rfc822_nested_100000_deep_is_too_deep_without_stack_overflow() {
    let _memory = shared();
    let dir = tempdir();
    // Each level is a message whose whole body is the next one: 3 MiB of headers.
    let mut message = String::new();
    for level in 0..100_000 {
        message.push_str(&format!(
            "Subject: {level}\nContent-Type: message/rfc822\n\n"
        ));
    }
    message.push_str("Subject: innermost\n\nhello\n");
    let path = write(dir.path(), "deeper.eml", message);
    // In a mailbox too, where messages are decoded on the worker threads.
    let mut mbox = b"From MAILER-DAEMON Mon Jun  1 12:00:00 2026\n".to_vec();
    mbox.extend(fs::read(&path).unwrap());
    let mbox = write(dir.path(), "deeper.mbox", mbox);
    let store = load(&[path.clone(), mbox.clone()]);
    assert_eq!(store.reports().len(), 0);
    let limit = Limits::default().max_depth;
    let problems = problems(&store);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].1, IngestError::TooDeep { limit });
    assert!(problems[0].0.starts_with(&src(&path, &[])));
    assert_eq!(problems[1].1, IngestError::TooDeep { limit });
    assert!(problems[1].0.starts_with(&src(&mbox, &["message 1"])));
}

/// Found by fuzzing (`mime_message`): a forwarded message whose body is another
/// `message/rfc822` part, with the boundary glued to the next header, breaks an
/// invariant `mail-parser` asserts in debug builds.
const FORWARD_INTO_FORWARD: &[u8] = b"Content-Type:multipart;boundary=fwd\n\n\
    --fwdContent-Type:message/rfc822\n\nContent-Type:message/rfc822\n\n\n--fwd--";

#[test]
fn forward_glued_to_its_boundary_inside_a_forward_is_a_problem_not_a_panic() {
    let _memory = shared();
    let dir = tempdir();
    let message = write(dir.path(), "glued.eml", FORWARD_INTO_FORWARD);
    let mut mbox = b"From MAILER-DAEMON Mon Jun  1 12:00:00 2026\n".to_vec();
    mbox.extend(FORWARD_INTO_FORWARD);
    mbox.extend(b"\n");
    let mbox = write(dir.path(), "glued.mbox", mbox);
    let good = write(dir.path(), "good.json", report_json("Org A", "good"));
    let store = load(&[message.clone(), mbox.clone(), good]);
    assert_eq!(report_ids(&store), BTreeSet::from(["good".to_string()]));
    // In debug builds the parser panics and the message is a problem; in release
    // builds it parses, and holds no report.
    let problems = problems(&store);
    let skipped = store.skipped().count();
    assert_eq!(problems.len() + skipped, 2, "{problems:?}");
    for (source, error) in problems {
        assert!(
            source == src(&message, &[]) || source == src(&mbox, &["message 1"]),
            "{source}"
        );
        assert_eq!(error, IngestError::BadEmail);
    }
}

// ---------------------------------------------------------------------------------
// Reports at the edges of their types
// ---------------------------------------------------------------------------------

fn report_with(date_range: serde_json::Value, policies: serde_json::Value) -> String {
    json!({
        "organization-name": "Org A",
        "report-id": "edge",
        "date-range": date_range,
        "policies": policies,
    })
    .to_string()
}

#[test]
fn date_range_with_one_end_at_the_end_of_time_is_a_problem_not_a_panic() {
    let _memory = shared();
    let dir = tempdir();
    // Unix seconds at the first and last instants the date type holds; the missing
    // end (start) is one day after (before) the other, which does not exist.
    let first = chrono::DateTime::<chrono::Utc>::MIN_UTC.timestamp();
    let last = chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp();
    let policies = json!([]);
    let ends_first = write(
        dir.path(),
        "ends-first.json",
        report_with(json!({"end-datetime": first.to_string()}), policies.clone()),
    );
    let starts_last = write(
        dir.path(),
        "starts-last.json",
        report_with(json!({"start-datetime": last.to_string()}), policies)
            .replace("\"edge\"", "\"edge-2\""),
    );
    let store = load(&[ends_first.clone(), starts_last.clone()]);
    assert_eq!(store.reports().len(), 0);
    let problems = problems(&store);
    let sources: Vec<&str> = problems.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(sources, [src(&ends_first, &[]), src(&starts_last, &[])]);
    for ((_, error), why) in problems
        .iter()
        .zip(["TLS reports began in 2016", "more than 2 days after"])
    {
        assert!(
            matches!(error, IngestError::Report(ReportError::ImplausibleDates(_))),
            "{error}"
        );
        assert!(error.to_string().contains(why), "{error}");
    }
}

#[test]
fn session_counts_past_two_to_the_53_make_their_report_a_problem_naming_the_field() {
    let _memory = shared();
    let dir = tempdir();
    let max = u64::MAX;
    let detail = |result: &str| json!({"result-type": result, "failed-session-count": 1u64 << 52});
    let dates = json!({"start-datetime": "2026-06-01T00:00:00Z"});
    // Each count is at most 2^53, but the details add up past it: no
    // total-failure-session-count, so the total would be their sum.
    let details_past = json!([
        {"policy": {"policy-type": "sts"},
         "summary": {"total-successful-session-count": 1},
         "failure-details": [detail("certificate-expired"), detail("validation-failure"), detail("x")]}
    ]);
    let one_past = json!([
        {"policy": {"policy-type": "sts"}, "summary": {"total-successful-session-count": 1}},
        {"policy": {"policy-type": "tlsa"},
         "summary": {"total-successful-session-count": max, "total-failure-session-count": 0}}
    ]);
    let report_past = json!([
        {"policy": {"policy-type": "sts"}, "summary": {"total-failure-session-count": 1u64 << 53}},
        {"policy": {"policy-type": "tlsa"}, "summary": {"total-failure-session-count": 1}}
    ]);
    let sound = json!([{"policy": {"policy-type": "sts"},
        "summary": {"total-successful-session-count": 1u64 << 53, "total-failure-session-count": 0}}]);
    let files: Vec<PathBuf> = [
        ("details-past.json", details_past),
        ("one-past.json", one_past),
        ("report-past.json", report_past),
        ("sound.json", sound),
    ]
    .into_iter()
    .map(|(name, policies)| {
        let json = report_with(dates.clone(), policies).replace("\"edge\"", &format!("\"{name}\""));
        write(dir.path(), name, json)
    })
    .collect();
    let store = load(&files);
    let errors: Vec<String> = problems(&store)
        .iter()
        .map(|(_, e)| e.to_string())
        .collect();
    assert_eq!(
        errors,
        [
            format!(
                "unusable TLS report: policy 1: the sum of its failure details' \"failed-session-count\": \
                 {} is more than any sender counts (at most 2^53 = 9007199254740992)",
                3u64 << 52
            ),
            "unusable TLS report: policy 2 \"total-successful-session-count\": 18446744073709551615 \
             is more than any sender counts (at most 2^53 = 9007199254740992)"
                .to_string(),
            "unusable TLS report: the report's total-failure-session-count over all policies: \
             9007199254740993 is more than any sender counts (at most 2^53 = 9007199254740992)"
                .to_string(),
        ]
    );
    // The sound report, at the bound itself, loads with its exact count.
    assert_eq!(store.reports().len(), 1);
    assert_eq!(store.reports()[0].report.successful_sessions(), 1u64 << 53);
}

// ---------------------------------------------------------------------------------
// A 2 GB single-line file
// ---------------------------------------------------------------------------------

const TWO_GB: u64 = 2_000_000_000;

/// A sparse file of 2 GB that starts with `head` and has no line end after it:
/// nothing but `head` is written to disk.
fn sparse_line(dir: &Path, name: &str, head: &[u8]) -> PathBuf {
    let path = write(dir, name, head);
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(TWO_GB)
        .unwrap();
    path
}

#[test]
fn two_gb_single_line_file_is_too_large_at_once_without_reading_it() {
    let _memory = exclusive();
    let dir = tempdir();
    let path = sparse_line(dir.path(), "huge.json", b"{\"organization-name\": \"");
    let started = Instant::now();
    let store = load(std::slice::from_ref(&path));
    let elapsed = started.elapsed();
    let limit = Limits::default().max_file_size;
    assert_eq!(
        problems(&store),
        [(
            src(&path, &[]),
            IngestError::FileTooLarge {
                size: TWO_GB,
                limit
            }
        )]
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let largest = LARGEST_ALLOCATION.load(Ordering::Relaxed);
    assert!(largest < 16 << 20, "largest allocation {largest}");
}

#[test]
fn two_gb_from_line_of_an_mbox_is_passed_over_without_being_held() {
    let _memory = exclusive();
    let dir = tempdir();
    // An mbox is streamed, not refused by size: its one "message" is one line of
    // 2 GB, read through and counted without being held.
    let path = sparse_line(
        dir.path(),
        "huge.mbox",
        b"From MAILER-DAEMON Mon Jun  1 12:00:00 2026 ",
    );
    let limits = Limits {
        max_message_size: MIB,
        ..Limits::default()
    };
    let started = Instant::now();
    let (store, outcome) = load_with(std::slice::from_ref(&path), limits);
    let elapsed = started.elapsed();
    eprintln!("2 GB single-line mbox read in {elapsed:?}");
    // The whole file is one `From ` line: an mbox of one empty message.
    assert_eq!(store.reports().len(), 0);
    assert_eq!(
        problems(&store),
        [(src(&path, &["message 1"]), IngestError::Empty)]
    );
    assert_eq!(outcome.progress.bytes_read, TWO_GB);
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    let largest = LARGEST_ALLOCATION.load(Ordering::Relaxed);
    assert!(largest < 16 << 20, "largest allocation {largest}");
}

#[test]
fn two_gb_mbox_message_of_one_line_is_too_large_without_being_held() {
    let _memory = exclusive();
    let dir = tempdir();
    let path = sparse_line(
        dir.path(),
        "huge-message.mbox",
        b"From MAILER-DAEMON Mon Jun  1 12:00:00 2026\nSubject: one line of 2 GB\n\n",
    );
    let limits = Limits {
        max_message_size: MIB,
        ..Limits::default()
    };
    let started = Instant::now();
    let (store, _) = load_with(std::slice::from_ref(&path), limits);
    let elapsed = started.elapsed();
    eprintln!("2 GB one-line message read past in {elapsed:?}");
    let problems = problems(&store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, src(&path, &["message 1"]));
    assert!(
        matches!(problems[0].1, IngestError::FileTooLarge { size, limit }
            if size > TWO_GB - 100 && limit == MIB),
        "{:?}",
        problems[0].1
    );
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    let largest = LARGEST_ALLOCATION.load(Ordering::Relaxed);
    assert!(largest < 16 << 20, "largest allocation {largest}");
}

// ---------------------------------------------------------------------------------
// Folders that cannot be read, links that loop or lead nowhere
// ---------------------------------------------------------------------------------

/// What a load read, as far as the test of unreadable inputs looks.
struct Outcome {
    reports: u64,
    /// The reports' sources, when loaded in this process.
    sources: Option<Vec<String>>,
    /// Source and error text of each problem.
    problems: Vec<(String, String)>,
}

/// Loads `dir`: in this process or, when it runs as root (which reads a folder of
/// mode 000), through the command line run as the unprivileged user `nobody`.
fn load_unprivileged(dir: &Path, locked: &Path) -> Option<Outcome> {
    if fs::read_dir(locked).is_err() {
        let store = load(&[dir.to_path_buf()]);
        let sources = store.reports().iter().map(|r| r.source.to_string());
        let problems = problems(&store)
            .into_iter()
            .map(|(s, e)| (s, e.to_string()));
        return Some(Outcome {
            reports: store.reports().len() as u64,
            sources: Some(sources.collect()),
            problems: problems.collect(),
        });
    }
    let test = "unreadable_folder_and_file_are_problems_and_the_rest_is_read";
    let summary = summary_as_nobody(test, dir)?;
    Some(Outcome {
        reports: summary.reports,
        sources: None,
        problems: summary.problems,
    })
}

#[test]
fn unreadable_folder_and_file_are_problems_and_the_rest_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path, mode| fs::set_permissions(path, fs::Permissions::from_mode(mode));
    let _memory = shared();
    let root = tempdir();
    mode(root.path(), 0o755).unwrap();
    let dir = root.path().join("reports");
    let good = write(&dir, "a.json", report_json("Org A", "a"));
    write(&dir, "locked/b.json", report_json("Org A", "b"));
    let unreadable = write(&dir, "unreadable.json", report_json("Org A", "u"));
    let later = write(&dir, "z.json", report_json("Org A", "z"));
    let locked = dir.join("locked");
    mode(&locked, 0o000).unwrap();
    mode(&unreadable, 0o000).unwrap();
    let loaded = load_unprivileged(&dir, &locked);
    mode(&locked, 0o755).unwrap();
    let Some(loaded) = loaded else {
        return;
    };
    assert_eq!(loaded.reports, 2);
    if let Some(sources) = loaded.sources {
        assert_eq!(sources, [src(&good, &[]), src(&later, &[])]);
    }
    let problems = loaded.problems;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, src(&locked, &[]));
    assert!(problems[0].1.contains("walk"), "{problems:?}");
    assert!(problems[0].1.contains("ermission denied"), "{problems:?}");
    assert_eq!(problems[1].0, src(&unreadable, &[]));
    assert!(problems[1].1.contains("ermission denied"), "{problems:?}");
}

#[test]
fn links_that_loop_into_each_other_or_lead_nowhere_are_problems_not_hangs() {
    use std::os::unix::fs::symlink;
    let _memory = shared();
    let dir = tempdir();
    let good = write(dir.path(), "a.json", report_json("Org A", "a"));
    // Two links pointing at each other, and a link to nothing.
    let ping = dir.path().join("ping.json");
    let pong = dir.path().join("pong.json");
    symlink(&pong, &ping).unwrap();
    symlink(&ping, &pong).unwrap();
    let dangling = dir.path().join("gone.json");
    symlink(dir.path().join("no-such-file.json"), &dangling).unwrap();
    // Two folders that link to each other.
    write(dir.path(), "left/l.json", report_json("Org A", "l"));
    write(dir.path(), "right/r.json", report_json("Org A", "r"));
    symlink(dir.path().join("right"), dir.path().join("left/to-right")).unwrap();
    symlink(dir.path().join("left"), dir.path().join("right/to-left")).unwrap();

    let started = Instant::now();
    let store = load(&[dir.path().to_path_buf(), ping.clone(), dangling.clone()]);
    assert!(started.elapsed() < Duration::from_secs(30));
    // Every report is read (those behind a folder link twice: one is a duplicate).
    let expected: BTreeSet<String> = ["a", "l", "r"].map(String::from).into();
    assert_eq!(report_ids(&store), expected);
    assert_eq!(store.reports()[0].source.to_string(), src(&good, &[]));
    let problems = problems(&store);
    let about = |path: &Path| {
        problems
            .iter()
            .filter(|(source, _)| *source == src(path, &[]))
            .count()
    };
    // Each bad link once in the folder and once as a named path.
    assert_eq!(about(&ping), 2, "{problems:?}");
    assert_eq!(about(&dangling), 2, "{problems:?}");
    assert_eq!(about(&pong), 1, "{problems:?}");
    let loops = problems
        .iter()
        .filter(|(_, e)| matches!(e, IngestError::Walk(text) if text.contains("loop")))
        .count();
    assert_eq!(
        loops, 2,
        "one loop from each side of the folder pair: {problems:?}"
    );
    assert_eq!(problems.len(), 7, "{problems:?}");
}

// ---------------------------------------------------------------------------------
// Files that change while they are read
// ---------------------------------------------------------------------------------

/// A corpus mailbox of `reports` messages; its path, its messages and its bytes.
fn mailbox(dir: &Path, reports: usize, seed: u64) -> (PathBuf, Vec<MboxEntry>, Vec<u8>) {
    let sub = dir.join(format!("corpus-{seed}"));
    let options = CorpusOptions {
        reports,
        seed,
        layout: Layout::Mbox,
        ..CorpusOptions::default()
    };
    generate(&sub, &options).unwrap();
    let path = sub.join("reports.mbox");
    let bytes = fs::read(&path).unwrap();
    let entries = split_mbox(std::str::from_utf8(&bytes).unwrap());
    (path, entries, bytes)
}

/// Loads `paths`, calling `change` once from the first progress report on (while
/// the reader is still in the first file), and never longer than a minute.
fn load_changing(paths: &[PathBuf], change: impl FnOnce(&Progress)) -> (Loaded, Duration) {
    let mut store = Loaded::new();
    let mut change = Some(change);
    let started = Instant::now();
    let outcome = ingest::load_into(
        &mut store,
        paths,
        &LoadOptions {
            threads: Some(2),
            ..LoadOptions::default()
        },
        &AtomicBool::new(false),
        |progress| {
            if let Some(change) = change.take() {
                eprintln!(
                    "changing the file at {} of {} bytes read",
                    progress.bytes_read, progress.bytes_total
                );
                change(progress);
            }
        },
    );
    let elapsed = started.elapsed();
    assert!(!outcome.cancelled);
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    (store, elapsed)
}

#[test]
fn mbox_that_grows_while_read_keeps_every_report_it_had() {
    let _memory = shared();
    let dir = tempdir();
    let (path, entries, _) = mailbox(dir.path(), 1800, 21);
    let (_, more, more_bytes) = mailbox(dir.path(), 600, 22);
    let (store, _) = load_changing(std::slice::from_ref(&path), |_| {
        let mut file = File::options().append(true).open(&path).unwrap();
        file.write_all(&more_bytes).unwrap();
    });
    let had: BTreeSet<String> = entries.iter().map(|e| e.report_id.clone()).collect();
    let appended: BTreeSet<String> = more.iter().map(|e| e.report_id.clone()).collect();
    let read = report_ids(&store);
    let missing: Vec<&String> = had.difference(&read).collect();
    assert!(missing.is_empty(), "reports lost: {missing:?}");
    let foreign: Vec<&String> = read
        .difference(&had)
        .filter(|id| !appended.contains(*id))
        .collect();
    assert!(foreign.is_empty(), "{foreign:?}");
    // Appended messages are read or not, depending on timing; a message cut by the
    // reader's end of file is a problem of a message after the original ones.
    for problem in store.problems() {
        let number = problem.source.message_number();
        assert!(
            number.is_some_and(|n| n > entries.len() as u64),
            "{problem:?}"
        );
    }
    eprintln!(
        "{} of {} appended reports read",
        read.len() - had.len(),
        appended.len()
    );
}

#[test]
fn mbox_truncated_while_read_ends_with_the_reports_before_the_cut() {
    let _memory = shared();
    let dir = tempdir();
    let (path, entries, bytes) = mailbox(dir.path(), 2400, 23);
    let cut = bytes.len() as u64 / 2;
    let (store, _) = load_changing(std::slice::from_ref(&path), |_| {
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut)
            .unwrap();
    });
    let read = report_ids(&store);
    let written: BTreeSet<String> = entries.iter().map(|e| e.report_id.clone()).collect();
    let foreign: Vec<&String> = read.difference(&written).collect();
    assert!(foreign.is_empty(), "{foreign:?}");
    // Every message that ends before the cut is still in the file, and is read.
    let mut end = 0;
    let mut before_cut = 0;
    for entry in &entries {
        end += entry.text.len() as u64;
        if end > cut {
            break;
        }
        before_cut += 1;
        assert!(read.contains(&entry.report_id), "{} lost", entry.report_id);
    }
    for problem in store.problems() {
        assert!(
            problem
                .source
                .message_number()
                .is_some_and(|n| n > before_cut),
            "{problem:?}"
        );
    }
    eprintln!(
        "{} reports read, {before_cut} before the cut, {} problems",
        read.len(),
        store.problems().count()
    );
}

#[test]
fn file_deleted_before_the_reader_reaches_it_is_a_problem_or_was_read() {
    let _memory = shared();
    let dir = tempdir();
    let (mbox, entries, _) = mailbox(dir.path(), 1200, 24);
    let late = write(dir.path(), "zz-late.json", report_json("Org Z", "late"));
    let (store, _) = load_changing(&[mbox.clone(), late.clone()], |_| {
        fs::remove_file(&late).unwrap();
    });
    assert_eq!(
        store.reports().len() as u64,
        entries.len() as u64 + u64::from(report_ids(&store).contains("late"))
    );
    let problems = problems(&store);
    if report_ids(&store).contains("late") {
        assert_eq!(problems, []);
    } else {
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, src(&late, &[]));
        assert!(
            matches!(&problems[0].1, IngestError::Io(text) if text.contains("No such file")),
            "{:?}",
            problems[0].1
        );
    }
}
