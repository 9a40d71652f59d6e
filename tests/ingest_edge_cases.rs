//! Edge cases of reading inputs: limits, mbox quirks, MIME shapes, JSON encodings,
//! dedupe and merge, folder walking, progress and cancel, and the CLI's exit status.
//!
//! Every input is built on the fly in a temporary folder; nothing large is committed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use tempfile::TempDir;

use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::ingest::{self, Limits, LoadOptions, LoadOutcome, Progress};
use tlsrpt_analyzer::library::{IngestError, Loaded, SkipReason};
use tlsrpt_analyzer::report::ReportError;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

#[path = "common/largest_allocation.rs"]
mod largest_allocation;
use largest_allocation::LARGEST_ALLOCATION;

#[path = "common/ingest.rs"]
mod common;
use common::{base64_lines, gzip, problems, src, tempdir, write, zip_of};

#[path = "common/unprivileged.rs"]
mod unprivileged;
use unprivileged::summary_as_nobody;

// ---------------------------------------------------------------------------------
// Building inputs
// ---------------------------------------------------------------------------------

/// A compact RFC 8460 report from `org` with one MTA-STS policy.
fn report_json(org: &str, id: &str, successful: u64) -> String {
    report_value(org, id, successful).to_string()
}

fn report_value(org: &str, id: &str, successful: u64) -> serde_json::Value {
    json!({
        "organization-name": org,
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z"
        },
        "contact-info": "tlsrpt@reporter.example",
        "report-id": id,
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: enforce", "mx: mx1.example.com", "max_age: 86400"],
                "policy-domain": "example.com",
                "mx-host": ["mx1.example.com"]
            },
            "summary": {
                "total-successful-session-count": successful,
                "total-failure-session-count": 0
            }
        }]
    })
}

const BOUNDARY: &str = "b0undary-tlsrpt";

/// A report e-mail: headers, then each part, then (unless `close` is false) the
/// closing boundary.
fn email(subject: &str, parts: &[String], close: bool) -> String {
    let mut message = format!(
        "From: TLS Reporter <noreply-tls@reporter.example>\n\
         To: tlsrpt@example.com\n\
         Subject: {subject}\n\
         Date: Mon, 01 Jun 2026 12:00:00 +0000\n\
         Message-ID: <{id}@reporter.example>\n\
         MIME-Version: 1.0\n\
         TLS-Report-Domain: example.com\n\
         TLS-Report-Submitter: reporter.example\n\
         Content-Type: multipart/report; report-type=tlsrpt;\n boundary=\"{BOUNDARY}\"\n\n",
        id = subject.replace(' ', "-"),
    );
    for part in parts {
        message.push_str(&format!("--{BOUNDARY}\n{part}\n"));
    }
    if close {
        message.push_str(&format!("--{BOUNDARY}--\n"));
    }
    message
}

fn text_part(text: &str) -> String {
    format!("Content-Type: text/plain; charset=utf-8\n\n{text}\n")
}

/// An RFC 8460 `application/tlsrpt+gzip` base64 attachment.
fn gzip_attachment(name: &str, json: &str) -> String {
    base64_attachment("application/tlsrpt+gzip", name, &gzip(json.as_bytes()))
}

fn base64_attachment(content_type: &str, name: &str, data: &[u8]) -> String {
    format!(
        "Content-Type: {content_type}; name=\"{name}\"\n\
         Content-Disposition: attachment; filename=\"{name}\"\n\
         Content-Transfer-Encoding: base64\n\n{}",
        base64_lines(data, "\n")
    )
}

/// An e-mail with a text part and a gzip report attachment named `name`.
/// Report e-mails "report 1" to "report `n`", each with its report `r<i>` of `i`
/// successful sessions as `r<i>.json.gz`.
fn numbered_report_emails(n: u64) -> Vec<String> {
    (1..=n)
        .map(|i| {
            report_email(
                &format!("report {i}"),
                &format!("r{i}.json.gz"),
                &report_json("Org A", &format!("r{i}"), i),
            )
        })
        .collect()
}

fn report_email(subject: &str, name: &str, json: &str) -> String {
    email(
        subject,
        &[
            text_part("This is an aggregate TLS report."),
            gzip_attachment(name, json),
        ],
        true,
    )
}

/// An e-mail without any attachment.
fn plain_email(subject: &str, text: &str) -> String {
    format!(
        "From: Someone <someone@example.org>\n\
         To: tlsrpt@example.com\n\
         Subject: {subject}\n\
         Date: Mon, 01 Jun 2026 12:00:00 +0000\n\
         MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\n{text}\n"
    )
}

/// An mbox in mboxrd format (`>From ` quoting) with `eol` line ends.
fn mbox(messages: &[String], eol: &str) -> Vec<u8> {
    let mut out = String::new();
    for message in messages {
        out.push_str("From MAILER-DAEMON Mon Jun  1 12:00:00 2026");
        out.push_str(eol);
        for line in message.lines() {
            let quotes = line.bytes().take_while(|&b| b == b'>').count();
            if line[quotes..].starts_with("From ") {
                out.push('>');
            }
            out.push_str(line);
            out.push_str(eol);
        }
        out.push_str(eol);
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------------
// Loading and looking at the result
// ---------------------------------------------------------------------------------

fn options(limits: Limits) -> LoadOptions {
    LoadOptions {
        limits,
        threads: Some(2),
        ..LoadOptions::default()
    }
}

fn load_with(paths: &[PathBuf], options: &LoadOptions) -> (Loaded, LoadOutcome) {
    let mut store = Loaded::new();
    let outcome = ingest::load_into(&mut store, paths, options, &AtomicBool::new(false), |_| {});
    (store, outcome)
}

fn load_limited(paths: &[PathBuf], limits: Limits) -> Loaded {
    load_with(paths, &options(limits)).0
}

fn report_sources(store: &Loaded) -> Vec<String> {
    store
        .reports()
        .iter()
        .map(|r| r.source.to_string())
        .collect()
}

fn report_ids(store: &Loaded) -> Vec<String> {
    store
        .reports()
        .iter()
        .map(|r| r.report.report_id.to_string())
        .collect()
}

fn skipped(store: &Loaded) -> Vec<(String, SkipReason)> {
    store
        .skipped()
        .map(|s| (s.source.to_string(), s.reason.clone()))
        .collect()
}

/// Asserts the load had no problems and skipped nothing.
fn assert_clean(store: &Loaded) {
    assert_eq!(problems(store), [], "problems");
    assert_eq!(skipped(store), [], "skipped");
}

/// Loads one file with default options and returns the store.
fn load_one(path: &Path) -> Loaded {
    load_limited(&[path.to_path_buf()], Limits::default())
}

// ---------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------

#[test]
fn gzip_bomb_is_too_large_problem_and_report_beside_it_is_read() {
    let dir = tempdir();
    // 4 MiB of whitespace, a few KiB compressed, against a 1 MiB limit.
    let bomb = write(dir.path(), "bomb.json.gz", gzip(&vec![b' '; 4 << 20]));
    assert!(fs::metadata(&bomb).unwrap().len() < 64 << 10);
    let good = write(dir.path(), "good.json", report_json("Org A", "r1", 10));

    let store = load_limited(
        &[dir.path().to_path_buf()],
        Limits {
            max_decompressed: 1 << 20,
            ..Limits::default()
        },
    );
    assert_eq!(report_sources(&store), [src(&good, &[])]);
    assert_eq!(
        problems(&store),
        [(src(&bomb, &[]), IngestError::TooLarge { limit: 1 << 20 })]
    );
    assert_eq!(skipped(&store), []);
}

#[test]
fn concatenated_gzip_members_count_toward_one_decompressed_limit() {
    let dir = tempdir();
    // 8 gzip members of 1 MiB of zeros each (all members are inflated, as
    // `cat a.gz b.gz` needs): each is under the 4 MiB limit, together they are not.
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb = write(dir.path(), "bomb.gz", member.repeat(8));
    let good = write(
        dir.path(),
        "good.json.gz",
        gzip(report_json("Org A", "r1", 10).as_bytes()),
    );
    let store = load_limited(
        &[bomb.clone(), good.clone()],
        Limits {
            max_decompressed: 4 << 20,
            ..Limits::default()
        },
    );
    assert_eq!(report_sources(&store), [src(&good, &[])]);
    assert_eq!(
        problems(&store),
        [(src(&bomb, &[]), IngestError::TooLarge { limit: 4 << 20 })]
    );
}

#[test]
fn zip_member_over_decompressed_limit_is_too_large_and_other_members_are_read() {
    let dir = tempdir();
    let padded = format!("{}{}", " ".repeat(2 << 20), report_json("Org A", "big", 1));
    let archive = write(
        dir.path(),
        "reports.zip",
        zip_of(&[
            ("big.json", padded.as_bytes()),
            ("small.json", report_json("Org A", "small", 2).as_bytes()),
        ]),
    );
    let store = load_limited(
        std::slice::from_ref(&archive),
        Limits {
            max_decompressed: 1 << 20,
            ..Limits::default()
        },
    );
    assert_eq!(
        report_sources(&store),
        [src(&archive, &["member small.json"])]
    );
    assert_eq!(
        problems(&store),
        [(
            src(&archive, &["member big.json"]),
            IngestError::TooLarge { limit: 1 << 20 }
        )]
    );
}

#[test]
fn zip_with_more_entries_than_limit_reads_first_entries_and_reports_too_many() {
    let dir = tempdir();
    let jsons: Vec<(String, String)> = (1..=5)
        .map(|i| {
            (
                format!("r{i}.json"),
                report_json("Org A", &format!("r{i}"), i),
            )
        })
        .collect();
    let members: Vec<(&str, &[u8])> = jsons
        .iter()
        .map(|(name, json)| (name.as_str(), json.as_bytes()))
        .collect();
    let archive = write(dir.path(), "many.zip", zip_of(&members));

    let store = load_limited(
        std::slice::from_ref(&archive),
        Limits {
            max_zip_entries: 3,
            ..Limits::default()
        },
    );
    assert_eq!(
        report_sources(&store),
        [
            src(&archive, &["member r1.json"]),
            src(&archive, &["member r2.json"]),
            src(&archive, &["member r3.json"]),
        ]
    );
    assert_eq!(
        problems(&store),
        [(
            src(&archive, &[]),
            IngestError::TooManyEntries { count: 5, limit: 3 }
        )]
    );
}

/// `json` wrapped in `layers` gzip containers.
fn gzip_layers(json: &str, layers: usize) -> Vec<u8> {
    let mut data = json.as_bytes().to_vec();
    for _ in 0..layers {
        data = gzip(&data);
    }
    data
}

#[test]
fn gzip_nested_deeper_than_max_depth_is_too_deep() {
    let dir = tempdir();
    let max_depth = Limits::default().max_depth as usize;
    let deepest_ok = write(
        dir.path(),
        "ok.json.gz",
        gzip_layers(&report_json("Org A", "ok", 1), max_depth),
    );
    let too_deep = write(
        dir.path(),
        "deep.json.gz",
        gzip_layers(&report_json("Org A", "deep", 1), max_depth + 1),
    );
    let far_too_deep = write(
        dir.path(),
        "deeper.json.gz",
        gzip_layers(&report_json("Org A", "deeper", 1), 40),
    );
    let store = ingest::load(&[deepest_ok.clone(), too_deep.clone(), far_too_deep.clone()]);
    assert_eq!(report_sources(&store), [src(&deepest_ok, &[])]);
    let limit = max_depth as u32;
    assert_eq!(
        problems(&store),
        [
            (src(&too_deep, &[]), IngestError::TooDeep { limit }),
            (src(&far_too_deep, &[]), IngestError::TooDeep { limit }),
        ]
    );
}

/// `inner` forwarded as a `message/rfc822` attachment named `name`.
fn forward(inner: &str, name: &str) -> String {
    let boundary = format!("fwd-{name}");
    format!(
        "From: Forwarder <postmaster@forwarder.example>\n\
         To: tlsrpt@example.com\n\
         Subject: Fwd: {name}\n\
         Date: Mon, 01 Jun 2026 13:00:00 +0000\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n\
         --{boundary}\n\
         Content-Type: text/plain; charset=utf-8\n\n\
         FYI, forwarding.\n\n\
         --{boundary}\n\
         Content-Type: message/rfc822\n\
         Content-Disposition: attachment; filename=\"{name}\"\n\n\
         {inner}\n\
         --{boundary}--\n"
    )
}

/// A report e-mail with a gzip attachment, forwarded `times` times; returns the
/// message and the forwarded-message steps of its source.
fn forwarded_times(id: &str, times: usize) -> (String, Vec<String>) {
    let mut message = report_email(id, "r.json.gz", &report_json("Org A", id, 1));
    for level in (1..=times).rev() {
        message = forward(&message, &format!("fwd{level}.eml"));
    }
    let steps = (1..=times)
        .map(|level| format!("forwarded message fwd{level}.eml"))
        .collect();
    (message, steps)
}

#[test]
fn forwarded_messages_nested_deeper_than_max_depth_are_too_deep() {
    let dir = tempdir();
    let max_depth = Limits::default().max_depth as usize;
    // Containers: the e-mail, each forwarded message, the gzip attachment.
    let (message, steps) = forwarded_times("deepest-ok", max_depth - 2);
    let deepest_ok = write(dir.path(), "ok.eml", message);
    let (message, steps_over) = forwarded_times("one-too-deep", max_depth - 1);
    let one_too_deep = write(dir.path(), "over.eml", message);
    let (message, _) = forwarded_times("far-too-deep", 12);
    let far_too_deep = write(dir.path(), "far.eml", message);

    let store = ingest::load(&[
        deepest_ok.clone(),
        one_too_deep.clone(),
        far_too_deep.clone(),
    ]);
    let with = |steps: &[String], last: &[&str]| -> Vec<String> {
        steps
            .iter()
            .map(String::as_str)
            .chain(last.iter().copied())
            .map(String::from)
            .collect()
    };
    let ok_steps = with(&steps, &["attachment r.json.gz"]);
    let ok_steps: Vec<&str> = ok_steps.iter().map(String::as_str).collect();
    assert_eq!(report_sources(&store), [src(&deepest_ok, &ok_steps)]);

    let limit = max_depth as u32;
    let over_steps = with(&steps_over, &["attachment r.json.gz"]);
    let over_steps: Vec<&str> = over_steps.iter().map(String::as_str).collect();
    // Far too deep: the forwarded message past the limit is where reading stops.
    let (_, far_steps) = forwarded_times("x", max_depth);
    let far_steps: Vec<&str> = far_steps.iter().map(String::as_str).collect();
    assert_eq!(
        problems(&store),
        [
            (
                src(&one_too_deep, &over_steps),
                IngestError::TooDeep { limit }
            ),
            (
                src(&far_too_deep, &far_steps),
                IngestError::TooDeep { limit }
            ),
        ]
    );
    assert_eq!(skipped(&store), []);
}

#[test]
fn file_over_max_file_size_is_file_too_large() {
    let dir = tempdir();
    let padded = format!("{}{}", report_json("Org A", "big", 1), " ".repeat(10_000));
    let big = write(dir.path(), "big.json", &padded);
    let small = write(dir.path(), "small.json", report_json("Org A", "small", 1));
    let store = load_limited(
        &[dir.path().to_path_buf()],
        Limits {
            max_file_size: 4096,
            ..Limits::default()
        },
    );
    assert_eq!(report_sources(&store), [src(&small, &[])]);
    assert_eq!(
        problems(&store),
        [(
            src(&big, &[]),
            IngestError::FileTooLarge {
                size: padded.len() as u64,
                limit: 4096
            }
        )]
    );
}

#[test]
fn plain_mbox_over_max_file_size_is_streamed_not_refused() {
    let dir = tempdir();
    let messages = numbered_report_emails(3);
    let data = mbox(&messages, "\n");
    let inbox = write(dir.path(), "inbox.mbox", &data);
    let store = load_limited(
        std::slice::from_ref(&inbox),
        Limits {
            max_file_size: data.len() as u64 / 4,
            ..Limits::default()
        },
    );
    assert_clean(&store);
    assert_eq!(report_ids(&store), ["r1", "r2", "r3"]);
}

#[test]
fn oversized_mbox_message_is_counted_not_held_in_memory() {
    let dir = tempdir();
    let path = dir.path().join("huge.mbox");
    let first = report_email("one", "r1.json.gz", &report_json("Org A", "r1", 1));
    let third = report_email("three", "r3.json.gz", &report_json("Org A", "r3", 3));
    // Message 2: 32 MiB of short lines, then one line of 32 MiB, written in pieces.
    let head = plain_email("huge", "A huge message follows.");
    let line = format!("{}\n", "x".repeat(1023));
    let long_line = vec![b'y'; 1 << 20];
    {
        let mut out = std::io::BufWriter::new(fs::File::create(&path).unwrap());
        out.write_all(&mbox(std::slice::from_ref(&first), "\n"))
            .unwrap();
        out.write_all(b"From MAILER-DAEMON Mon Jun  1 12:00:00 2026\n")
            .unwrap();
        out.write_all(head.as_bytes()).unwrap();
        for _ in 0..32 * 1024 {
            out.write_all(line.as_bytes()).unwrap();
        }
        for _ in 0..32 {
            out.write_all(&long_line).unwrap();
        }
        out.write_all(b"\n\n").unwrap();
        out.write_all(&mbox(std::slice::from_ref(&third), "\n"))
            .unwrap();
    }
    let huge_size = (head.len() + 32 * 1024 * line.len() + 32 * long_line.len() + 2) as u64;
    let limit = 1 << 20;

    LARGEST_ALLOCATION.store(0, Ordering::Relaxed);
    let store = load_limited(
        std::slice::from_ref(&path),
        Limits {
            max_message_size: limit,
            ..Limits::default()
        },
    );
    let largest = LARGEST_ALLOCATION.load(Ordering::Relaxed);
    assert_eq!(
        report_sources(&store),
        [
            src(&path, &["message 1", "attachment r1.json.gz"]),
            src(&path, &["message 3", "attachment r3.json.gz"]),
        ]
    );
    assert_eq!(
        problems(&store),
        [(
            src(&path, &["message 2"]),
            IngestError::FileTooLarge {
                size: huge_size,
                limit
            }
        )]
    );
    assert!(
        largest < 16 << 20,
        "a {huge_size}-byte message over a {limit}-byte limit was buffered: \
         largest allocation {largest} bytes"
    );
}

#[test]
fn mbox_message_over_max_message_size_is_problem_naming_message_and_others_are_read() {
    let dir = tempdir();
    let big_text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n".repeat(4000);
    let messages = [
        report_email("one", "r1.json.gz", &report_json("Org A", "r1", 1)),
        email(
            "two",
            &[
                text_part(&big_text),
                gzip_attachment("r2.json.gz", &report_json("Org A", "r2", 2)),
            ],
            true,
        ),
        report_email("three", "r3.json.gz", &report_json("Org A", "r3", 3)),
    ];
    let inbox = write(dir.path(), "inbox.mbox", mbox(&messages, "\n"));
    let limit = 64 * 1024;
    let store = load_limited(
        std::slice::from_ref(&inbox),
        Limits {
            max_message_size: limit,
            ..Limits::default()
        },
    );
    assert_eq!(
        report_sources(&store),
        [
            src(&inbox, &["message 1", "attachment r1.json.gz"]),
            src(&inbox, &["message 3", "attachment r3.json.gz"]),
        ]
    );
    // A message's size is what follows its `From ` line, up to the next one.
    let size = messages[1].len() as u64 + 1;
    assert_eq!(
        problems(&store),
        [(
            src(&inbox, &["message 2"]),
            IngestError::FileTooLarge { size, limit }
        )]
    );
}

#[test]
fn mbox_message_of_exactly_max_message_size_is_read() {
    let dir = tempdir();
    let message = report_email("one", "r1.json.gz", &report_json("Org A", "r1", 1));
    let inbox = write(
        dir.path(),
        "inbox.mbox",
        mbox(std::slice::from_ref(&message), "\n"),
    );
    let size = message.len() as u64 + 1;
    let load = |limit| {
        load_limited(
            std::slice::from_ref(&inbox),
            Limits {
                max_message_size: limit,
                ..Limits::default()
            },
        )
    };
    let store = load(size);
    assert_clean(&store);
    assert_eq!(report_ids(&store), ["r1"]);
    let store = load(size - 1);
    assert_eq!(store.reports().len(), 0);
    assert_eq!(
        problems(&store),
        [(
            src(&inbox, &["message 1"]),
            IngestError::FileTooLarge {
                size,
                limit: size - 1
            }
        )]
    );
}

// ---------------------------------------------------------------------------------
// Mbox
// ---------------------------------------------------------------------------------

/// Quoted-printable body of `json` with soft line breaks, one right before each of
/// `break_before`, so that those texts start a line.
fn qp_with_breaks(json: &str, break_before: &[&str]) -> String {
    assert!(!json.contains('='));
    let mut cuts: Vec<usize> = break_before
        .iter()
        .map(|text| json.find(text).expect("text in JSON"))
        .collect();
    cuts.sort_unstable();
    cuts.push(json.len());
    let mut lines = Vec::new();
    let mut start = 0;
    for cut in cuts {
        let piece = &json[start..cut];
        let mut rest = piece;
        while rest.len() > 60 {
            let (line, tail) = rest.split_at(60);
            lines.push(line);
            rest = tail;
        }
        lines.push(rest);
        start = cut;
    }
    lines.join("=\n")
}

#[test]
fn mboxrd_from_quoting_in_report_body_and_text_part_does_not_split_messages() {
    let dir = tempdir();
    let mut value = report_value("Org A", "quoted", 5);
    value["policies"][0]["summary"]["total-failure-session-count"] = json!(2);
    value["policies"][0]["failure-details"] = json!([{
        "result-type": "certificate-expired",
        "failed-session-count": 2,
        "failure-reason-code": "From the MX: certificate expired",
        "additional-information": ">From a quoted banner"
    }]);
    let json = value.to_string();
    let body = qp_with_breaks(&json, &["From the MX", ">From a quoted"]);
    assert!(body.lines().any(|l| l.starts_with("From the MX")), "{body}");
    assert!(
        body.lines().any(|l| l.starts_with(">From a quoted")),
        "{body}"
    );
    let first = email(
        "quoted",
        &[
            text_part(
                "This is an aggregate TLS report.\n\
                 From the reporting organization: see the attachment.\n\
                 >From a line that was quoted already.",
            ),
            format!(
                "Content-Type: application/tlsrpt+json; name=\"quoted.json\"\n\
                 Content-Disposition: attachment; filename=\"quoted.json\"\n\
                 Content-Transfer-Encoding: quoted-printable\n\n{body}\n"
            ),
        ],
        true,
    );
    let messages = [
        first,
        report_email("two", "r2.json.gz", &report_json("Org A", "r2", 2)),
        report_email("three", "r3.json.gz", &report_json("Org A", "r3", 3)),
    ];
    let data = mbox(&messages, "\n");
    let text = String::from_utf8_lossy(&data);
    assert!(text.contains("\n>From the reporting organization"));
    assert!(text.contains("\n>From the MX"));
    assert!(text.contains("\n>>From a quoted banner"));
    let inbox = write(dir.path(), "inbox.mbox", data);

    let store = load_one(&inbox);
    assert_clean(&store);
    assert_eq!(
        report_sources(&store),
        [
            src(&inbox, &["message 1", "attachment quoted.json"]),
            src(&inbox, &["message 2", "attachment r2.json.gz"]),
            src(&inbox, &["message 3", "attachment r3.json.gz"]),
        ]
    );
    let detail = &store.reports()[0].report.policies[0].failure_details[0];
    assert_eq!(
        detail.failure_reason_code.as_deref(),
        Some("From the MX: certificate expired")
    );
    assert_eq!(
        detail.additional_information.as_deref(),
        Some(">From a quoted banner")
    );
}

#[test]
fn crlf_mbox_is_split_into_numbered_messages() {
    let dir = tempdir();
    let messages = numbered_report_emails(3);
    let data = mbox(&messages, "\r\n");
    assert!(!data.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
    let inbox = write(dir.path(), "export.mbox", data);
    let store = load_one(&inbox);
    assert_clean(&store);
    assert_eq!(
        report_sources(&store),
        [
            src(&inbox, &["message 1", "attachment r1.json.gz"]),
            src(&inbox, &["message 2", "attachment r2.json.gz"]),
            src(&inbox, &["message 3", "attachment r3.json.gz"]),
        ]
    );
    let sessions: Vec<u64> = store
        .reports()
        .iter()
        .map(|r| r.report.policies[0].summary.total_successful_session_count)
        .collect();
    assert_eq!(sessions, [1, 2, 3]);
}

#[test]
fn mbox_with_utf8_bom_keeps_its_first_message() {
    let dir = tempdir();
    let messages = numbered_report_emails(2);
    let mut data = b"\xEF\xBB\xBF".to_vec();
    data.extend_from_slice(&mbox(&messages, "\n"));
    let inbox = write(dir.path(), "bom.mbox", data);
    let store = load_one(&inbox);
    assert_clean(&store);
    assert_eq!(
        report_sources(&store),
        [
            src(&inbox, &["message 1", "attachment r1.json.gz"]),
            src(&inbox, &["message 2", "attachment r2.json.gz"]),
        ]
    );
}

#[test]
fn gzipped_mbox_is_streamed_and_each_message_numbered() {
    let dir = tempdir();
    let messages = [
        report_email("one", "r1.json.gz", &report_json("Org A", "r1", 1)),
        plain_email("lunch", "Lunch at noon?"),
        report_email("three", "r3.json.gz", &report_json("Org A", "r3", 3)),
        report_email("four", "r4.json.gz", &report_json("Org A", "r4", 4)),
    ];
    let archive = write(dir.path(), "archive.mbox.gz", gzip(&mbox(&messages, "\n")));
    let (store, outcome) = load_with(std::slice::from_ref(&archive), &options(Limits::default()));
    assert_eq!(problems(&store), []);
    assert_eq!(
        report_sources(&store),
        [
            src(&archive, &["message 1", "attachment r1.json.gz"]),
            src(&archive, &["message 3", "attachment r3.json.gz"]),
            src(&archive, &["message 4", "attachment r4.json.gz"]),
        ]
    );
    assert_eq!(
        skipped(&store),
        [(src(&archive, &["message 2"]), SkipReason::NoReportInMessage)]
    );
    assert_eq!(outcome.progress.messages, 4);
}

#[test]
fn problem_in_mbox_names_message_number_and_attachment() {
    let dir = tempdir();
    let gz = gzip(report_json("Org A", "r2", 2).as_bytes());
    let truncated = &gz[..gz.len() / 2];
    let messages = [
        report_email("one", "r1.json.gz", &report_json("Org A", "r1", 1)),
        email(
            "two",
            &[
                text_part("Report attached."),
                base64_attachment("application/tlsrpt+gzip", "r2.json.gz", truncated),
            ],
            true,
        ),
        email(
            "three",
            &[
                text_part("Report attached."),
                "Content-Type: application/tlsrpt+json; name=\"r3.json\"\n\
                 Content-Disposition: attachment; filename=\"r3.json\"\n\n\
                 {\"organization-name\": \"Org A\", \"policies\": [\n"
                    .to_string(),
            ],
            true,
        ),
    ];
    let inbox = write(dir.path(), "inbox.mbox", mbox(&messages, "\n"));
    let store = load_one(&inbox);
    assert_eq!(
        report_sources(&store),
        [src(&inbox, &["message 1", "attachment r1.json.gz"])]
    );
    let problems = problems(&store);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0].0,
        src(&inbox, &["message 2", "attachment r2.json.gz"])
    );
    assert!(
        matches!(problems[0].1, IngestError::Gzip(_)),
        "{:?}",
        problems[0].1
    );
    assert_eq!(
        problems[1].0,
        src(&inbox, &["message 3", "attachment r3.json"])
    );
    assert!(
        matches!(
            problems[1].1,
            IngestError::Report(ReportError::InvalidJson { .. })
        ),
        "{:?}",
        problems[1].1
    );
    assert_eq!(skipped(&store), []);
}

#[test]
fn email_without_report_is_skipped_not_a_problem() {
    let dir = tempdir();
    let messages = [
        plain_email("hello", "Just saying hello."),
        email(
            "newsletter",
            &[
                text_part("See the picture."),
                base64_attachment("image/png", "logo.png", b"\x89PNG\r\n\x1a\nnot really"),
            ],
            true,
        ),
    ];
    let inbox = write(dir.path(), "inbox.mbox", mbox(&messages, "\n"));
    let eml = write(dir.path(), "hello.eml", plain_email("hi", "Hi there."));
    let store = ingest::load(&[inbox.clone(), eml.clone()]);
    assert_eq!(store.reports().len(), 0);
    assert_eq!(problems(&store), []);
    assert_eq!(
        skipped(&store),
        [
            (src(&inbox, &["message 1"]), SkipReason::NoReportInMessage),
            (src(&inbox, &["message 2"]), SkipReason::NoReportInMessage),
            (src(&eml, &[]), SkipReason::NoReportInMessage),
        ]
    );
}

const DMARC_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>google.com</org_name>
    <email>noreply-dmarc-support@google.com</email>
    <report_id>1234567890</report_id>
    <date_range><begin>1780272000</begin><end>1780358399</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><p>reject</p></policy_published>
</feedback>
"#;

#[test]
fn dmarc_aggregate_report_email_is_skipped_with_dmarc_reason() {
    let dir = tempdir();
    let dmarc = email(
        "Report domain: example.com Submitter: google.com",
        &[
            text_part("This is a DMARC aggregate report."),
            base64_attachment(
                "application/gzip",
                "google.com!example.com!1780272000!1780358399.xml.gz",
                &gzip(DMARC_XML.as_bytes()),
            ),
        ],
        true,
    );
    let messages = [
        dmarc.clone(),
        report_email("tls", "r1.json.gz", &report_json("Org A", "r1", 1)),
    ];
    let inbox = write(dir.path(), "inbox.mbox", mbox(&messages, "\n"));
    let eml = write(dir.path(), "dmarc.eml", &dmarc);
    let store = ingest::load(&[inbox.clone(), eml.clone()]);
    assert_eq!(problems(&store), []);
    assert_eq!(
        report_sources(&store),
        [src(&inbox, &["message 2", "attachment r1.json.gz"])]
    );
    assert_eq!(
        skipped(&store),
        [
            (src(&inbox, &["message 1"]), SkipReason::DmarcAggregate),
            (src(&eml, &[]), SkipReason::DmarcAggregate),
        ]
    );
    assert_eq!(
        SkipReason::DmarcAggregate.to_string(),
        "DMARC aggregate report, not a TLS report"
    );
}

#[test]
fn mbox_after_a_byte_order_mark_or_blank_lines_is_read_whole() {
    let dir = tempdir();
    let messages = [
        report_email("one", "r1.json.gz", &report_json("Org A", "r1", 1)),
        report_email("two", "r2.json.gz", &report_json("Org A", "r2", 2)),
    ];
    for (name, head, eol) in [
        ("blank", "\n", "\n"),
        ("blank-crlf", "\r\n\r\n", "\r\n"),
        ("bom-blank", "\u{feff}\n", "\n"),
    ] {
        let mut data = head.as_bytes().to_vec();
        data.extend(mbox(&messages, eol));
        // Streamed from the file, and inflated into memory first.
        let plain = write(dir.path(), &format!("{name}.mbox"), &data);
        let packed = write(dir.path(), &format!("{name}.mbox.gz"), gzip(&data));
        for inbox in [plain, packed] {
            assert_reads_r1_and_r2(&inbox);
        }
    }
}

#[test]
fn unquoted_from_line_in_a_body_does_not_split_its_message() {
    // An mboxo/mboxcl writer leaves "From here on" unquoted; the separators carry
    // a date and that line does not.
    let dir = tempdir();
    let first = email(
        "one",
        &[
            text_part("Hello.\n\nFrom here on, reports come daily."),
            gzip_attachment("r1.json.gz", &report_json("Org A", "r1", 1)),
        ],
        true,
    );
    let second = report_email("two", "r2.json.gz", &report_json("Org A", "r2", 2));
    let mut data = Vec::new();
    for message in [&first, &second] {
        data.extend_from_slice(b"From sender@example.org Mon Jun  1 12:00:00 2026\n");
        data.extend_from_slice(message.as_bytes());
        data.extend_from_slice(b"\n");
    }
    assert_reads_r1_and_r2(&write(dir.path(), "inbox.mbox", &data));
}

/// Asserts that `inbox` reads cleanly into r1.json.gz of message 1 and
/// r2.json.gz of message 2.
fn assert_reads_r1_and_r2(inbox: &Path) {
    let store = load_limited(&[inbox.to_path_buf()], Limits::default());
    assert_clean(&store);
    assert_eq!(
        report_sources(&store),
        [
            src(inbox, &["message 1", "attachment r1.json.gz"]),
            src(inbox, &["message 2", "attachment r2.json.gz"]),
        ],
        "{}",
        inbox.display()
    );
}

// ---------------------------------------------------------------------------------
// MIME
// ---------------------------------------------------------------------------------

/// Writes `message` as `name` in a new folder, loads it and returns the only
/// report's source and its report-id, asserting nothing else came of it.
fn load_single_email(message: &str) -> (TempDir, PathBuf, String) {
    let dir = tempdir();
    let path = write(dir.path(), "report.eml", message);
    let store = load_one(&path);
    assert_clean(&store);
    assert_eq!(report_ids(&store), ["mime-1"], "report ids");
    let source = store.reports()[0].source.to_string();
    (dir, path, source)
}

#[test]
fn tlsrpt_json_quoted_printable_attachment_is_read() {
    let json = report_json("Org A", "mime-1", 7);
    let qp = quoted_printable::encode_to_str(json.as_bytes());
    assert!(qp.lines().count() > 1, "soft line breaks");
    let message = email(
        "qp",
        &[
            text_part("Report attached."),
            format!(
                "Content-Type: application/tlsrpt+json; name=\"r.json\"\n\
                 Content-Disposition: attachment; filename=\"r.json\"\n\
                 Content-Transfer-Encoding: quoted-printable\n\n{qp}\n"
            ),
        ],
        true,
    );
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(source, src(&path, &["attachment r.json"]));
}

#[test]
fn bare_application_tlsrpt_raw_json_is_read() {
    let json = report_json("Org A", "mime-1", 7);
    let message = email(
        "bare",
        &[
            text_part("Report attached."),
            format!(
                "Content-Type: application/tlsrpt\n\
                 Content-Disposition: attachment;\n filename=\"reporter.example!example.com!1780272000!1780358399!001.json\"\n\n\
                 {json}\n"
            ),
        ],
        true,
    );
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(
        source,
        src(
            &path,
            &["attachment reporter.example!example.com!1780272000!1780358399!001.json"]
        )
    );
}

#[test]
fn octet_stream_gzip_attachment_is_read() {
    let json = report_json("Org A", "mime-1", 7);
    let message = email(
        "octet",
        &[
            text_part("Report attached."),
            base64_attachment(
                "application/octet-stream",
                "report.json.gz",
                &gzip(json.as_bytes()),
            ),
        ],
        true,
    );
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(source, src(&path, &["attachment report.json.gz"]));
}

#[test]
fn zip_attachment_is_read_with_member_in_source() {
    let json = report_json("Org A", "mime-1", 7);
    let message = email(
        "zip",
        &[
            text_part("Report attached."),
            base64_attachment(
                "application/zip",
                "report.zip",
                &zip_of(&[("report.json", json.as_bytes())]),
            ),
        ],
        true,
    );
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(
        source,
        src(&path, &["attachment report.zip", "member report.json"])
    );
}

#[test]
fn report_in_forwarded_message_is_read() {
    let inner = report_email("inner", "r.json.gz", &report_json("Org A", "mime-1", 7));
    let message = forward(&inner, "original.eml");
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(
        source,
        src(
            &path,
            &["forwarded message original.eml", "attachment r.json.gz"]
        )
    );
}

#[test]
fn message_missing_closing_boundary_still_yields_report() {
    let json = report_json("Org A", "mime-1", 7);
    let message = email(
        "unclosed",
        &[
            text_part("Report attached."),
            gzip_attachment("r.json.gz", &json),
        ],
        false,
    );
    assert!(!message.contains(&format!("--{BOUNDARY}--")));
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(source, src(&path, &["attachment r.json.gz"]));

    // The same with CRLF line ends, as Mail.ru sends it.
    let (_dir, path, source) = load_single_email(&message.replace('\n', "\r\n"));
    assert_eq!(source, src(&path, &["attachment r.json.gz"]));
}

#[test]
fn html_only_body_with_attachment_is_read() {
    let json = report_json("Org A", "mime-1", 7);
    let message = email(
        "html",
        &[
            "Content-Type: text/html; charset=utf-8\n\n\
             <html><body><p>This is an aggregate TLS report.</p></body></html>\n"
                .to_string(),
            gzip_attachment("r.json.gz", &json),
        ],
        true,
    );
    let (_dir, path, source) = load_single_email(&message);
    assert_eq!(source, src(&path, &["attachment r.json.gz"]));
}

#[test]
fn report_json_pasted_into_a_plain_text_body_is_read() {
    let dir = tempdir();
    let json = report_json("Org A", "inline", 1);
    let pasted = write(dir.path(), "pasted.eml", plain_email("Fwd: report", &json));
    let braces = write(
        dir.path(),
        "braces.eml",
        plain_email("notes", "{ a note in braces, not JSON }"),
    );
    let store = load_limited(&[pasted.clone(), braces.clone()], Limits::default());
    assert_eq!(report_ids(&store), ["inline"]);
    assert_eq!(
        report_sources(&store),
        [src(&pasted, &["attachment part 0"])]
    );
    assert_eq!(problems(&store), []);
    assert_eq!(
        skipped(&store),
        [(src(&braces, &[]), SkipReason::NoReportInMessage)]
    );
}

// ---------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        let bytes = if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    out
}

#[test]
fn json_with_utf8_bom_and_utf16_le_and_be_with_bom_is_read() {
    let dir = tempdir();
    let bom = write(
        dir.path(),
        "bom.json",
        format!("\u{FEFF}{}", report_json("Örg Ä", "utf8-bom", 1)),
    );
    let le = write(
        dir.path(),
        "le.json",
        utf16(&report_json("Örg Ä", "utf16-le", 2), false),
    );
    let be = write(
        dir.path(),
        "be.json",
        utf16(&report_json("Örg Ä", "utf16-be", 3), true),
    );
    let store = ingest::load(&[bom.clone(), le.clone(), be.clone()]);
    assert_clean(&store);
    assert_eq!(
        report_sources(&store),
        [src(&bom, &[]), src(&le, &[]), src(&be, &[])]
    );
    assert_eq!(report_ids(&store), ["utf8-bom", "utf16-le", "utf16-be"]);
    for loaded in store.reports() {
        assert_eq!(&*loaded.report.organization_name, "Örg Ä");
    }
}

#[test]
fn json_array_of_two_reports_numbers_their_sources() {
    let dir = tempdir();
    let list = json!([
        report_value("Org A", "first", 1),
        report_value("Org B", "second", 2)
    ]);
    let path = write(dir.path(), "two.json", list.to_string());
    let store = load_one(&path);
    assert_clean(&store);
    assert_eq!(
        report_sources(&store),
        [src(&path, &["report 1"]), src(&path, &["report 2"])]
    );
    assert_eq!(report_ids(&store), ["first", "second"]);

    // A list of one report is not numbered.
    let one = write(
        dir.path(),
        "one.json",
        json!([report_value("Org A", "only", 1)]).to_string(),
    );
    let store = load_one(&one);
    assert_eq!(report_sources(&store), [src(&one, &[])]);
}

#[test]
fn json_that_is_not_a_tls_report_is_problem_when_named_or_with_json_extension() {
    let dir = tempdir();
    let other = r#"{"name": "my-package", "version": "1.0.0"}"#;
    let named = write(dir.path(), "named/package.txt", other);
    let in_folder = write(dir.path(), "folder/package.json", other);
    let store = ingest::load(&[named.clone(), dir.path().join("folder")]);
    assert_eq!(store.reports().len(), 0);
    assert_eq!(skipped(&store), []);
    let not_report = || IngestError::Report(ReportError::NotTlsReport);
    assert_eq!(
        problems(&store),
        [
            (src(&named, &[]), not_report()),
            (src(&in_folder, &[]), not_report())
        ]
    );
}

#[test]
fn unrecognized_file_in_folder_is_skipped_unless_its_name_claims_a_report() {
    let dir = tempdir();
    let content = "These are my notes about MTA-STS.\n";
    let notes = write(dir.path(), "notes.txt", content);
    let claimed = write(dir.path(), "x.json", content);
    // Empty: a placeholder passed over, an empty report file a problem.
    let keep = write(dir.path(), ".keep", "");
    let empty_report = write(dir.path(), "y.json.gz", "");
    let store = ingest::load(&[dir.path().to_path_buf()]);
    assert_eq!(store.reports().len(), 0);
    assert_eq!(
        skipped(&store),
        [
            (src(&keep, &[]), SkipReason::EmptyFile),
            (src(&notes, &[]), SkipReason::NotAReportFile)
        ]
    );
    assert_eq!(
        problems(&store),
        [
            (src(&claimed, &[]), IngestError::Unrecognized),
            (src(&empty_report, &[]), IngestError::Empty)
        ]
    );

    // Named explicitly, the same file is a problem too.
    let store = ingest::load(std::slice::from_ref(&notes));
    assert_eq!(skipped(&store), []);
    assert_eq!(
        problems(&store),
        [(src(&notes, &[]), IngestError::Unrecognized)]
    );
}

// ---------------------------------------------------------------------------------
// Dedupe and merge
// ---------------------------------------------------------------------------------

fn load_into(store: &mut Loaded, paths: &[PathBuf], threads: usize) -> LoadOutcome {
    let options = LoadOptions {
        threads: Some(threads),
        ..LoadOptions::default()
    };
    ingest::load_into(store, paths, &options, &AtomicBool::new(false), |_| {})
}

#[test]
fn loading_same_inputs_twice_adds_no_reports_and_counts_duplicates() {
    let dir = tempdir();
    write(dir.path(), "a.json", report_json("Org A", "a", 1));
    write(
        dir.path(),
        "b.json.gz",
        gzip(report_json("Org A", "b", 2).as_bytes()),
    );
    let messages = [
        report_email("c", "c.json.gz", &report_json("Org B", "c", 3)),
        report_email("d", "d.json.gz", &report_json("Org B", "d", 4)),
    ];
    write(dir.path(), "inbox.mbox", mbox(&messages, "\n"));
    let paths = [dir.path().to_path_buf()];

    let mut store = Loaded::new();
    let first = load_into(&mut store, &paths, 4);
    assert_eq!(first.progress.reports, 4);
    assert_eq!(first.progress.duplicates, 0);
    assert_eq!(store.duplicates(), 0);
    let sources_after_first = report_sources(&store);
    let summary_after_first = Summary::of(&store);

    let second = load_into(&mut store, &paths, 4);
    assert!(!second.cancelled);
    assert_eq!(second.progress.reports, 0);
    assert_eq!(second.progress.duplicates, 4);
    assert_eq!(store.reports().len(), 4);
    assert_eq!(store.duplicates(), 4);
    assert!(store.conflicts().is_empty());
    assert_eq!(report_sources(&store), sources_after_first);
    let summary = Summary::of(&store);
    assert_eq!(summary.duplicates, 4);
    assert_eq!(
        summary.successful_sessions,
        summary_after_first.successful_sessions
    );
    assert_eq!(summary.by_day, summary_after_first.by_day);
}

#[test]
fn identical_copy_in_file_and_mbox_message_counts_once() {
    let dir = tempdir();
    let json = report_json("Org A", "same", 9);
    let file = write(dir.path(), "copy.json", &json);
    let inbox = write(
        dir.path(),
        "inbox.mbox",
        mbox(&[report_email("same", "same.json.gz", &json)], "\n"),
    );
    for (paths, kept) in [
        (vec![file.clone(), inbox.clone()], src(&file, &[])),
        (
            vec![inbox.clone(), file.clone()],
            src(&inbox, &["message 1", "attachment same.json.gz"]),
        ),
    ] {
        let mut store = Loaded::new();
        let outcome = load_into(&mut store, &paths, 4);
        assert_clean(&store);
        assert_eq!(report_sources(&store), [kept]);
        assert_eq!(store.duplicates(), 1);
        assert_eq!(outcome.progress.duplicates, 1);
        assert_eq!(outcome.progress.reports, 1);
        assert!(
            store.conflicts().is_empty(),
            "identical copies do not conflict"
        );
        assert_eq!(Summary::of(&store).successful_sessions, 9);
    }
}

#[test]
fn conflicting_copy_is_listed_and_first_in_input_order_is_kept() {
    let dir = tempdir();
    // The first copy sits at the end of a large archive, so that a decoder thread
    // usually finishes the small second file first.
    let filler: Vec<(String, String)> = (0..400)
        .map(|i| {
            (
                format!("filler-{i:03}.json"),
                report_json("Filler Org", &format!("f{i}"), i),
            )
        })
        .collect();
    let original = report_json("Org A", "disputed", 100);
    let mut members: Vec<(&str, &[u8])> = filler
        .iter()
        .map(|(name, json)| (name.as_str(), json.as_bytes()))
        .collect();
    members.push(("disputed.json", original.as_bytes()));
    let archive = write(dir.path(), "big.zip", zip_of(&members));
    let changed = write(
        dir.path(),
        "changed.json",
        report_json("Org A", "disputed", 999),
    );

    for _ in 0..5 {
        let mut store = Loaded::new();
        load_into(&mut store, &[archive.clone(), changed.clone()], 4);
        assert_clean(&store);
        assert_eq!(store.reports().len(), 401);
        assert_eq!(store.duplicates(), 1);
        let kept = store
            .reports()
            .iter()
            .find(|r| &*r.report.report_id == "disputed")
            .unwrap();
        assert_eq!(
            kept.source.to_string(),
            src(&archive, &["member disputed.json"])
        );
        assert_eq!(
            kept.report.policies[0]
                .summary
                .total_successful_session_count,
            100
        );
        let conflicts = store.conflicts();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(&*conflicts[0].organization_name, "Org A");
        assert_eq!(&*conflicts[0].report_id, "disputed");
        assert_eq!(
            conflicts[0].kept.to_string(),
            src(&archive, &["member disputed.json"])
        );
        assert_eq!(conflicts[0].dropped.to_string(), src(&changed, &[]));
    }

    // In the other input order the other copy is kept.
    let mut store = Loaded::new();
    load_into(&mut store, &[changed.clone(), archive.clone()], 4);
    let conflicts = store.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kept.to_string(), src(&changed, &[]));
    assert_eq!(
        conflicts[0].dropped.to_string(),
        src(&archive, &["member disputed.json"])
    );

    // Within one mailbox, the earlier message is kept.
    let inbox = write(
        dir.path(),
        "inbox.mbox",
        mbox(
            &[
                report_email("v1", "v1.json.gz", &report_json("Org B", "twice", 1)),
                report_email("other", "o.json.gz", &report_json("Org B", "other", 5)),
                report_email("v2", "v2.json.gz", &report_json("Org B", "twice", 2)),
            ],
            "\n",
        ),
    );
    let mut store = Loaded::new();
    load_into(&mut store, std::slice::from_ref(&inbox), 4);
    assert_eq!(store.conflicts().len(), 1);
    assert_eq!(
        store.conflicts()[0].kept.to_string(),
        src(&inbox, &["message 1", "attachment v1.json.gz"])
    );
    assert_eq!(
        store.conflicts()[0].dropped.to_string(),
        src(&inbox, &["message 3", "attachment v2.json.gz"])
    );

    // Across loads, the copy of the earlier load is kept.
    let mut store = Loaded::new();
    load_into(&mut store, std::slice::from_ref(&changed), 4);
    load_into(&mut store, std::slice::from_ref(&archive), 4);
    assert_eq!(store.conflicts().len(), 1);
    assert_eq!(store.conflicts()[0].kept.to_string(), src(&changed, &[]));
    let kept = store
        .reports()
        .iter()
        .find(|r| &*r.report.report_id == "disputed")
        .unwrap();
    assert_eq!(
        kept.report.policies[0]
            .summary
            .total_successful_session_count,
        999
    );
}

#[test]
fn summary_is_identical_across_repeated_loads_with_four_threads() {
    let dir = tempdir();
    let corpus = CorpusOptions {
        reports: 300,
        seed: 11,
        layout: Layout::Mixed,
        ..CorpusOptions::default()
    };
    let expected = generate(dir.path(), &corpus).unwrap();
    assert!(expected.duplicates > 0 && !expected.conflicts.is_empty());
    let paths = [dir.path().to_path_buf()];
    let mut first: Option<(String, Vec<String>)> = None;
    for _ in 0..20 {
        let mut store = Loaded::new();
        load_into(&mut store, &paths, 4);
        let summary = Summary::of(&store);
        assert_eq!(summary.reports, expected.reports);
        assert_eq!(summary.duplicates, expected.duplicates);
        assert_eq!(summary.successful_sessions, expected.successful_sessions);
        assert_eq!(summary.failed_sessions, expected.failed_sessions);
        assert_eq!(summary.problems.len(), expected.problems.len());
        assert_eq!(summary.skipped.len(), expected.skipped.len());
        assert_eq!(summary.conflicts.len(), expected.conflicts.len());
        let this = (
            serde_json::to_string(&summary).unwrap(),
            report_sources(&store),
        );
        match &first {
            None => first = Some(this),
            Some(first) => assert!(*first == this, "summary or report order changed"),
        }
    }
}

// ---------------------------------------------------------------------------------
// Folders
// ---------------------------------------------------------------------------------

#[test]
fn folder_is_walked_recursively_in_name_order() {
    let dir = tempdir();
    let names = [
        "c.json",
        "b/2.json",
        "a.json",
        "a/z.json",
        "a/b/1.json",
        "B.json",
        "a/b/0.json.gz",
    ];
    for (i, name) in names.iter().enumerate() {
        let json = report_json("Org A", name, i as u64);
        if name.ends_with(".gz") {
            write(dir.path(), name, gzip(json.as_bytes()));
        } else {
            write(dir.path(), name, json);
        }
    }
    let store = load_limited(&[dir.path().to_path_buf()], Limits::default());
    assert_clean(&store);
    let expected: Vec<String> = [
        "B.json",
        "a/b/0.json.gz",
        "a/b/1.json",
        "a/z.json",
        "a.json",
        "b/2.json",
        "c.json",
    ]
    .iter()
    .map(|name| src(&dir.path().join(name), &[]))
    .collect();
    assert_eq!(report_sources(&store), expected);
}

#[test]
fn symlink_loop_is_a_problem_not_a_hang() {
    let dir = tempdir();
    let good = write(dir.path(), "a.json", report_json("Org A", "a", 1));
    let last = write(dir.path(), "sub/z.json", report_json("Org A", "z", 2));
    let link = dir.path().join("sub/loop");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let store = ingest::load(&[dir.path().to_path_buf()]);
    assert_eq!(report_sources(&store), [src(&good, &[]), src(&last, &[])]);
    assert_eq!(skipped(&store), []);
    let problems = problems(&store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, src(&link, &[]));
    assert!(
        matches!(&problems[0].1, IngestError::Walk(text) if text.contains("loop")),
        "{:?}",
        problems[0].1
    );
}

#[test]
fn unreadable_file_is_a_problem() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempdir();
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let dir = root.path().join("reports");
    let good = write(&dir, "a.json", report_json("Org A", "a", 1));
    let locked = write(&dir, "b.json", report_json("Org A", "b", 2));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&locked).is_ok() {
        // Root reads a file of mode 000: load as `nobody` instead.
        let test = "unreadable_file_is_a_problem";
        let Some(summary) = summary_as_nobody(test, &dir) else {
            return;
        };
        assert_eq!(summary.reports, 1);
        assert_eq!(summary.problems.len(), 1, "{:?}", summary.problems);
        assert_eq!(summary.problems[0].0, src(&locked, &[]));
        assert!(summary.problems[0].1.contains("ermission denied"));
        return;
    }
    let store = ingest::load(std::slice::from_ref(&dir));
    assert_eq!(report_sources(&store), [src(&good, &[])]);
    let problems = problems(&store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, src(&locked, &[]));
    assert!(
        matches!(problems[0].1, IngestError::Io(_)),
        "{:?}",
        problems[0].1
    );
}

#[test]
fn missing_path_is_a_problem_and_other_paths_are_read() {
    let dir = tempdir();
    let missing = dir.path().join("no-such-file.json");
    let good = write(dir.path(), "a.json", report_json("Org A", "a", 1));
    let store = ingest::load(&[missing.clone(), good.clone()]);
    assert_eq!(report_sources(&store), [src(&good, &[])]);
    let problems = problems(&store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, src(&missing, &[]));
    assert!(
        matches!(&problems[0].1, IngestError::Io(text) if text.contains("No such file")),
        "{:?}",
        problems[0].1
    );
}

// ---------------------------------------------------------------------------------
// Progress and cancel
// ---------------------------------------------------------------------------------

/// Loads `paths`, recording every progress call.
fn load_recording(
    paths: &[PathBuf],
    options: &LoadOptions,
) -> (Loaded, LoadOutcome, Vec<Progress>) {
    let mut store = Loaded::new();
    let mut calls = Vec::new();
    let outcome = ingest::load_into(&mut store, paths, options, &AtomicBool::new(false), |p| {
        calls.push(*p)
    });
    (store, outcome, calls)
}

fn assert_final_progress(store: &Loaded, outcome: &LoadOutcome, calls: &[Progress]) {
    let last = *calls.last().expect("progress was called");
    assert_eq!(
        last, outcome.progress,
        "the last call shows the final counts"
    );
    assert_eq!(last.bytes_read, last.bytes_total, "{last:?}");
    assert_eq!(last.files_done, last.files_total, "{last:?}");
    assert_eq!(last.reports, store.reports().len() as u64);
    assert_eq!(last.problems, store.problems().len() as u64);
    assert_eq!(last.skipped, store.skipped().len() as u64);
    assert_eq!(last.duplicates, store.duplicates());
    for pair in calls.windows(2) {
        assert!(pair[0].bytes_read <= pair[1].bytes_read);
        assert!(pair[0].reports <= pair[1].reports);
    }
}

#[test]
fn progress_ends_with_all_bytes_read_and_counts_matching_store() {
    let dir = tempdir();
    write(dir.path(), "a.json", report_json("Org A", "a", 1));
    write(dir.path(), "a-copy.json", report_json("Org A", "a", 1));
    write(
        dir.path(),
        "b.json.gz",
        gzip(report_json("Org A", "b", 2).as_bytes()),
    );
    write(
        dir.path(),
        "c.zip",
        zip_of(&[("c.json", report_json("Org A", "c", 3).as_bytes())]),
    );
    let messages = [
        report_email("d", "d.json.gz", &report_json("Org B", "d", 4)),
        plain_email("hello", "no report here"),
        report_email("e", "e.json.gz", &report_json("Org B", "e", 5)),
    ];
    write(dir.path(), "inbox.mbox", mbox(&messages, "\n"));
    write(
        dir.path(),
        "archive.mbox.gz",
        gzip(&mbox(&messages[..1], "\n")),
    );
    write(dir.path(), "broken.json.gz", &gzip(b"{\"x\": 1}")[..10]);
    write(dir.path(), "notes.txt", "just notes");
    let total: u64 = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();

    let (store, outcome, calls) =
        load_recording(&[dir.path().to_path_buf()], &options(Limits::default()));
    assert!(!outcome.cancelled);
    assert_final_progress(&store, &outcome, &calls);
    let last = outcome.progress;
    assert_eq!(last.bytes_total, total);
    assert_eq!(last.files_total, 8);
    assert_eq!(last.reports, 5);
    assert_eq!(last.duplicates, 2);
    assert_eq!(last.problems, 1);
    assert_eq!(last.skipped, 2);
    assert_eq!(last.messages, 4);
}

#[test]
fn progress_ends_with_all_bytes_read_when_files_are_refused() {
    let dir = tempdir();
    write(dir.path(), "a.json", report_json("Org A", "a", 1));
    let padded = format!("{}{}", report_json("Org A", "big", 1), " ".repeat(300_000));
    write(dir.path(), "big.json", &padded);
    let total: u64 = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let (store, outcome, calls) = load_recording(
        &[dir.path().to_path_buf()],
        &options(Limits {
            max_file_size: 100_000,
            ..Limits::default()
        }),
    );
    assert_eq!(store.reports().len(), 1);
    assert!(matches!(
        store.problems().next().map(|p| &p.error),
        Some(IngestError::FileTooLarge { .. })
    ));
    assert_final_progress(&store, &outcome, &calls);
    assert_eq!(outcome.progress.bytes_total, total);
}

#[test]
fn cancel_from_progress_callback_stops_early_and_keeps_complete_reports() {
    let dir = tempdir();
    let messages = 3000;
    let corpus = CorpusOptions {
        reports: messages,
        seed: 3,
        layout: Layout::Mbox,
        ..CorpusOptions::default()
    };
    let expected = generate(dir.path(), &corpus).unwrap();
    assert_eq!(expected.reports, messages as u64);
    let inbox = dir.path().join("reports.mbox");
    let options = LoadOptions {
        threads: Some(4),
        ..LoadOptions::default()
    };

    // The whole mailbox, for reference.
    let (full, _) = load_with(std::slice::from_ref(&inbox), &options);
    assert_clean(&full);
    assert_eq!(full.reports().len(), messages);
    let full_summary = Summary::of(&full);
    assert_eq!(
        full_summary.successful_sessions,
        expected.successful_sessions
    );
    assert_eq!(full_summary.failed_sessions, expected.failed_sessions);
    assert_eq!(full_summary.by_day, expected.by_day);

    let cancel = AtomicBool::new(false);
    let mut store = Loaded::new();
    let mut seen_at_cancel = None;
    let mut calls = 0;
    let outcome = ingest::load_into(
        &mut store,
        std::slice::from_ref(&inbox),
        &options,
        &cancel,
        |p| {
            calls += 1;
            if seen_at_cancel.is_none() && p.reports > 0 {
                seen_at_cancel = Some(p.reports);
                cancel.store(true, Ordering::Relaxed);
            }
        },
    );
    let seen = seen_at_cancel.expect("progress was called during the load");
    assert!(outcome.cancelled);
    assert!(calls >= 2, "a call during the load and one at the end");
    let kept = store.reports().len();
    assert!(kept < messages, "stopped early: {kept} of {messages}");
    assert!(
        kept as u64 >= seen,
        "reports read before the cancel are kept"
    );
    assert_eq!(outcome.progress.reports, kept as u64);
    assert_eq!(problems(&store), []);
    assert!(outcome.progress.bytes_read < outcome.progress.bytes_total);

    // Every kept report is complete: equal to its copy in the full load, from the
    // same message.
    let mut numbers = Vec::new();
    for loaded in store.reports() {
        let reference = full
            .reports()
            .iter()
            .find(|r| r.source == loaded.source)
            .unwrap_or_else(|| panic!("{} not in the full load", loaded.source));
        assert_eq!(loaded.report, reference.report, "{}", loaded.source);
        numbers.push(loaded.source.message_number().unwrap());
    }
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "in message order");
}

#[test]
fn cancel_before_load_reads_nothing() {
    let dir = tempdir();
    write(dir.path(), "a.json", report_json("Org A", "a", 1));
    let mut store = Loaded::new();
    let outcome = ingest::load_into(
        &mut store,
        &[dir.path().to_path_buf()],
        &options(Limits::default()),
        &AtomicBool::new(true),
        |_| {},
    );
    assert!(outcome.cancelled);
    assert_eq!(store.reports().len(), 0);
    assert_eq!(problems(&store), []);
}

#[test]
fn an_endless_device_is_read_up_to_the_file_limit() {
    let zero = PathBuf::from("/dev/zero");
    if !zero.exists() {
        eprintln!("skipping: this system has no /dev/zero");
        return;
    }
    let limit = 1 << 20;
    let store = load_limited(
        std::slice::from_ref(&zero),
        Limits {
            max_file_size: limit,
            ..Limits::default()
        },
    );
    assert_eq!(
        problems(&store),
        [(src(&zero, &[]), IngestError::ReadPastLimit { limit })]
    );
}

#[test]
fn the_listing_of_folders_is_reported_before_reading_and_cancel_stops_it() {
    let dir = tempdir();
    let files = 500;
    for i in 0..files {
        let id = format!("r{i:03}");
        write(
            dir.path(),
            &format!("{id}.json"),
            report_json("Org A", &id, 1),
        );
    }
    let folder = [dir.path().to_path_buf()];
    let (store, outcome, calls) = load_recording(&folder, &options(Limits::default()));
    assert_eq!(store.reports().len(), files);
    assert_final_progress(&store, &outcome, &calls);
    assert_eq!(outcome.progress.files_total, files as u64);
    assert!(!outcome.progress.listing);
    // The first call says the listing started; while listing nothing is read.
    assert!(calls[0].listing, "{:?}", calls[0]);
    let reading = calls.iter().position(|c| !c.listing).expect("calls after");
    assert!(calls[..reading].iter().all(|c| c.files_done == 0
        && c.bytes_read == 0
        && c.reports == 0
        && c.files_total <= files as u64));
    assert!(calls[reading..].iter().all(|c| !c.listing));

    // Cancelled while listing: the folder is not listed further nor read.
    let cancel = AtomicBool::new(false);
    let mut store = Loaded::new();
    let outcome = ingest::load_into(
        &mut store,
        &folder,
        &options(Limits::default()),
        &cancel,
        |p| {
            if p.listing {
                cancel.store(true, Ordering::Relaxed);
            }
        },
    );
    assert!(outcome.cancelled);
    assert!(
        outcome.progress.files_total < files as u64,
        "{:?}",
        outcome.progress
    );
    assert_eq!(outcome.progress.files_done, 0);
    assert_eq!(store.reports().len(), 0);
    assert_eq!(problems(&store), []);
}

// ---------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
}

#[test]
fn cli_summary_without_path_exits_with_status_2() {
    let output = cli().arg("summary").output().expect("run tlsrpt-analyzer");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(!output.stderr.is_empty());
}

#[test]
fn cli_summary_with_missing_path_exits_0_and_lists_the_problem() {
    let dir = tempdir();
    let missing = dir.path().join("missing.mbox");
    let output = cli()
        .arg("summary")
        .arg(&missing)
        .output()
        .expect("run tlsrpt-analyzer");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Problems:            1"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains(&missing.display().to_string()))
        .unwrap_or_else(|| panic!("no line names the path:\n{stdout}"));
    assert!(line.contains("cannot read:"), "{line}");

    let output = cli()
        .args(["summary", "--format", "json"])
        .arg(&missing)
        .output()
        .expect("run tlsrpt-analyzer");
    assert_eq!(output.status.code(), Some(0));
    let summary: Summary = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary.reports, 0);
    assert_eq!(summary.problems.len(), 1);
    assert_eq!(summary.problems[0].source, src(&missing, &[]));
    assert!(summary.problems[0].error.starts_with("cannot read: "));
}
