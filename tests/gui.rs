//! The desktop app driven headless with egui_kittest: real `App`, real panels,
//! widgets found by role and label. Loads and aggregates run on their worker
//! threads; tests wait on them with `App::wait_until_idle`, never by sleeping.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlsrpt_analyzer::analysis::{Dimension, Filter, Summary};
use tlsrpt_analyzer::gui::{App, StartOptions, Tab, thousands};
use tlsrpt_analyzer::ingest;

#[path = "common/bomb.rs"]
mod bomb;
use bomb::gzip_bomb;

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn harness(start: StartOptions) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| App::new(cc, start))
}

/// Lets the app finish its background work, then settles the UI.
fn settle(h: &mut Harness<'static, App>) {
    h.run_steps(2);
    h.state_mut().wait_until_idle();
    h.run_steps(3);
}

fn expected(filter: &Filter) -> Summary {
    let store = ingest::load(&[sample_data()]);
    Summary::filtered(&store, filter)
}

fn loaded_sample_data() -> Harness<'static, App> {
    let mut h = harness(StartOptions {
        paths: Vec::new(),
        sample_data: Some(sample_data()),
        ..StartOptions::default()
    });
    h.run();
    h.get_by_label("Open sample data").click();
    settle(&mut h);
    h
}

#[test]
fn empty_state_offers_to_open_files_folders_and_sample_data() {
    let mut h = harness(StartOptions {
        paths: Vec::new(),
        sample_data: Some(sample_data()),
        ..StartOptions::default()
    });
    h.run();
    // In the top bar and in the empty state.
    let button = egui::accesskit::Role::Button;
    assert_eq!(
        h.get_all_by_role_and_label(button, "Open files…").count(),
        2
    );
    assert_eq!(
        h.get_all_by_role_and_label(button, "Open folder…").count(),
        2
    );
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Open sample data");
    assert!(h.state().aggregates().is_none());
}

#[test]
fn loading_sample_data_shows_the_totals() {
    let h = loaded_sample_data();
    let want = expected(&Filter::default());
    assert!(want.reports > 1000);
    h.get_by_label(&thousands(want.reports));
    // Sessions counted once, as the summary's distinct figures.
    h.get_by_label(&thousands(
        want.distinct_successful_sessions + want.distinct_failed_sessions,
    ));
    h.get_by_label(&thousands(want.distinct_failed_sessions));
    // The problems tab names the count of unreadable inputs.
    h.get_by_label(&format!("Problems ({})", want.problems.len()));
}

#[test]
fn a_filter_changes_cards_and_table() {
    let mut h = loaded_sample_data();
    let google = h.get_by(|n| {
        n.role() == egui::accesskit::Role::CheckBox
            && n.label().is_some_and(|l| l.starts_with("Google Inc."))
    });
    google.click();
    settle(&mut h);
    let filter = Filter {
        organizations: vec!["Google Inc.".into()],
        ..Filter::default()
    };
    assert_eq!(h.state().view.filter, filter);
    let want = expected(&filter);
    h.get_by_label(&thousands(want.reports));
    h.get_by_label(&thousands(want.distinct_failed_sessions));

    h.get_by_label("Table").click();
    settle(&mut h);
    assert_eq!(h.state().tab(), Tab::Table);
    let table = &h.state().aggregates().expect("aggregates").table;
    assert_eq!(table.dimensions, vec![Dimension::Organization]);
    let orgs: Vec<&str> = table.rows.iter().map(|r| r.labels[0].as_str()).collect();
    assert_eq!(orgs, ["Google Inc."]);
    assert_eq!(table.total.reports, want.reports);
}

#[test]
fn a_table_row_opens_its_failure_details_and_a_detail_its_report() {
    let mut h = loaded_sample_data();
    h.get_by_label("Table").click();
    settle(&mut h);
    // Rows are organizations; click Mail.ru's.
    h.get_by_label("Mail.ru").click();
    settle(&mut h);
    let details = h.state().aggregates().expect("aggregates").details.clone();
    assert!(!details.is_empty());
    assert!(details.iter().all(|d| d.organization == "Mail.ru"));
    h.get_by_label_contains("Failure details of the selected row");

    h.get_all_by_label("Report")
        .next()
        .expect("a Report button")
        .click();
    settle(&mut h);
    let index = h.state().view.open_report.expect("a report is open");
    assert_eq!(index, details[0].store_index);
    let loaded = &h.state().data().reports()[index as usize];
    h.get_by_label(&loaded.source.to_string());
    h.get_by_label("Source");
}

#[test]
fn a_corrupt_file_is_listed_in_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corrupt = dir.path().join("google.com!example.com!1!2.json.gz");
    std::fs::write(&corrupt, b"\x1f\x8b\x08\x00truncated").expect("write");
    let mut h = harness(StartOptions {
        paths: vec![corrupt.clone()],
        sample_data: None,
        ..StartOptions::default()
    });
    settle(&mut h);
    h.get_by_label("Problems (1)").click();
    settle(&mut h);
    h.get_by_label(&corrupt.display().to_string());
    h.get_by_label_contains("corrupt or truncated gzip data");
}

#[test]
fn a_long_load_can_be_cancelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = tlsrpt_corpus::CorpusOptions {
        reports: 6000,
        layout: tlsrpt_corpus::Layout::Mbox,
        ..Default::default()
    };
    tlsrpt_corpus::generate(dir.path(), &options).expect("corpus");
    let mut h = harness(StartOptions {
        paths: vec![dir.path().to_path_buf()],
        sample_data: None,
        ..StartOptions::default()
    });
    h.step();
    assert!(h.state().is_loading());
    h.get_by_label("Cancel").click();
    h.step();
    settle(&mut h);
    assert!(!h.state().is_loading());
    let reports = h.state().data().reports().len();
    assert!(
        reports < 6000,
        "{reports} reports: the load was not cancelled"
    );
    h.get_by_label_contains("Load cancelled");
}

#[test]
fn exported_table_equals_the_command_line_csv() {
    let mut h = loaded_sample_data();
    h.get_by(|n| {
        n.role() == egui::accesskit::Role::CheckBox
            && n.label().is_some_and(|l| l.starts_with("example.net"))
    })
    .click();
    settle(&mut h);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("table.csv");
    h.state_mut().save_table(&path);
    h.state_mut().wait_until_idle();
    let from_app = std::fs::read_to_string(&path).expect("saved table");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tlsrpt-analyzer"))
        .args([
            "summary",
            "--by",
            "organization",
            "--domain",
            "example.net",
            "--format",
            "csv",
        ])
        .arg(sample_data())
        .output()
        .expect("run tlsrpt-analyzer");
    assert!(output.status.success());
    assert_eq!(from_app, String::from_utf8(output.stdout).expect("UTF-8"));
    assert!(from_app.lines().count() > 2);
}

#[test]
fn theme_and_tabs_respond() {
    let mut h = loaded_sample_data();
    let dark = h.state().settings.dark;
    let label = if dark { "Light theme" } else { "Dark theme" };
    h.get_by_label(label).click();
    h.run_steps(2);
    assert_eq!(h.state().settings.dark, !dark);
    for tab in ["Charts", "Overview"] {
        h.get_by_label(tab).click();
        h.run_steps(2);
    }
    assert_eq!(h.state().tab(), Tab::Overview);
    // The charts tab drew every chart's heading.
    h.get_by_label("Charts").click();
    h.run_steps(2);
    h.get_by_label("Failed sessions per day, by result type");
    h.get_by_label("All sessions per day");
    h.get_by_label("Policy versions applied, sessions per day");
}

#[test]
fn a_policy_domain_is_checked_from_the_overview() {
    // DNS goes to a closed local port: the check ends at once, no network is used.
    let config = tlsrpt_analyzer::checker::CheckConfig {
        dns_server: Some("127.0.0.1:9".parse().expect("address")),
        timeout: std::time::Duration::from_secs(1),
        no_smtp: true,
        ..Default::default()
    };
    let mut h = harness(StartOptions {
        sample_data: Some(sample_data()),
        check_config: Some(config),
        ..StartOptions::default()
    });
    h.run();
    h.get_by_label("Open sample data").click();
    settle(&mut h);
    let first = h
        .state()
        .aggregates()
        .expect("aggregates")
        .health
        .iter()
        .find(|d| !d.policy_domain.is_empty())
        .expect("a domain")
        .policy_domain
        .clone();
    h.get_all_by_label("Check this domain")
        .next()
        .expect("a check button")
        .click();
    settle(&mut h);
    assert_eq!(h.state().tab(), Tab::Checker);
    assert_eq!(h.state().view.check_domain, first);
    let (checked, _) = h.state().check_result().expect("the check ran");
    assert_eq!(checked, &first);
    h.get_by_label_contains(&format!("The check of {first} could not run"));
}

/// Steps frames until the load is over, asserting that each frame comes quickly
/// while the load runs on its thread; returns the frames stepped.
fn step_while_loading(h: &mut Harness<'static, App>, limit: std::time::Duration) -> usize {
    let started = std::time::Instant::now();
    let mut frames = 0;
    while h.state().is_loading() {
        assert!(
            started.elapsed() < limit,
            "still loading after {limit:?}: {:?}",
            h.state().load_progress()
        );
        let frame = std::time::Instant::now();
        h.step();
        let took = frame.elapsed();
        assert!(
            took.as_secs_f64() < 2.0,
            "a frame took {took:?} during the load"
        );
        frames += 1;
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    frames
}

#[test]
fn hostile_inputs_end_up_in_problems_while_frames_keep_coming() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("tempdir");
    // Over the default 64 MiB limit: 256 MiB of zeros.
    let bomb = dir.path().join("bomb.json.gz");
    std::fs::write(&bomb, gzip_bomb(256 << 20)).expect("write");
    // A zip cut before its central directory.
    let broken_zip = dir.path().join("broken.zip");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("report.json", zip::write::SimpleFileOptions::default())
        .expect("zip");
    std::io::Write::write_all(&mut zip, &[b' '; 4096]).expect("zip");
    let zip = zip.finish().expect("zip").into_inner();
    std::fs::write(&broken_zip, &zip[..zip.len() / 2]).expect("write");
    // A mailbox export cut off in the middle of its second message's attachment.
    let report = br#"{"organization-name":"Org A","report-id":"cut-1",
        "date-range":{"start-datetime":"2026-06-01T00:00:00Z","end-datetime":"2026-06-02T00:00:00Z"},
        "policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},
        "summary":{"total-successful-session-count":5,"total-failure-session-count":0}}]}"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, report).expect("gzip");
    let attachment = base64::engine::general_purpose::STANDARD.encode(gz.finish().expect("gzip"));
    let message = |id: &str, body: &str| {
        format!(
            "From MAILER-DAEMON Mon Jun  1 12:00:00 2026\nFrom: r@example.org\nSubject: {id}\n\
             MIME-Version: 1.0\nContent-Type: multipart/report; boundary=\"b\"\n\n--b\n\
             Content-Type: application/tlsrpt+gzip; name=\"{id}.json.gz\"\n\
             Content-Transfer-Encoding: base64\n\n{body}\n"
        )
    };
    // The file ends in the middle of the second message's base64.
    let mbox = message("first", &attachment)
        + "--b--\n\n"
        + &message("second", &attachment[..attachment.len() / 8 * 4]);
    let cut = dir.path().join("cut.mbox");
    std::fs::write(&cut, mbox).expect("write");

    let mut h = harness(StartOptions {
        paths: vec![dir.path().to_path_buf()],
        sample_data: None,
        ..StartOptions::default()
    });
    h.step();
    let frames = step_while_loading(&mut h, std::time::Duration::from_secs(120));
    eprintln!("{frames} frames while loading");
    settle(&mut h);
    assert_eq!(h.state().data().reports().len(), 1);
    h.get_by_label("Problems (3)").click();
    settle(&mut h);
    h.get_by_label(&bomb.display().to_string());
    h.get_by_label_contains("decompressed size exceeds the limit of 67108864 bytes");
    h.get_by_label(&broken_zip.display().to_string());
    h.get_by_label_contains("corrupt zip archive");
    h.get_by_label(&format!(
        "{} › message 2 › attachment second.json.gz",
        cut.display()
    ));
    h.get_by_label_contains("corrupt or truncated gzip data");
}

#[test]
fn cancel_stops_a_load_in_the_middle_of_one_huge_mbox_message() {
    // One message of one line of 256 GB: a sparse file, nothing is written. Read to
    // its end it takes minutes; cancelled, the load must end at once.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.mbox");
    std::fs::write(
        &path,
        "From MAILER-DAEMON Mon Jun  1 12:00:00 2026\nSubject: huge\n\n",
    )
    .expect("write");
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(256 << 30))
        .expect("sparse file");
    let mut h = harness(StartOptions {
        paths: vec![path],
        sample_data: None,
        ..StartOptions::default()
    });
    h.step();
    // Into the message.
    let started = std::time::Instant::now();
    while h
        .state()
        .load_progress()
        .is_none_or(|p| p.bytes_read < 100 << 20)
    {
        assert!(h.state().is_loading(), "the load ended by itself");
        assert!(
            started.elapsed().as_secs() < 60,
            "the load does not progress"
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.get_by_label("Cancel").click();
    h.step();
    let cancelled = std::time::Instant::now();
    step_while_loading(&mut h, std::time::Duration::from_secs(30));
    let took = cancelled.elapsed();
    assert!(
        took.as_secs_f64() < 5.0,
        "the load ended {took:?} after cancel"
    );
    settle(&mut h);
    h.get_by_label_contains("Load cancelled");
    assert_eq!(h.state().data().reports().len(), 0);
    assert_eq!(h.state().data().problems().len(), 0);
}

/// A report of "Normal Sender" whose two failure details carry a web link and a
/// `javascript:` one, a report whose text fields are formulas, and three reports
/// with counts or dates no sender can have.
fn hostile_folder(dir: &Path) {
    let report =
        |org: &str, id: &str, start: &str, ok: serde_json::Value, details: serde_json::Value| {
            serde_json::json!({
                "organization-name": org, "report-id": id,
                "date-range": {"start-datetime": start, "end-datetime": "2026-06-02T00:00:00Z"},
                "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com"},
                              "summary": {"total-successful-session-count": ok},
                              "failure-details": details}]
            })
            .to_string()
        };
    let detail = |count: u64, info: &str| {
        serde_json::json!({"result-type": "certificate-expired", "failed-session-count": count,
                           "receiving-mx-hostname": "mx.example.com",
                           "additional-information": info})
    };
    let june = "2026-06-01T00:00:00Z";
    let files = [
        (
            "normal.json",
            report(
                "Normal Sender",
                "n1",
                june,
                100.into(),
                serde_json::json!([
                    detail(4, "https://example.com/tls-help"),
                    detail(3, "javascript:alert(1)"),
                ]),
            ),
        ),
        (
            "formula.json",
            report(
                "=HYPERLINK(\"http://evil.example\")",
                "f1",
                june,
                5.into(),
                serde_json::json!([]),
            ),
        ),
        (
            "huge.json",
            report(
                "Hostile",
                "h1",
                june,
                u64::MAX.into(),
                serde_json::json!([]),
            ),
        ),
        (
            "millis.json",
            report(
                "Hostile",
                "h2",
                "1780272000000",
                1.into(),
                serde_json::json!([]),
            ),
        ),
        (
            "year.json",
            report(
                "Hostile",
                "h3",
                "2025-06-01T00:00:00Z",
                1.into(),
                serde_json::json!([]),
            ),
        ),
    ];
    for (name, json) in files {
        std::fs::write(dir.join(name), json).expect("write");
    }
}

#[test]
fn hostile_counts_and_dates_are_problems_and_every_tab_shows_the_other_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_folder(dir.path());
    let mut h = harness(StartOptions {
        paths: vec![dir.path().to_path_buf()],
        sample_data: None,
        ..StartOptions::default()
    });
    settle(&mut h);
    let total = h.state().aggregates().expect("aggregates").total;
    assert_eq!(total.reports, 2);
    assert_eq!(total.successful_sessions, 105);
    assert_eq!(total.failed_sessions, 7);
    h.get_by_label(&thousands(112u64));
    for tab in ["Charts", "Table", "Domain check", "Overview"] {
        h.get_by_label(tab).click();
        settle(&mut h);
    }
    h.get_by_label("Problems (3)").click();
    settle(&mut h);
    h.get_by_label_contains("is more than any sender counts");
    h.get_by_label_contains("Unix milliseconds given as seconds?");
    h.get_by_label_contains("covers 366 days");

    // Only the web link of a failure detail is a link.
    h.get_by_label("Table").click();
    settle(&mut h);
    h.get_by_label("Normal Sender").click();
    settle(&mut h);
    let link = egui::accesskit::Role::Link;
    h.get_by_role_and_label(link, "https://example.com/tls-help");
    h.get_by_label("javascript:alert(1)");
    assert!(
        h.query_by_role_and_label(link, "javascript:alert(1)")
            .is_none()
    );

    // The saved table neutralizes the formula sender's name.
    let path = dir.path().join("table.csv");
    h.state_mut().save_table(&path);
    h.state_mut().wait_until_idle();
    let saved = std::fs::read_to_string(&path).expect("saved table");
    assert!(
        saved.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{saved}"
    );
}

#[test]
fn the_last_view_stays_while_a_second_load_runs() {
    let mut h = loaded_sample_data();
    let first = expected(&Filter::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let options = tlsrpt_corpus::CorpusOptions {
        reports: 6000,
        layout: tlsrpt_corpus::Layout::Mbox,
        ..Default::default()
    };
    tlsrpt_corpus::generate(dir.path(), &options).expect("corpus");
    h.state_mut()
        .apply(tlsrpt_analyzer::gui::Command::Load(vec![
            dir.path().to_path_buf(),
        ]));
    let mut frames_while_loading = 0;
    while h.state().is_loading() {
        h.step();
        frames_while_loading += 1;
        // The cards, the tabs and the problems count are those of the first load.
        h.get_by_label(&thousands(first.reports));
        h.get_by_label(&thousands(first.distinct_failed_sessions));
        h.get_by_label(&format!("Problems ({})", first.problems.len()));
    }
    assert!(frames_while_loading > 0, "the load ended before a frame");
    settle(&mut h);
    // Both loads, merged: the command line's totals of both inputs.
    let both = ingest::load(&[sample_data(), dir.path().to_path_buf()]);
    let both = Summary::of(&both);
    assert!(both.reports > first.reports);
    let total = h.state().aggregates().expect("aggregates").total;
    assert_eq!(total.reports, both.reports);
    h.get_by_label(&thousands(both.reports));
}
