//! Maildir and watched-folder sources: incremental by message name or by file,
//! with files appearing while a sync runs, and the exact totals of a generated
//! corpus in the end.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::library::db::Library;
use tlsrpt_analyzer::sources::{SourceSettings, SyncOptions, add_source, sync_source};
use tlsrpt_corpus::{CorpusOptions, Layout, generate, report_messages};

fn library_summary(library: &Path) -> Summary {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["summary", "--format", "json", "--library"])
        .arg(library)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn assert_totals(actual: &Summary, expected: &Summary) {
    assert_eq!(actual.reports, expected.reports, "reports");
    assert_eq!(actual.successful_sessions, expected.successful_sessions);
    assert_eq!(actual.failed_sessions, expected.failed_sessions);
    assert_eq!(actual.by_organization, expected.by_organization);
    assert_eq!(actual.by_policy, expected.by_policy);
    assert_eq!(actual.by_day, expected.by_day);
}

fn maildir(root: &Path) -> PathBuf {
    let dir = root.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    dir
}

/// Delivers message `i` as a mail server does: into `new/`.
fn deliver(maildir: &Path, i: usize, message: &[u8]) {
    let name = format!("17000{i:05}.M{i}P1.mx.example");
    let tmp = maildir.join("tmp").join(&name);
    std::fs::write(&tmp, message).unwrap();
    std::fs::rename(&tmp, maildir.join("new").join(name)).unwrap();
}

fn options() -> SyncOptions {
    SyncOptions {
        batch: 7,
        ..SyncOptions::default()
    }
}

#[test]
fn maildir_reads_each_message_once_even_when_it_moves_to_cur() {
    let work = tempfile::tempdir().unwrap();
    let dir = maildir(work.path());
    let (messages, expected) = report_messages(&CorpusOptions {
        reports: 40,
        seed: 21,
        ..CorpusOptions::default()
    });
    for (i, message) in messages.iter().enumerate().take(25) {
        deliver(&dir, i, message);
    }
    let path = work.path().join("lib.sqlite");
    let mut library = Library::open_or_create(&path).unwrap();
    let address = format!("maildir:{}", dir.display());
    let source = add_source(&mut library, &address, &SourceSettings::default()).unwrap();
    let cancel = AtomicBool::new(false);
    // Mail arrives while the sync runs, after its first batch.
    let mut delivered = false;
    let first = sync_source(&mut library, &source, &options(), &cancel, &mut |p| {
        if p.committed > 0 && !delivered {
            for (i, message) in messages.iter().enumerate().skip(25) {
                deliver(&dir, i, message);
            }
            delivered = true;
        }
    })
    .unwrap();
    assert!(delivered);
    assert_eq!(first.messages, 25, "{first:?}");

    // A mail program reads the first ten: new/ to cur/ with the seen flag.
    let mut moved = 0;
    for entry in std::fs::read_dir(dir.join("new")).unwrap().flatten() {
        let name = entry.file_name().into_string().unwrap();
        if name.as_str() < "1700000010" {
            std::fs::rename(entry.path(), dir.join("cur").join(format!("{name}:2,S"))).unwrap();
            moved += 1;
        }
    }
    assert_eq!(moved, 10);
    let second = sync_source(&mut library, &source, &options(), &cancel, &mut |_| {}).unwrap();
    assert_eq!(
        second.messages, 15,
        "only what arrived during the first: {second:?}"
    );
    let third = sync_source(&mut library, &source, &options(), &cancel, &mut |_| {}).unwrap();
    assert_eq!(third.messages, 0, "{third:?}");
    drop(library);
    assert_totals(&library_summary(&path), &expected);
}

#[test]
fn a_watched_folder_imports_files_dropped_in_during_and_after_a_sync() {
    let work = tempfile::tempdir().unwrap();
    let staging = work.path().join("staging");
    let expected = generate(
        &staging,
        &CorpusOptions {
            reports: 48,
            seed: 33,
            layout: Layout::Files,
            ..CorpusOptions::default()
        },
    )
    .unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(staging.join("000"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let watched = work.path().join("drop");
    std::fs::create_dir_all(&watched).unwrap();
    let drop_in = |files: &[PathBuf]| {
        for file in files {
            std::fs::rename(file, watched.join(file.file_name().unwrap())).unwrap();
        }
    };
    let (first, rest) = files.split_at(20);
    let (during, after) = rest.split_at(14);
    drop_in(first);

    let path = work.path().join("lib.sqlite");
    let mut library = Library::open_or_create(&path).unwrap();
    let address = format!("watch:{}", watched.display());
    let source = add_source(&mut library, &address, &SourceSettings::default()).unwrap();
    let cancel = AtomicBool::new(false);
    let mut dropped = false;
    let synced = sync_source(&mut library, &source, &options(), &cancel, &mut |_| {
        if !dropped {
            drop_in(during);
            dropped = true;
        }
    })
    .unwrap();
    assert!(synced.messages >= 20, "{synced:?}");
    drop_in(after);
    let next = sync_source(&mut library, &source, &options(), &cancel, &mut |_| {}).unwrap();
    assert_eq!(synced.messages + next.messages, 48, "{synced:?} {next:?}");
    let last = sync_source(&mut library, &source, &options(), &cancel, &mut |_| {}).unwrap();
    assert_eq!(last.messages, 0, "{last:?}");
    assert_eq!(last.counts.unchanged, 48, "{last:?}");
    drop(library);
    assert_totals(&library_summary(&path), &expected);
}
