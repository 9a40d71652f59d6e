//! Exploring failures in the app, driven headless with egui_kittest: the charts'
//! interaction (wheel, zoom, clicks, legends), the numbers the cards show under
//! any filter, the in-window file dialog, the table and the small things around
//! them.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tlsrpt_analyzer::analysis::{Dimension, Filter, Summary};
use tlsrpt_analyzer::gui::{App, Command, StartOptions, Tab, thousands};
use tlsrpt_analyzer::ingest;

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn harness(start: StartOptions) -> Harness<'static, App> {
    // Frames a sixtieth of a second apart, as on a screen: a double-click is two
    // clicks within its time.
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| App::new(cc, start))
}

fn settle(h: &mut Harness<'static, App>) {
    h.run_steps(2);
    h.state_mut().wait_until_idle();
    h.run_steps(3);
}

fn loaded(paths: Vec<PathBuf>, in_window_dialogs: bool) -> Harness<'static, App> {
    let mut h = harness(StartOptions {
        paths,
        in_window_dialogs,
        ..StartOptions::default()
    });
    settle(&mut h);
    h
}

fn apply(h: &mut Harness<'static, App>, command: Command) {
    h.state_mut().apply(command);
    settle(h);
}

/// A report of `org` starting on `day`, with `failed` sessions of `result` at MX
/// `mx` for `domain`.
fn report(org: &str, id: &str, day: &str, domain: &str, failed: u64, result: &str) -> String {
    format!(
        r#"{{"organization-name":"{org}","report-id":"{id}",
        "date-range":{{"start-datetime":"{day}T00:00:00Z","end-datetime":"{day}T23:59:59Z"}},
        "policies":[{{"policy":{{"policy-type":"sts","policy-domain":"{domain}",
            "policy-string":["version: STSv1","mode: enforce","mx: mx.{domain}","max_age: 604800"]}},
        "summary":{{"total-successful-session-count":1000,"total-failure-session-count":{failed}}},
        "failure-details":[{{"result-type":"{result}","failed-session-count":{failed},
            "receiving-mx-hostname":"mx.{domain}"}}]}}]}}"#
    )
}

/// A folder of three days of one sender's reports: 10, 20 and 40 failures.
fn three_days() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (day, failed) in [("01", 10), ("02", 20), ("03", 40)] {
        let json = report(
            "Google Inc.",
            day,
            &format!("2026-08-{day}"),
            "example.com",
            failed,
            "certificate-expired",
        );
        std::fs::write(dir.path().join(format!("{day}.json")), json).expect("write");
    }
    dir
}

fn failures_plot_id() -> egui::Id {
    egui::Id::unique(("chart", "failed-sessions"))
}

fn auto_bounds(h: &Harness<'static, App>) -> bool {
    egui_plot::PlotMemory::load(&h.ctx, failures_plot_id()).is_some_and(|m| m.auto_bounds.all())
}

/// A point inside the failures plot, `from_bottom` points above its x axis, in the
/// middle of its width.
fn in_failures_plot(h: &Harness<'static, App>, from_bottom: f32) -> egui::Pos2 {
    let hint = h
        .get_by_label_contains("Failed sessions only, on their own axis")
        .rect();
    // The plot (240 points) follows the hint; its x axis labels take ~30 points.
    egui::pos2(
        hint.left() + 480.0,
        hint.bottom() + 240.0 - 30.0 - from_bottom,
    )
}

fn click_at(h: &mut Harness<'static, App>, pos: egui::Pos2) {
    h.hover_at(pos);
    h.step();
    h.drag_at(pos);
    h.step();
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.step();
}

/// Turns the wheel over `pos` by 120 points (down when `dy` is negative).
fn wheel(h: &mut Harness<'static, App>, pos: egui::Pos2, modifiers: egui::Modifiers) {
    wheel_by(h, pos, modifiers, -120.0);
}

fn wheel_by(h: &mut Harness<'static, App>, pos: egui::Pos2, modifiers: egui::Modifiers, dy: f32) {
    h.hover_at(pos);
    h.step();
    h.event_modifiers(
        egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, dy),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers,
        },
        modifiers,
    );
    h.run_steps(4);
}

#[test]
fn the_wheel_over_a_plot_scrolls_the_page_and_ctrl_wheel_zooms_with_a_reset() {
    let mut h = loaded(vec![sample_data()], false);
    apply(&mut h, Command::SetTab(Tab::Charts));
    let heading = "Failed sessions per day, by result type";
    let before = h.get_by_label(heading).rect().top();
    let pos = in_failures_plot(&h, 60.0);
    wheel(&mut h, pos, egui::Modifiers::NONE);
    let after = h.get_by_label(heading).rect().top();
    assert!(
        after < before - 20.0,
        "the page did not scroll: {before} -> {after}"
    );
    assert!(auto_bounds(&h), "the wheel moved the plot");
    assert!(h.query_by_label("Reset zoom").is_none());

    // Back up, then Ctrl + wheel: the plot zooms and offers to reset.
    wheel_by(&mut h, pos, egui::Modifiers::NONE, 400.0);
    assert_eq!(h.get_by_label(heading).rect().top(), before);
    let pos = in_failures_plot(&h, 60.0);
    wheel(&mut h, pos, egui::Modifiers::CTRL);
    assert!(!auto_bounds(&h), "Ctrl + wheel did not zoom");
    let top = h.get_by_label(heading).rect().top();
    assert!(
        top > 0.0,
        "Ctrl + wheel scrolled the page: the heading is at {top}"
    );
    h.get_by_label("Reset zoom").click();
    h.run_steps(3);
    assert!(
        auto_bounds(&h),
        "Reset zoom did not fit the plot to its data"
    );
    assert!(h.query_by_label("Reset zoom").is_none());
}

#[test]
fn a_click_on_a_bar_filters_once_the_double_click_time_is_over_and_a_double_click_does_not() {
    let dir = three_days();
    let mut h = loaded(vec![dir.path().to_path_buf()], false);
    apply(&mut h, Command::SetTab(Tab::Charts));
    // A double-click on the bars: no filter.
    let bar = in_failures_plot(&h, 8.0);
    click_at(&mut h, bar);
    click_at(&mut h, bar);
    h.run_steps(40);
    assert_eq!(
        h.state().view.filter,
        Filter::default(),
        "a double-click filtered"
    );
    // One click: nothing at once, the filter once the double-click time is over.
    h.run_steps(40);
    click_at(&mut h, bar);
    assert_eq!(h.state().view.filter, Filter::default());
    let mut waited = 0;
    while h.state().view.filter.result_types.is_empty() && waited < 120 {
        h.step();
        waited += 1;
    }
    assert_eq!(h.state().view.filter.result_types, ["certificate-expired"]);
}

#[test]
fn a_legend_entry_filters_on_its_value_at_once() {
    let mut h = loaded(vec![sample_data()], false);
    apply(&mut h, Command::SetTab(Tab::Charts));
    h.get_by_role_and_label(egui::accesskit::Role::Link, "starttls-not-supported")
        .click();
    h.run_steps(2);
    assert_eq!(
        h.state().view.filter.result_types,
        ["starttls-not-supported"]
    );
    // Stacked by sender, the legend filters senders.
    settle(&mut h);
    h.get_by_label("Sender").click();
    settle(&mut h);
    assert!(
        h.state().aggregates().expect("aggregates").charts[0]
            .title
            .ends_with("by organization")
    );
    h.get_by_role_and_label(egui::accesskit::Role::Link, "Mail.ru")
        .click();
    h.run_steps(2);
    assert_eq!(h.state().view.filter.organizations, ["Mail.ru"]);
}

#[test]
fn the_cards_and_the_table_equal_the_summary_under_any_filter() {
    let mut h = loaded(vec![sample_data()], false);
    let data = ingest::load(&[sample_data()]);
    let filters = [
        Filter::default(),
        Filter {
            organizations: vec!["Microsoft Corporation".into()],
            ..Filter::default()
        },
        Filter {
            result_types: vec!["certificate-expired".into()],
            policy_domains: vec!["example.net".into()],
            ..Filter::default()
        },
        Filter {
            from: chrono::NaiveDate::from_ymd_opt(2026, 8, 10),
            to: chrono::NaiveDate::from_ymd_opt(2026, 8, 20),
            policy_types: vec!["tlsa".into()],
            ..Filter::default()
        },
        Filter {
            text: "mail.ru".into(),
            mx_hosts: vec!["mx1.example.com".into()],
            ..Filter::default()
        },
    ];
    for filter in filters {
        apply(&mut h, Command::SetFilter(filter.clone()));
        let want = Summary::filtered(&data, &filter);
        let a = h.state().aggregates().expect("aggregates");
        assert_eq!(a.reports as u64, want.reports, "{filter:?}");
        assert_eq!(
            a.total.distinct_failed_sessions,
            want.distinct_failed_sessions
        );
        assert_eq!(
            a.total.distinct_successful_sessions,
            want.distinct_successful_sessions
        );
        assert_eq!(a.total.successful_sessions, want.successful_sessions);
        assert_eq!(a.senders, want.by_organization.len(), "{filter:?}");
        let distinct_total = want.distinct_successful_sessions + want.distinct_failed_sessions;
        assert!(h.query_all_by_label(&thousands(want.reports)).count() >= 1);
        assert!(h.query_all_by_label(&thousands(distinct_total)).count() >= 1);
        let detail_filter = !filter.result_types.is_empty()
            || !filter.mx_hosts.is_empty()
            || !filter.text.is_empty();
        assert_eq!(
            h.query_by_label_contains("Filtered on failure details")
                .is_some(),
            detail_filter,
            "{filter:?}"
        );
    }
}

#[test]
fn without_a_desktop_dialog_the_table_is_saved_through_the_dialog_in_the_window() {
    let mut h = loaded(vec![sample_data()], true);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("saved.csv");
    apply(&mut h, Command::ExportTable);
    h.get_by_label_contains("Save table as CSV");
    let name = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.value().as_deref() == Some("table.csv"))
        .expect("the file name field");
    name.focus();
    h.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    h.step();
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.is_focused())
        .expect("focused")
        .type_text(path.to_str().expect("path"));
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Save")
        .click();
    settle(&mut h);
    let saved = std::fs::read_to_string(&path).expect("the table was saved");
    assert!(saved.starts_with("organization,reports,"), "{saved}");
    h.get_by_label(&format!("Saved to {}", path.display()));
    h.get_by_label("Open folder");
}

#[test]
fn the_table_groups_by_every_dimension_and_sorts_the_details() {
    let mut h = loaded(vec![sample_data()], false);
    apply(&mut h, Command::SetTab(Tab::Table));
    h.get_all_by_role(egui::accesskit::Role::ComboBox)
        .next()
        .expect("the grouping")
        .click();
    h.run_steps(2);
    for d in Dimension::ALL {
        assert!(
            h.query_all_by_label(d.title()).count() >= 1,
            "{} is not offered",
            d.title()
        );
    }
    h.key_press(egui::Key::Escape);
    apply(
        &mut h,
        Command::SetGrouping(vec![Dimension::Week, Dimension::MxHost]),
    );
    assert_eq!(
        h.state().aggregates().expect("aggregates").table.dimensions,
        [Dimension::Week, Dimension::MxHost]
    );
    apply(&mut h, Command::SetGrouping(vec![Dimension::Organization]));
    h.get_by_label("Mail.ru").click();
    settle(&mut h);
    h.get_by_label("Sessions").click();
    h.run_steps(2);
    h.get_by_label("Sessions ⬇");
    let details = &h.state().aggregates().expect("aggregates").details;
    let biggest = details
        .iter()
        .map(|d| d.failed_session_count)
        .max()
        .expect("details");
    let first_row = thousands(biggest);
    assert!(
        h.query_all_by_label(&first_row).count() >= 1,
        "the largest detail ({first_row}) is not shown first"
    );
}

#[test]
fn an_invalid_date_is_red_with_the_form_expected_and_quick_ranges_set_both_ends() {
    let mut h = loaded(vec![sample_data()], false);
    h.state_mut().view.from_text = "2026-13-01".into();
    h.run_steps(2);
    h.get_by_label_contains("\"2026-13-01\" is not a date; write YYYY-MM-DD");
    assert_eq!(h.state().view.filter.from, None);
    h.state_mut().view.from_text.clear();
    h.run_steps(2);
    assert!(h.query_by_label_contains("is not a date").is_none());
    h.get_by_label("7 days").click();
    settle(&mut h);
    let last = chrono::NaiveDate::from_ymd_opt(2026, 9, 29);
    assert_eq!(h.state().view.filter.to, last);
    assert_eq!(
        h.state().view.filter.from,
        chrono::NaiveDate::from_ymd_opt(2026, 9, 23)
    );
    assert_eq!(h.state().view.from_text, "2026-09-23");
    h.get_by_label("All").click();
    settle(&mut h);
    assert_eq!(h.state().view.filter.from, None);
}

#[test]
fn idns_read_in_unicode_senders_differing_in_case_are_one_and_lists_keep_their_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = [
        report(
            "Mail.ru",
            "a",
            "2026-08-01",
            "xn--bcher-kva.example",
            5,
            "x",
        ),
        report(
            "Mail.Ru",
            "b",
            "2026-08-02",
            "xn--bcher-kva.example",
            5,
            "x",
        ),
        report("Google Inc.", "c", "2026-08-02", "example.com", 5, "x"),
        report("Google Inc.", "d", "2026-08-03", "example.org", 5, "x"),
        report("Google Inc.", "e", "2026-08-04", "example.org", 5, "x"),
    ];
    for (i, json) in reports.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.json")), json).expect("write");
    }
    let mut h = loaded(vec![dir.path().to_path_buf()], false);
    // The IDN in Unicode (in the filter list and the health table), its A-labels
    // on hover.
    assert!(h.query_all_by_label_contains("bücher.example").count() >= 2);
    assert!(h.query_by_label_contains("xn--bcher-kva").is_none());
    // Mail.ru and Mail.Ru: one sender of two reports.
    h.get_by_label("Mail.ru  2");
    assert!(h.query_by_label_contains("Mail.Ru").is_none());
    // Clicking a value keeps every list in its order.
    let order = |h: &Harness<'static, App>| -> Vec<String> {
        h.get_all_by_role(egui::accesskit::Role::CheckBox)
            .filter_map(|n| n.accesskit_node().label())
            .collect()
    };
    let before = order(&h);
    h.get_by_label_contains("Mail.ru  2").click();
    settle(&mut h);
    let name = |l: String| {
        l.rsplit_once("  ")
            .map_or(l.clone(), |(name, _)| name.to_string())
    };
    let after: Vec<String> = order(&h).into_iter().map(name).collect();
    let before: Vec<String> = before.into_iter().map(name).collect();
    // Values without reports under the new filter leave; the rest keep their order.
    let kept: Vec<&String> = before.iter().filter(|v| after.contains(v)).collect();
    assert_eq!(after.iter().collect::<Vec<_>>(), kept);
    assert!(after.len() >= 4, "{after:?}");
}

#[test]
fn a_cancelled_load_leaves_a_banner_saying_the_data_is_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = tlsrpt_corpus::CorpusOptions {
        reports: 6000,
        layout: tlsrpt_corpus::Layout::Mbox,
        ..Default::default()
    };
    tlsrpt_corpus::generate(dir.path(), &options).expect("corpus");
    let mut h = harness(StartOptions {
        paths: vec![dir.path().to_path_buf()],
        ..StartOptions::default()
    });
    // Cancelled once something was read (cancelled before, nothing shows).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.state().load_progress().is_some_and(|p| p.reports == 0) {
        assert!(std::time::Instant::now() < deadline, "nothing read");
        std::thread::sleep(std::time::Duration::from_millis(5));
        h.step();
    }
    h.get_by_label("Cancel").click();
    h.step();
    settle(&mut h);
    h.get_by_label_contains("Partial data: a load was cancelled");
    apply(&mut h, Command::Clear);
    assert!(h.query_by_label_contains("Partial data").is_none());
}

#[test]
fn the_incidents_tab_lists_findings_and_incidents_and_a_click_filters() {
    let mut h = loaded(vec![sample_data()], false);
    // The cards say how the last week compares with the one before.
    assert!(h.query_all_by_label_contains("week over week").count() >= 3);
    apply(&mut h, Command::SetTab(Tab::Incidents));
    let a = h.state().aggregates().expect("aggregates");
    let (findings, incidents) = (a.findings.len(), a.incidents.clone());
    assert!(findings > 0 && !incidents.is_empty());
    h.get_by_label(&format!("Findings ({findings})"));
    let new = incidents.iter().filter(|i| i.new_this_week).count();
    h.get_by_label(&format!(
        "Incidents ({}, {new} new this week)",
        incidents.len()
    ));
    // Newest first: no incident was last seen after the first one.
    assert!(
        incidents
            .iter()
            .all(|i| i.last_seen <= incidents[0].last_seen)
    );
    // A result type in the list filters on it.
    let result_type = incidents[0].result_type.clone();
    h.get_all_by_role_and_label(egui::accesskit::Role::Link, &result_type)
        .next()
        .expect("the result type of the first incident")
        .click();
    settle(&mut h);
    assert_eq!(h.state().view.filter.result_types, [result_type]);
}
