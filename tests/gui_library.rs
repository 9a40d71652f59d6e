//! The app with a report library, driven headless with egui_kittest: imports go
//! into the library and stay, files can be looked at beside it, its history and
//! sources show and a source can be removed, a report opens from the file, and
//! an import by another program shows without a restart.
#![cfg(feature = "gui")]

#[path = "common/app.rs"]
mod app;
use app::settle;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlsrpt_analyzer::gui::{App, Command, StartOptions, Tab, thousands};
use tlsrpt_analyzer::library::db::Library;

fn harness(library: &Path) -> Harness<'static, App> {
    app::on_library(library, egui::vec2(1280.0, 800.0))
}

fn apply(h: &mut Harness<'static, App>, command: Command) {
    h.state_mut().apply(command);
    settle(h);
}

/// A folder of `reports` report files of one sender, named after `name` (so
/// that two corpora share no report), over twenty days of 2026.
fn corpus(dir: &Path, name: &str, reports: usize, seed: u64) -> (PathBuf, u64) {
    let out = dir.join(name);
    std::fs::create_dir_all(&out).unwrap();
    for i in 0..reports {
        let day = 1 + (i + seed as usize) % 20;
        let json = format!(
            r#"{{"organization-name":"Sender {name}","report-id":"{name}-{i}",
            "date-range":{{"start-datetime":"2026-08-{day:02}T00:00:00Z","end-datetime":"2026-08-{day:02}T23:59:59Z"}},
            "contact-info":"tlsrpt@{name}.example",
            "policies":[{{"policy":{{"policy-type":"sts","policy-domain":"example.com",
                "policy-string":["version: STSv1","mode: enforce","mx: mx.example.com","max_age: 604800"]}},
            "summary":{{"total-successful-session-count":{ok},"total-failure-session-count":{i}}},
            "failure-details":[{{"result-type":"certificate-expired","failed-session-count":{i},
                "receiving-mx-hostname":"mx.example.com"}}]}}]}}"#,
            ok = 1000 + i
        );
        std::fs::write(out.join(format!("{name}-{i}.json")), json).unwrap();
    }
    (out, reports as u64)
}

fn shown_reports(h: &Harness<'static, App>) -> usize {
    h.state().aggregates().map_or(0, |a| a.reports)
}

#[test]
fn dropped_files_go_into_the_library_and_are_there_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let (inputs, reports) = corpus(dir.path(), "a", 60, 1);
    let mut h = harness(&library);
    h.get_by_label_contains("They go into your library");
    assert!(h.query_all_by_label("Import files…").count() >= 1);
    apply(&mut h, Command::Load(vec![inputs]));
    assert_eq!(shown_reports(&h) as u64, reports);
    h.get_by_label(&thousands(reports));
    h.get_by_label_contains(&format!("Imported: {reports} new reports"));
    drop(h);
    // A new window on the same library shows them without loading anything.
    let h = harness(&library);
    assert_eq!(shown_reports(&h) as u64, reports);
    assert!(h.state().data().library().is_some());
}

#[test]
fn the_library_tab_shows_sources_and_history_and_removes_a_source() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let (a, a_reports) = corpus(dir.path(), "a", 40, 2);
    let (b, b_reports) = corpus(dir.path(), "b", 30, 3);
    let mut h = harness(&library);
    apply(&mut h, Command::Load(vec![a.clone()]));
    apply(&mut h, Command::Load(vec![b]));
    assert_eq!(shown_reports(&h) as u64, a_reports + b_reports);
    h.get_by_label("Library").click();
    settle(&mut h);
    assert_eq!(h.state().tab(), Tab::Library);
    h.get_by_label("Import history (2)");
    let a_name = std::path::absolute(&a).unwrap().display().to_string();
    // In the sources and as the first import's input.
    assert_eq!(h.query_all_by_label(&a_name).count(), 2);
    // An import's log on a click of its time.
    let first_import = h
        .state()
        .library_facts()
        .unwrap()
        .imports
        .last()
        .unwrap()
        .started_at;
    let when = chrono::DateTime::from_timestamp(first_import, 0).unwrap();
    let time = when.format("%Y-%m-%d %H:%M:%S").to_string();
    h.get_all_by_label(&time).last().unwrap().click();
    settle(&mut h);
    h.get_by_label_contains("inputs logged");
    assert!(!h.query_all_by_label("new").collect::<Vec<_>>().is_empty());
    // Removing takes two clicks.
    h.get_all_by_label("Remove…").next().unwrap().click();
    settle(&mut h);
    h.get_by_label(&format!("Remove its {a_reports} reports"))
        .click();
    settle(&mut h);
    assert_eq!(shown_reports(&h) as u64, b_reports);
    h.get_by_label_contains(&format!("and its {a_reports} reports"));
}

#[test]
fn files_looked_at_are_not_imported_and_the_way_back_shows_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let (kept, kept_reports) = corpus(dir.path(), "kept", 25, 4);
    let (other, other_reports) = corpus(dir.path(), "other", 15, 5);
    let mut h = harness(&library);
    apply(&mut h, Command::Load(vec![kept]));
    apply(&mut h, Command::LookAt(vec![other]));
    assert_eq!(shown_reports(&h) as u64, other_reports);
    h.get_by_label_contains("Looking at files outside the library");
    assert!(h.state().data().library().is_none());
    let stored = Library::open(&library).unwrap().info().unwrap().reports;
    assert_eq!(stored, kept_reports, "looking imports nothing");
    h.get_by_label("Back to the library").click();
    settle(&mut h);
    assert_eq!(shown_reports(&h) as u64, kept_reports);
    assert!(
        h.query_by_label_contains("Looking at files outside")
            .is_none()
    );
}

#[test]
fn started_on_files_the_library_tab_says_so_and_leads_back() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let (kept, kept_reports) = corpus(dir.path(), "kept", 12, 9);
    let (other, other_reports) = corpus(dir.path(), "other", 7, 10);
    let mut h = harness(&library);
    apply(&mut h, Command::Load(vec![kept]));
    drop(h);
    // As `tlsrpt-analyzer PATH`: the files are looked at, the library not read.
    let start = StartOptions {
        library: Some(library.clone()),
        paths: vec![other],
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::new(cc, start));
    settle(&mut h);
    assert_eq!(shown_reports(&h) as u64, other_reports);
    h.get_by_label("Library").click();
    settle(&mut h);
    h.get_by_label_contains("the library is read when you go back to it");
    let backs = h.get_all_by_label("Back to the library").count();
    assert_eq!(backs, 2, "the banner's and the tab's");
    h.get_all_by_label("Back to the library")
        .last()
        .unwrap()
        .click();
    settle(&mut h);
    assert_eq!(shown_reports(&h) as u64, kept_reports);
    h.get_by_label_contains(&format!("{} reports from 2026", thousands(kept_reports)));
    // The status bar says what the library holds, not "0 new reports".
    h.get_by_label(&format!(
        "Library: {} reports from 1 source, 1 import",
        thousands(kept_reports)
    ));
    assert!(h.query_by_label_contains("0 new reports").is_none());
}

#[test]
fn a_report_opens_from_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let (inputs, _) = corpus(dir.path(), "a", 10, 6);
    let mut h = harness(&library);
    apply(&mut h, Command::Load(vec![inputs]));
    let row = h.state().data().dataset().reports[3].clone();
    let id = h.state().data().dataset().text(row.report_id).to_string();
    apply(&mut h, Command::OpenReport(row.store_index));
    settle(&mut h);
    // The report window, the report parsed again from its stored document.
    h.get_by_label(&format!("Report {id}"));
    h.get_by_label_contains(&format!("{id}.json"));
    let open = h.state().open_report().expect("a report window");
    assert_eq!(&*open.report.report.report_id, id.as_str());
}

#[test]
fn an_import_from_the_command_line_shows_in_the_open_app() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let (first, first_reports) = corpus(dir.path(), "first", 20, 7);
    let (second, second_reports) = corpus(dir.path(), "second", 35, 8);
    let mut h = harness(&library);
    apply(&mut h, Command::Load(vec![first]));
    assert_eq!(shown_reports(&h) as u64, first_reports);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args(["import", "--library"])
        .arg(&library)
        .arg(&second)
        .status()
        .unwrap();
    assert!(status.success());
    // The app polls the library; within seconds its cards count both imports.
    let deadline = Instant::now() + Duration::from_secs(20);
    while shown_reports(&h) as u64 != first_reports + second_reports {
        assert!(
            Instant::now() < deadline,
            "the app did not notice the import"
        );
        std::thread::sleep(Duration::from_millis(100));
        settle(&mut h);
    }
    h.get_by_label(&thousands(first_reports + second_reports));
    h.get_by_label_contains("The library changed");
}
