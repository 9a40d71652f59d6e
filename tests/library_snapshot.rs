//! The snapshot a library keeps of its rows: opening from it gives exactly the
//! set that reading every table row gives, whatever happened since it was made
//! (an import on top, an import left unfinished and resumed, a source removed,
//! every report re-read, a damaged chunk).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use tlsrpt_analyzer::ingest::LoadOptions;
use tlsrpt_analyzer::library::Loaded;
use tlsrpt_analyzer::library::db::Library;
use tlsrpt_analyzer::sources::paths::import_paths;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

#[path = "common/ingest.rs"]
#[allow(dead_code)]
mod common;
use common::tempdir;

fn corpus(dir: &Path, name: &str, reports: usize, seed: u64) -> PathBuf {
    let out = dir.join(name);
    let options = CorpusOptions {
        reports,
        seed,
        layout: Layout::Mixed,
        ..CorpusOptions::default()
    };
    generate(&out, &options).unwrap();
    out
}

/// `import` on the command line, which stores the snapshot when it ends.
fn import_cli(library: &Path, paths: &[&Path]) {
    let output = Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["import", "--format", "json", "--library"])
        .arg(library)
        .args(paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An import through the library alone, which leaves the snapshot as it was.
fn import_only(library: &Path, paths: &[&Path]) {
    let mut library = Library::open_or_create(library).unwrap();
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    let cancel = AtomicBool::new(false);
    import_paths(
        &mut library,
        "test",
        &paths,
        &LoadOptions::default(),
        &cancel,
        |_| {},
    )
    .unwrap();
}

fn sql(library: &Path, statements: &str) {
    let conn = rusqlite::Connection::open(library).unwrap();
    conn.execute_batch(statements).unwrap();
}

/// A copy of a library file with its write-ahead log, as another connection
/// may hold commits there.
fn copy_library(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
    let _ = std::fs::remove_file(wal(to));
    if wal(from).exists() {
        std::fs::copy(wal(from), wal(to)).unwrap();
    }
}

/// Reads the library, after checking it is sound (`integrity_check` and
/// `foreign_key_check` clean).
fn load(library: &Path) -> Loaded {
    let open = Library::open(library).unwrap();
    let problems = open.integrity_problems().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    open.load().unwrap()
}

/// The set read from every table row: a copy of the library without its
/// snapshot.
fn load_from_tables(library: &Path) -> Loaded {
    let copy = library.with_extension("tables.sqlite");
    copy_library(library, &copy);
    sql(
        &copy,
        "DELETE FROM snapshot; DELETE FROM meta WHERE key = 'snapshot';",
    );
    let loaded = load(&copy);
    assert!(!loaded.covered().unwrap().stored, "read from the tables");
    loaded
}

/// Whether the snapshot was used whole for `loaded`.
fn from_snapshot(loaded: &Loaded) -> bool {
    loaded.covered().is_some_and(|c| c.stored)
}

fn assert_same_set(got: &Loaded, want: &Loaded) {
    let (g, w) = (got.dataset(), want.dataset());
    assert_eq!(g.reports.len(), w.reports.len(), "reports");
    assert!(g.reports == w.reports, "report rows");
    assert!(g.policies == w.policies, "policy rows");
    assert!(g.details == w.details, "failure detail rows");
    assert!(g.strings.iter().eq(w.strings.iter()), "strings");
    for row in &w.reports {
        assert_eq!(got.source_of(row), want.source_of(row));
        assert_eq!(got.order_of(row), want.order_of(row));
        assert_eq!(g.spellings(row.organization), w.spellings(row.organization));
    }
    assert_eq!(got.duplicates(), want.duplicates());
    assert_eq!(got.conflicts().len(), want.conflicts().len());
    assert_eq!(got.problems().len(), want.problems().len());
    assert_eq!(got.skipped().len(), want.skipped().len());
}

#[test]
fn an_import_stores_the_snapshot_and_the_next_open_reads_it() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 600, 11);
    let library = dir.path().join("reports.sqlite");
    import_cli(&library, &[&inputs]);
    let opened = load(&library);
    assert!(from_snapshot(&opened), "the import stored the snapshot");
    assert!(opened.report_count() > 500);
    assert_same_set(&opened, &load_from_tables(&library));
    // The stored report behind a row is found from the snapshot's entry.
    let row = &opened.dataset().reports[opened.report_count() / 2];
    let report = opened.report_at(row.store_index).unwrap().unwrap();
    assert_eq!(
        report.report.report_id.as_ref(),
        opened.dataset().text(row.report_id)
    );
}

#[test]
fn an_import_on_top_is_read_behind_the_snapshot() {
    let dir = tempdir();
    let a = corpus(dir.path(), "a", 300, 21);
    let b = corpus(dir.path(), "b", 300, 22);
    let library = dir.path().join("reports.sqlite");
    import_cli(&library, &[&a]);
    import_only(&library, &[&b]);
    let opened = load(&library);
    let covered = opened.covered().unwrap();
    assert!(!covered.stored, "the snapshot covers the first import only");
    assert_same_set(&opened, &load_from_tables(&library));
    Library::open(&library)
        .unwrap()
        .store_snapshot(&opened)
        .unwrap();
    let again = load(&library);
    assert!(from_snapshot(&again));
    assert_same_set(&again, &load_from_tables(&library));
}

#[test]
fn an_unfinished_import_stays_behind_the_snapshot_until_it_is_resumed() {
    let dir = tempdir();
    let a = corpus(dir.path(), "a", 250, 31);
    let b = corpus(dir.path(), "b", 250, 32);
    let library = dir.path().join("reports.sqlite");
    import_only(&library, &[&a]);
    import_only(&library, &[&b]);
    // As if the second import had been killed: it is resumed by the next
    // import of the same inputs, and may add rows until then.
    sql(
        &library,
        "UPDATE imports SET finished_at = NULL WHERE id = 2",
    );
    let opened = load(&library);
    let covered = opened.covered().unwrap();
    assert_eq!(covered.import, 1);
    assert!(covered.reports() < opened.report_count());
    let stored = Library::open(&library).unwrap().store_snapshot(&opened);
    assert!(stored.unwrap());
    assert_same_set(&load(&library), &load_from_tables(&library));
    import_only(&library, &[&b]);
    let resumed = load(&library);
    assert_eq!(resumed.covered().unwrap().import, 2);
    assert_same_set(&resumed, &load_from_tables(&library));
}

#[test]
fn removing_a_source_or_rereading_drops_the_snapshot() {
    let dir = tempdir();
    let a = corpus(dir.path(), "a", 200, 41);
    let b = corpus(dir.path(), "b", 200, 42);
    let library = dir.path().join("reports.sqlite");
    import_cli(&library, &[&a]);
    import_only(&library, &[&b]);
    let stale = load(&library);
    assert!(!from_snapshot(&stale));
    let mut open = Library::open(&library).unwrap();
    let source = open.sources().unwrap()[0].id;
    let removed = open.remove_source(source).unwrap();
    assert!(removed > 0);
    // A snapshot of the set read before the removal is not stored.
    assert!(!open.store_snapshot(&stale).unwrap());
    let after = load(&library);
    assert_eq!(
        after.report_count() as u64,
        stale.report_count() as u64 - removed
    );
    assert_same_set(&after, &load_from_tables(&library));
    assert!(open.store_snapshot(&after).unwrap());
    assert!(from_snapshot(&load(&library)));
    let cancel = AtomicBool::new(false);
    open.reread(&cancel, |_, _| {}).unwrap();
    let reread = load(&library);
    assert!(!from_snapshot(&reread));
    assert_same_set(&reread, &load_from_tables(&library));
}

#[test]
fn a_damaged_snapshot_is_passed_over() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 300, 51);
    let library = dir.path().join("reports.sqlite");
    import_cli(&library, &[&inputs]);
    let want = load_from_tables(&library);
    let damages = [
        // Every chunk cut short.
        "UPDATE snapshot SET bytes = substr(bytes, 1, length(bytes) - 1)",
        // Chunks of the right length but other bytes.
        "UPDATE snapshot SET bytes = randomblob(length(bytes)) WHERE kind != 'sizes'",
        // The policies without their report rows.
        "DELETE FROM snapshot WHERE kind = 'reports'",
        // Report rows pointing past the policies.
        "DELETE FROM snapshot WHERE kind = 'policies'",
        // A chunk the library does not know.
        "UPDATE snapshot SET kind = 'later' WHERE id = (SELECT max(id) FROM snapshot)",
    ];
    for damage in damages {
        let copy = dir.path().join("damaged.sqlite");
        copy_library(&library, &copy);
        sql(&copy, damage);
        let opened = load(&copy);
        assert!(!from_snapshot(&opened), "{damage}");
        assert_same_set(&opened, &want);
    }
    // Sizes far beyond what is stored are only a hint for reserving: the rows
    // are read all the same, within the memory the chunks take.
    let copy = dir.path().join("sizes.sqlite");
    copy_library(&library, &copy);
    let max = "FFFFFFFFFFFFFFFF7F".repeat(4);
    sql(
        &copy,
        &format!("UPDATE snapshot SET bytes = X'{max}' WHERE kind = 'sizes'"),
    );
    let opened = load(&copy);
    assert!(from_snapshot(&opened));
    assert_same_set(&opened, &want);
}

#[test]
fn a_small_import_into_a_large_library_leaves_the_snapshot_and_a_large_one_renews_it() {
    let dir = tempdir();
    let large = corpus(dir.path(), "large", 400, 61);
    let small = corpus(dir.path(), "small", 8, 62);
    let more = corpus(dir.path(), "more", 400, 63);
    let library = dir.path().join("reports.sqlite");
    import_cli(&library, &[&large]);
    let first = load(&library);
    assert!(from_snapshot(&first));
    // A few reports: read from the tables behind the snapshot on opening.
    import_cli(&library, &[&small]);
    let opened = load(&library);
    let covered = opened.covered().unwrap();
    assert!(!covered.stored);
    assert_eq!(covered.restored, first.report_count());
    assert!(opened.report_count() > first.report_count());
    assert_same_set(&opened, &load_from_tables(&library));
    // Many: the import stores the snapshot again.
    import_cli(&library, &[&more]);
    let renewed = load(&library);
    assert!(from_snapshot(&renewed));
    assert_same_set(&renewed, &load_from_tables(&library));
}
