//! IMAP sources against a real Dovecot started for each test (tests/common/dovecot.rs):
//! the command line's `source add` and `sync`, with the exact totals of a
//! generated corpus whatever happens on the way.

#[path = "common/dovecot.rs"]
mod dovecot;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use dovecot::{Dovecot, PASSWORD, Setup, TOKEN};
use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::library::db::Library;
use tlsrpt_analyzer::sources::{SyncOptions, sync_source};
use tlsrpt_corpus::{CorpusOptions, report_messages};

fn corpus(reports: usize, seed: u64) -> (Vec<Vec<u8>>, Summary) {
    report_messages(&CorpusOptions {
        reports,
        seed,
        ..CorpusOptions::default()
    })
}

/// Runs the real binary with the password in the environment.
fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(args)
        .env("TLSRPT_IMAP_PASSWORD", PASSWORD)
        .output()
        .expect("run tlsrpt-analyzer")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn ok(args: &[&str]) -> String {
    let output = tool(args);
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn add(library: &Path, url: &str, extra: &[&str]) {
    let library = library.to_str().unwrap();
    let mut args = vec!["source", "add", "--library", library, url];
    args.extend_from_slice(extra);
    ok(&args);
}

fn sync(library: &Path) -> String {
    ok(&["sync", "--library", library.to_str().unwrap()])
}

fn library_summary(library: &Path) -> Summary {
    let out = ok(&[
        "summary",
        "--library",
        library.to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_str(&out).expect("summary JSON")
}

fn assert_totals(actual: &Summary, expected: &Summary) {
    assert_eq!(actual.reports, expected.reports, "reports");
    assert_eq!(actual.successful_sessions, expected.successful_sessions);
    assert_eq!(actual.failed_sessions, expected.failed_sessions);
    assert_eq!(actual.by_result_type, expected.by_result_type);
    assert_eq!(actual.by_organization, expected.by_organization);
    assert_eq!(actual.by_policy, expected.by_policy);
    assert_eq!(actual.by_day, expected.by_day);
}

/// The count after `what` in a sync line ("12 messages fetched, 3 new").
fn count(line: &str, what: &str) -> u64 {
    let at = line
        .find(what)
        .unwrap_or_else(|| panic!("no {what:?} in {line:?}"));
    line[..at]
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count before {what:?} in {line:?}"))
}

fn ca(server: &Dovecot) -> String {
    server.ca_file.to_str().unwrap().to_string()
}

#[test]
fn first_sync_imports_all_then_only_what_is_appended() {
    if !dovecot::available("first_sync_imports_all_then_only_what_is_appended") {
        return;
    }
    let server = Dovecot::start(Setup::default());
    let (messages, _) = corpus(60, 7);
    let (first, later) = messages.split_at(45);
    server.append("INBOX", first);
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    add(
        &library,
        &server.imaps_url("INBOX"),
        &["--ca-file", &ca(&server)],
    );

    let line = sync(&library);
    assert_eq!(count(&line, "messages fetched"), 45, "{line}");
    let line = sync(&library);
    assert_eq!(count(&line, "messages fetched"), 0, "{line}");
    assert_eq!(count(&line, "new"), 0, "{line}");

    server.append("INBOX", later);
    let line = sync(&library);
    assert_eq!(count(&line, "messages fetched"), 15, "{line}");
    let (_, expected) = corpus(60, 7);
    assert_totals(&library_summary(&library), &expected);

    // Read-only: no message was marked read, none moved.
    let flags = server.flags("INBOX");
    assert_eq!(flags.len(), 60);
    assert!(
        flags
            .iter()
            .all(|(_, f)| !f.iter().any(|n| n.contains("Seen"))),
        "{flags:?}"
    );
    // The password is nowhere in the library.
    let bytes = std::fs::read(&library).unwrap();
    let wal = std::fs::read(library.with_extension("sqlite-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(
            !file
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes())
        );
    }
}

#[test]
fn a_new_uidvalidity_reads_all_again_and_counts_nothing_twice() {
    if !dovecot::available("a_new_uidvalidity_reads_all_again_and_counts_nothing_twice") {
        return;
    }
    let server = Dovecot::start(Setup::default());
    let (messages, expected) = corpus(30, 11);
    server.append("Reports", &messages);
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    add(
        &library,
        &server.imaps_url("Reports"),
        &["--ca-file", &ca(&server)],
    );
    sync(&library);
    // Same messages, new UIDVALIDITY (a new folder's is the time in seconds or
    // the last one plus one, never the old one).
    server.recreate("Reports");
    let line = sync(&library);
    assert_eq!(count(&line, "messages fetched"), 30, "{line}");
    assert_eq!(count(&line, "new"), 0, "{line}");
    assert_totals(&library_summary(&library), &expected);
}

#[test]
fn a_server_stopped_mid_sync_loses_nothing_and_the_next_sync_completes() {
    if !dovecot::available("a_server_stopped_mid_sync_loses_nothing_and_the_next_sync_completes") {
        return;
    }
    let mut server = Dovecot::start(Setup::default());
    let (messages, expected) = corpus(80, 5);
    server.append("INBOX", &messages);
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("lib.sqlite");
    add(
        &path,
        &server.imaps_url("INBOX"),
        &["--ca-file", &ca(&server)],
    );
    let mut library = Library::open(&path).unwrap();
    let source = library.source_rows(&["imap"]).unwrap().remove(0);
    let options = SyncOptions {
        batch: 10,
        typed_password: Some(PASSWORD.into()),
        ..SyncOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let mut committed = 0;
    let stopped = sync_source(&mut library, &source, &options, &cancel, &mut |p| {
        committed = p.committed;
        if p.committed >= 20 {
            server.stop();
        }
    });
    let error = stopped.expect_err("the sync goes on without a server");
    assert!(error.to_string().contains("127.0.0.1"), "{error}");
    assert!((20..80).contains(&committed), "{committed}");
    let held = library.info().unwrap().reports;
    assert!(
        held >= committed && held < 80,
        "{held} reports after {committed} committed"
    );

    server.run();
    let resumed = sync_source(&mut library, &source, &options, &cancel, &mut |_| {}).unwrap();
    assert!(resumed.messages <= 80 - 20, "{resumed:?}");
    drop(library);
    assert_totals(&library_summary(&path), &expected);
    let line = sync(&path);
    assert_eq!(count(&line, "messages fetched"), 0, "{line}");
}

#[test]
fn a_wrong_password_fails_with_status_1() {
    if !dovecot::available("a_wrong_password_fails_with_status_1") {
        return;
    }
    let server = Dovecot::start(Setup::default());
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    add(
        &library,
        &server.imaps_url("INBOX"),
        &[
            "--ca-file",
            &ca(&server),
            "--password-command",
            "echo wrong",
        ],
    );
    let output = tool(&["sync", "--library", library.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("failed: login as reports refused"), "{out}");
    // The source says so.
    let list = ok(&["source", "list", "--library", library.to_str().unwrap()]);
    assert!(list.contains("error: login as reports refused"), "{list}");
}

#[test]
fn an_untrusted_certificate_is_refused() {
    if !dovecot::available("an_untrusted_certificate_is_refused") {
        return;
    }
    let server = Dovecot::start(Setup::default());
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    let other = server.other_ca_file.to_str().unwrap().to_string();
    add(&library, &server.imaps_url("INBOX"), &["--ca-file", &other]);
    add(&library, &server.imap_url("INBOX"), &["--ca-file", &other]);
    let output = tool(&["sync", "--library", library.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        out.matches("failed: TLS with 127.0.0.1").count(),
        2,
        "{out}"
    );
    assert!(out.contains("certificate"), "{out}");
}

#[test]
fn starttls_is_required_and_used() {
    if !dovecot::available("starttls_is_required_and_used") {
        return;
    }
    let plain = Dovecot::start(Setup { tls: false });
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    add(&library, &plain.imap_url("INBOX"), &[]);
    let output = tool(&["sync", "--library", library.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("does not offer STARTTLS; refusing"), "{out}");

    let server = Dovecot::start(Setup::default());
    let (messages, expected) = corpus(12, 3);
    server.append("INBOX", &messages);
    let library = work.path().join("starttls.sqlite");
    add(
        &library,
        &server.imap_url("INBOX"),
        &["--ca-file", &ca(&server)],
    );
    let line = sync(&library);
    assert_eq!(count(&line, "messages fetched"), 12, "{line}");
    assert_totals(&library_summary(&library), &expected);
}

#[test]
fn xoauth2_logs_in_with_the_token_command() {
    if !dovecot::available("xoauth2_logs_in_with_the_token_command") {
        return;
    }
    let server = Dovecot::start(Setup::default());
    let (messages, expected) = corpus(9, 4);
    server.append("INBOX", &messages);
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.sqlite");
    add(
        &bad,
        &server.imaps_url("INBOX"),
        &["--ca-file", &ca(&server), "--token-command", "echo expired"],
    );
    let output = tool(&["sync", "--library", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));

    let library = work.path().join("lib.sqlite");
    let command = format!("printf '%s\\n' {TOKEN}");
    add(
        &library,
        &server.imaps_url("INBOX"),
        &["--ca-file", &ca(&server), "--token-command", &command],
    );
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["sync", "--library", library.to_str().unwrap()])
        .env_remove("TLSRPT_IMAP_PASSWORD")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        text(&output),
        server.log()
    );
    assert_totals(&library_summary(&library), &expected);
}

#[test]
fn move_to_moves_what_was_imported() {
    if !dovecot::available("move_to_moves_what_was_imported") {
        return;
    }
    let server = Dovecot::start(Setup::default());
    let (messages, expected) = corpus(25, 9);
    server.append("INBOX", &messages);
    server.append("Imported", &[]);
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    add(
        &library,
        &server.imaps_url("INBOX"),
        &["--ca-file", &ca(&server), "--move-to", "Imported"],
    );
    let line = sync(&library);
    assert_eq!(count(&line, "messages fetched"), 25, "{line}");
    assert_eq!(server.count("INBOX"), 0);
    assert_eq!(server.count("Imported"), 25);
    assert_totals(&library_summary(&library), &expected);
}

#[test]
fn bad_usage_is_status_2() {
    let work = tempfile::tempdir().unwrap();
    let library = work.path().join("lib.sqlite");
    let lib = library.to_str().unwrap();
    let output = tool(&["source", "add", "--library", lib, "pop3://x@y/"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    ok(&[
        "source",
        "add",
        "--library",
        lib,
        "imaps://me@mail.example/TLS",
    ]);
    let output = tool(&["sync", "--library", lib, "imaps://other@mail.example/TLS"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let list = ok(&["source", "list", "--library", lib]);
    assert!(
        list.contains("imaps://me@mail.example:993/TLS (imap): 0 reports, never synced"),
        "{list}"
    );
    ok(&[
        "source",
        "remove",
        "--library",
        lib,
        "imaps://me@mail.example/TLS",
    ]);
    assert_eq!(ok(&["source", "list", "--library", lib]), "");
}
