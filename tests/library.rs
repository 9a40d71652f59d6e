//! The report library: what `summary --library` says equals what `summary` of the
//! same paths says, whatever happened in between (a second import, a reopened
//! file, an older schema, a process killed half-way, two writers at once).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use serde_json::Value;
use tlsrpt_analyzer::ingest::LoadOptions;
use tlsrpt_analyzer::library::db::{Library, LibraryError};
use tlsrpt_analyzer::sources::paths::import_paths;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

#[path = "common/ingest.rs"]
#[allow(dead_code)]
mod common;
use common::tempdir;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
}

fn run(args: &[&str]) -> Output {
    let output = bin().args(args).output().expect("run tlsrpt-analyzer");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn summary_of_paths(paths: &[&Path]) -> Vec<u8> {
    let mut args = vec!["summary", "--format", "json"];
    args.extend(paths.iter().map(|p| s(p)));
    run(&args).stdout
}

fn summary_of_library(library: &Path) -> Vec<u8> {
    run(&["summary", "--format", "json", "--library", s(library)]).stdout
}

fn import(library: &Path, paths: &[&Path]) -> Value {
    let mut args = vec!["import", "--format", "json", "--library", s(library)];
    args.extend(paths.iter().map(|p| s(p)));
    serde_json::from_slice(&run(&args).stdout).unwrap()
}

/// The library file is sound: `integrity_check` and `foreign_key_check` clean.
fn assert_sound(library: &Path) {
    let problems = Library::open(library)
        .unwrap()
        .integrity_problems()
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

fn corpus(dir: &Path, name: &str, reports: usize, seed: u64) -> PathBuf {
    corpus_with_summary(dir, name, reports, seed).0
}

/// A mixed corpus and the number of unique reports it holds.
fn corpus_with_summary(dir: &Path, name: &str, reports: usize, seed: u64) -> (PathBuf, u64) {
    let out = dir.join(name);
    let summary = generate(
        &out,
        &CorpusOptions {
            reports,
            seed,
            layout: Layout::Mixed,
            ..CorpusOptions::default()
        },
    )
    .unwrap();
    (out, summary.reports)
}

fn same_json(left: &[u8], right: &[u8]) {
    if left != right {
        let l: Value = serde_json::from_slice(left).unwrap();
        let r: Value = serde_json::from_slice(right).unwrap();
        for key in l.as_object().unwrap().keys() {
            assert_eq!(l[key], r[key], "summary field {key}");
        }
        panic!("summaries differ in formatting only");
    }
}

#[test]
fn a_library_says_what_its_paths_say_and_a_second_import_adds_nothing() {
    let dir = tempdir();
    let (inputs, reports) = corpus_with_summary(dir.path(), "mixed", 700, 3);
    let library = dir.path().join("reports.sqlite");
    let first = import(&library, &[&inputs]);
    assert_eq!(first["new"], reports, "{first}");
    assert!(first["copies"].as_u64().unwrap() > 0, "{first}");
    assert!(first["conflicts"].as_u64().unwrap() > 0, "{first}");
    assert!(first["problems"].as_u64().unwrap() > 0, "{first}");
    let expected = summary_of_paths(&[&inputs]);
    same_json(&expected, &summary_of_library(&library));
    let second = import(&library, &[&inputs]);
    for key in ["new", "copies", "problems", "skipped", "already"] {
        assert_eq!(second[key], 0, "{key}: {second}");
    }
    assert!(second["unchanged"].as_u64().unwrap() > 0, "{second}");
    same_json(&expected, &summary_of_library(&library));
    assert_sound(&library);
}

#[test]
fn a_file_imported_by_a_relative_path_is_known_by_its_absolute_one() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 150, 9);
    let library = dir.path().join("reports.sqlite");
    let output = bin()
        .current_dir(dir.path())
        .args([
            "import",
            "--format",
            "json",
            "--library",
            "reports.sqlite",
            "mixed",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let first: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(first["new"].as_u64().unwrap() > 0, "{first}");
    let again = import(&library, &[&inputs]);
    for key in ["new", "copies", "problems", "skipped"] {
        assert_eq!(again[key], 0, "{key}: {again}");
    }
    assert!(again["unchanged"].as_u64().unwrap() > 0, "{again}");
    let sources = Library::open(&library).unwrap().sources().unwrap();
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources[0].location, s(&inputs.canonicalize().unwrap()));
}

#[test]
fn a_touched_file_is_read_again_and_counts_nothing_twice() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 200, 5);
    let library = dir.path().join("reports.sqlite");
    import(&library, &[&inputs]);
    let expected = summary_of_paths(&[&inputs]);
    // Report files saved again with a trailing newline: new size, time and
    // content, the same reports. Each is decoded again and found held.
    let mut rewritten = 0;
    for path in walk(&inputs) {
        if path.extension().is_some_and(|e| e == "json") && !path.starts_with(inputs.join("junk")) {
            let mut data = std::fs::read(&path).unwrap();
            data.push(b'\n');
            std::fs::write(&path, data).unwrap();
            rewritten += 1;
        }
    }
    assert!(rewritten > 20);
    let again = import(&library, &[&inputs]);
    assert_eq!(again["new"], 0, "{again}");
    assert_eq!(again["copies"], 0, "{again}");
    assert!(again["already"].as_u64().unwrap() >= rewritten, "{again}");
    same_json(&expected, &summary_of_library(&library));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_second_corpus_on_top_gives_the_union() {
    let dir = tempdir();
    let a = corpus(dir.path(), "a", 300, 11);
    let b = corpus(dir.path(), "b", 300, 12);
    let library = dir.path().join("reports.sqlite");
    import(&library, &[&a]);
    import(&library, &[&b]);
    let union: Value = serde_json::from_slice(&summary_of_paths(&[&a, &b])).unwrap();
    let stored: Value = serde_json::from_slice(&summary_of_library(&library)).unwrap();
    for key in [
        "reports",
        "duplicates",
        "successful_sessions",
        "failed_sessions",
        "by_result_type",
        "by_organization",
        "by_policy",
        "by_day",
    ] {
        assert_eq!(union[key], stored[key], "{key}");
    }
    // A file of b with the same content as one of a (the generator's junk) is
    // passed over as imported before: its problem is a's, listed once.
    for key in ["problems", "skipped"] {
        let listed = |v: &Value| -> Vec<(String, String)> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["source"].as_str().unwrap().into(), p.to_string()))
                .collect()
        };
        let (all, kept) = (listed(&union), listed(&stored));
        for item in &kept {
            assert!(all.contains(item), "{key}: {item:?} is not in the union");
        }
        for (source, _) in all.iter().filter(|item| !kept.contains(item)) {
            let file = Path::new(source.split(" › ").next().unwrap());
            let relative = file
                .strip_prefix(&b)
                .expect("only b's inputs are passed over");
            let twin = a.join(relative);
            assert_eq!(
                std::fs::read(file).unwrap(),
                std::fs::read(&twin).unwrap(),
                "{source}"
            );
        }
    }
    assert_sound(&library);
}

#[test]
fn a_library_opens_the_same_after_closing_and_in_the_app_set() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 150, 21);
    let library_path = dir.path().join("reports.sqlite");
    let mut library = Library::open_or_create(&library_path).unwrap();
    let cancel = AtomicBool::new(false);
    let imported = import_paths(
        &mut library,
        "test",
        std::slice::from_ref(&inputs),
        &LoadOptions::default(),
        &cancel,
        |_| {},
    )
    .unwrap();
    drop(library);
    let loaded = Library::open(&library_path).unwrap().load().unwrap();
    let in_memory = tlsrpt_analyzer::ingest::load(&[inputs]);
    assert_eq!(imported.counts.new, in_memory.reports().len() as u64);
    assert_eq!(loaded.report_count(), in_memory.reports().len());
    // Each stored report opens whole, equal to the one read from its file.
    for (row, memory) in loaded.dataset().reports.iter().zip(in_memory.reports()) {
        let stored = loaded.report_at(row.store_index).unwrap().unwrap();
        assert_eq!(stored.report, memory.report);
        assert_eq!(stored.source, memory.source);
    }
}

#[test]
fn summary_of_a_missing_or_foreign_library_is_a_usage_error() {
    let dir = tempdir();
    let missing = dir.path().join("none.sqlite");
    let output = bin()
        .args(["summary", "--library", s(&missing)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no library at"));
    assert!(!missing.exists(), "a summary must not create a library");
    let foreign = dir.path().join("other.sqlite");
    rusqlite_free_db(&foreign);
    let output = bin()
        .args(["import", "--library", s(&foreign), s(&missing)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a report library"),
        "{output:?}"
    );
}

/// An SQLite database of another program, made without the library.
fn rusqlite_free_db(path: &Path) {
    let sqlite3 = Path::new("/usr/bin/sqlite3");
    if sqlite3.exists() {
        let status = Command::new(sqlite3)
            .arg(path)
            .arg("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
            .status()
            .unwrap();
        assert!(status.success());
    } else {
        // A valid one-table database written by SQLite 3, byte for byte, is long;
        // an empty file with a foreign header will do: SQLite says not a database.
        std::fs::write(path, b"SQLite format 3\0 but not really a database at all").unwrap();
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_library_stays_intact() {
    let dir = tempdir();
    let small = corpus(dir.path(), "small", 50, 31);
    let large = corpus(dir.path(), "large", 1500, 32);
    let library_path = dir.path().join("reports.sqlite");
    import(&library_path, &[&small]);
    let expected = summary_of_library(&library_path);
    let mut library = Library::open(&library_path).unwrap();
    let size = std::fs::metadata(&library_path).unwrap().len()
        + std::fs::metadata(dir.path().join("reports.sqlite-wal")).map_or(0, |m| m.len());
    library.limit_size(size + 64 * 1024).unwrap();
    let cancel = AtomicBool::new(false);
    let result = import_paths(
        &mut library,
        "test",
        &[large],
        &LoadOptions::default(),
        &cancel,
        |_| {},
    );
    match result {
        Err(LibraryError::Full { .. }) => {}
        other => panic!("expected a full disk, got {other:?}"),
    }
    let error = LibraryError::Full {
        path: library_path.clone(),
    };
    assert!(
        error
            .to_string()
            .contains("what was imported before is intact")
    );
    drop(library);
    assert_sound(&library_path);
    // What was committed before the disk filled is whole: every report the
    // small corpus brought is there, and stored reports are consistent.
    let now: Value = serde_json::from_slice(&summary_of_library(&library_path)).unwrap();
    let before: Value = serde_json::from_slice(&expected).unwrap();
    assert!(now["reports"].as_u64() >= before["reports"].as_u64());
}

#[test]
fn a_read_only_library_is_a_clear_error() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "c", 20, 41);
    let library = dir.path().join("reports.sqlite");
    import(&library, &[&inputs]);
    let setpriv = Path::new("/usr/bin/setpriv");
    if !setpriv.exists() {
        eprintln!("skipping a_read_only_library_is_a_clear_error: no setpriv to run as nobody");
        return;
    }
    // nobody may read the folder and the file but not write them.
    use std::os::unix::fs::PermissionsExt;
    for path in [dir.path(), library.as_path()] {
        let mode = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let binary = dir.path().join("tlsrpt-analyzer");
    std::fs::copy(env!("CARGO_BIN_EXE_tlsrpt-analyzer"), &binary).unwrap();
    let output = Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args(["import", "--library", s(&library), s(&inputs)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("read-only"), "{stderr}");
    assert_sound(&library);
}

/// Starts an import in a child process and kills it (SIGKILL) after `delay`;
/// true when it was still running then.
fn import_killed_after(library: &Path, inputs: &Path, delay: std::time::Duration) -> bool {
    let mut child = bin()
        .args(["import", "--library", s(library), s(inputs)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    running
}

#[test]
fn imports_killed_at_any_moment_leave_a_sound_library_that_the_next_import_completes() {
    use rand::{Rng, SeedableRng};
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 1200, 51);
    let expected = summary_of_paths(&[&inputs]);
    // How long a whole import takes here; kills fall anywhere in it.
    let timing = dir.path().join("timing.sqlite");
    let started = std::time::Instant::now();
    import(&timing, &[&inputs]);
    let whole = started.elapsed();
    let mut rng = rand::rngs::StdRng::seed_from_u64(8460);
    let mut killed_running = 0;
    // Until 20 imports were killed while running (an import that ended before
    // its kill tests nothing), at most 40 rounds.
    for round in 0..40 {
        if killed_running >= 20 {
            break;
        }
        let library = dir.path().join(format!("killed-{round}.sqlite"));
        let delay = whole.mul_f64(rng.random_range(0.0..0.9));
        killed_running += usize::from(import_killed_after(&library, &inputs, delay));
        if round % 3 == 0 {
            // A resumed import killed too.
            let delay = whole.mul_f64(rng.random_range(0.0..0.8));
            import_killed_after(&library, &inputs, delay);
        }
        if library.exists() {
            assert_sound(&library);
            // What was committed opens, consistent: every stored report whole.
            let partial = Library::open(&library).unwrap().load().unwrap();
            assert!(partial.report_count() <= 1300);
        }
        import(&library, &[&inputs]);
        assert_sound(&library);
        same_json(&expected, &summary_of_library(&library));
    }
    assert!(
        killed_running >= 20,
        "only {killed_running} imports were killed while running"
    );
}

#[test]
fn two_imports_at_once_both_land() {
    let dir = tempdir();
    let a = corpus(dir.path(), "a", 600, 61);
    let b = corpus(dir.path(), "b", 600, 62);
    let library = dir.path().join("reports.sqlite");
    // The library exists before both start (as the app's does).
    import(&library, &[&corpus(dir.path(), "seed", 5, 63)]);
    let spawn = |inputs: &Path| {
        bin()
            .args([
                "import",
                "--format",
                "json",
                "--library",
                s(&library),
                s(inputs),
            ])
            .output()
            .unwrap()
    };
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| spawn(&a));
        let second = scope.spawn(|| spawn(&b));
        (first.join().unwrap(), second.join().unwrap())
    });
    for output in [&first, &second] {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_sound(&library);
    let stored: Value = serde_json::from_slice(&summary_of_library(&library)).unwrap();
    // Whichever import started first is the earlier in input order: where the two
    // corpora hold different reports under one key, its copy is the one kept.
    let conn = rusqlite::Connection::open(&library).unwrap();
    let first_import: String = conn
        .query_row(
            "SELECT inputs FROM imports WHERE id > 1 ORDER BY id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    drop(conn);
    let a_first = first_import.contains(s(&a));
    assert!(a_first || first_import.contains(s(&b)), "{first_import}");
    let (earlier, later) = if a_first { (&a, &b) } else { (&b, &a) };
    let seed = dir.path().join("seed");
    let union: Value = serde_json::from_slice(&summary_of_paths(&[&seed, earlier, later])).unwrap();
    for key in [
        "reports",
        "successful_sessions",
        "failed_sessions",
        "by_result_type",
        "by_day",
    ] {
        assert_eq!(union[key], stored[key], "{key}");
    }
}

/// The first released schema, with the reports of `v1-inputs/` imported (made by
/// `UPDATE_LIBRARY_FIXTURE=1 cargo test --test library first_schema`).
const V1_FIXTURE: &str = "tests/fixtures/library/v1.sqlite";
const V1_INPUTS: &str = "tests/fixtures/library/v1-inputs";

#[test]
fn a_library_of_the_first_schema_opens_and_reads_the_same() {
    if std::env::var_os("UPDATE_LIBRARY_FIXTURE").is_some() {
        make_v1_fixture();
    }
    let dir = tempdir();
    let copy = dir.path().join("v1.sqlite");
    std::fs::copy(V1_FIXTURE, &copy).unwrap();
    let before = Library::open(&copy).unwrap();
    assert_eq!(before.schema_version().unwrap(), 3, "opening migrates");
    drop(before);
    same_json(
        &summary_of_paths(&[Path::new(V1_INPUTS)]),
        &summary_of_library(&copy),
    );
    assert_sound(&copy);
    // The migrated library takes new imports: the same inputs add nothing.
    let again = import(&copy, &[Path::new(V1_INPUTS)]);
    assert_eq!(again["new"], 0, "{again}");
}

fn make_v1_fixture() {
    let inputs = Path::new(V1_INPUTS);
    let _ = std::fs::remove_dir_all(inputs);
    generate(
        inputs,
        &CorpusOptions {
            reports: 40,
            seed: 1,
            layout: Layout::Mixed,
            ..CorpusOptions::default()
        },
    )
    .unwrap();
    let _ = std::fs::remove_file(V1_FIXTURE);
    let mut library = Library::create_at_version(Path::new(V1_FIXTURE), 1).unwrap();
    let cancel = AtomicBool::new(false);
    import_paths(
        &mut library,
        "command line",
        &[inputs.to_path_buf()],
        &LoadOptions::default(),
        &cancel,
        |_| {},
    )
    .unwrap();
    assert_eq!(library.schema_version().unwrap(), 1);
    // One file, no write-ahead log beside it.
    library.checkpoint().unwrap();
}

#[test]
fn rereading_every_document_restores_the_stored_rows() {
    let dir = tempdir();
    let inputs = corpus(dir.path(), "mixed", 120, 71);
    let library_path = dir.path().join("reports.sqlite");
    import(&library_path, &[&inputs]);
    let expected = summary_of_library(&library_path);
    // Rows damaged behind the library's back (as an older parser's mistake
    // would have written them, and its snapshot of them): every session count
    // doubled, one detail gone.
    let conn = rusqlite::Connection::open(&library_path).unwrap();
    conn.execute_batch(
        "UPDATE policies SET successful = successful * 2;
         DELETE FROM failure_details WHERE id = (SELECT min(id) FROM failure_details);
         DELETE FROM snapshot; DELETE FROM meta WHERE key = 'snapshot';",
    )
    .unwrap();
    drop(conn);
    assert_ne!(summary_of_library(&library_path), expected);
    let mut library = Library::open(&library_path).unwrap();
    let mut calls = 0;
    let reread = library
        .reread(&AtomicBool::new(false), |_, _| calls += 1)
        .unwrap();
    assert!(calls > 0);
    assert_eq!(reread.unreadable, 0);
    let stored: Value = serde_json::from_slice(&expected).unwrap();
    assert_eq!(reread.reports, stored["reports"].as_u64().unwrap());
    drop(library);
    same_json(&expected, &summary_of_library(&library_path));
    assert_sound(&library_path);
}
