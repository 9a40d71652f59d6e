//! The app driven headless by egui_kittest, as the GUI tests share it.

use std::path::Path;

use eframe::egui;
use egui_kittest::Harness;
use tlsrpt_analyzer::gui::{App, StartOptions};

/// Lets the app finish its background work, then settles the UI.
pub fn settle(h: &mut Harness<'static, App>) {
    h.run_steps(2);
    h.state_mut().wait_until_idle();
    h.run_steps(3);
}

/// The app on `library` in a window of `size`, its first read done.
pub fn on_library(library: &Path, size: egui::Vec2) -> Harness<'static, App> {
    let start = StartOptions {
        library: Some(library.to_path_buf()),
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| App::new(cc, start));
    settle(&mut h);
    h
}
