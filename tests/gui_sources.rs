//! The mailbox sources in the app, driven headless with egui_kittest: a source
//! added in the form, tested, synced with "Sync now", its counts and last sync
//! shown; a password typed in the app is used and never written.
#![cfg(feature = "gui")]

#[path = "common/app.rs"]
mod app;
use app::settle;

#[path = "common/dovecot.rs"]
mod dovecot;

use std::path::Path;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tlsrpt_analyzer::gui::{App, Tab};
use tlsrpt_corpus::{CorpusOptions, report_messages};

fn harness(library: &Path) -> Harness<'static, App> {
    app::on_library(library, egui::vec2(1400.0, 1000.0))
}

fn messages(reports: usize, seed: u64) -> Vec<Vec<u8>> {
    report_messages(&CorpusOptions {
        reports,
        seed,
        ..CorpusOptions::default()
    })
    .0
}

fn type_into(h: &mut Harness<'static, App>, label: &str, text: &str) {
    h.get_by_label(label).click();
    h.run_steps(1);
    h.get_by_label(label).type_text(text);
    h.run_steps(2);
}

#[test]
fn a_maildir_added_in_the_app_syncs_and_shows_its_counts() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    for (i, message) in messages(12, 41).iter().enumerate() {
        std::fs::write(
            maildir.join("new").join(format!("17000000{i:02}.M1P1.mx")),
            message,
        )
        .unwrap();
    }
    let library = dir.path().join("reports.sqlite");
    let mut h = harness(&library);
    h.get_by_label("Library and import history").click();
    settle(&mut h);
    assert_eq!(h.state().tab(), Tab::Library);
    h.get_by_label("Mailbox sources (0)");

    let address = format!("maildir:{}", maildir.display());
    type_into(&mut h, "Address", &address);
    h.get_by_label("Save source").click();
    settle(&mut h);
    h.get_by_label("Mailbox sources (1)");
    // In the mailbox sources and among all the library's sources.
    assert_eq!(h.query_all_by_label(&address).count(), 2);
    h.get_by_label("never");

    h.get_by_label("Test").click();
    settle(&mut h);
    h.get_by_label_contains("readable; 3 entries");

    h.get_by_label("Sync now").click();
    settle(&mut h);
    h.get_by_label_contains("ok: 12 messages, 12 new, 0 copies, 0 problems");
    h.get_by_label_contains(&format!("Synced {address}: 12 messages, 12 new"));
    assert_eq!(h.state().aggregates().map(|a| a.reports), Some(12));

    // Nothing new on the next sync; the automatic sync can be set.
    h.get_by_label("Sync all now").click();
    settle(&mut h);
    h.get_by_label_contains("ok: 0 messages, 0 new");
    h.get_by_label("every 15 min").click();
    settle(&mut h);
    assert_eq!(h.state().settings().auto_sync_minutes, 15);
}

#[test]
fn an_imap_source_with_a_typed_password_syncs_and_the_password_is_not_stored() {
    if !dovecot::available(
        "an_imap_source_with_a_typed_password_syncs_and_the_password_is_not_stored",
    ) {
        return;
    }
    let server = dovecot::Dovecot::start(dovecot::Setup::default());
    server.append("INBOX", &messages(8, 42));
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("reports.sqlite");
    let mut h = harness(&library);
    h.get_by_label("Library and import history").click();
    settle(&mut h);
    let address = server.imaps_url("INBOX");
    type_into(&mut h, "Address", &address);
    type_into(&mut h, "Password", "wrong password");
    type_into(&mut h, "CA file (PEM)", server.ca_file.to_str().unwrap());
    h.get_by_label("Save source").click();
    settle(&mut h);
    h.get_by_label("Sync now").click();
    settle(&mut h);
    h.get_by_label_contains("error: login as reports refused");

    // Edit: the same source with the right password.
    h.get_by_label("Edit").click();
    h.run_steps(2);
    type_into(&mut h, "Password", dovecot::PASSWORD);
    h.get_by_label("Save source").click();
    settle(&mut h);
    h.get_by_label("Test").click();
    settle(&mut h);
    h.get_by_label_contains("logged in; INBOX holds 8 messages");
    h.get_by_label("Sync now").click();
    settle(&mut h);
    h.get_by_label_contains("ok: 8 messages, 8 new");
    drop(h);
    let bytes = std::fs::read(&library).unwrap();
    let wal = std::fs::read(library.with_extension("sqlite-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        let secret = dovecot::PASSWORD.as_bytes();
        assert!(!file.windows(secret.len()).any(|w| w == secret));
    }
}
