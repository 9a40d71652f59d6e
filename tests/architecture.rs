//! The layers of the crate, checked: which module may name which (README,
//! "Library"). A file that names a module its layer may not see fails this test
//! with its path and line.

use std::path::{Path, PathBuf};

/// Each module of the library and the modules of the crate it may name.
const ALLOWED: [(&str, &[&str]); 8] = [
    ("report", &["report"]),
    ("library", &["library", "report"]),
    ("ingest", &["ingest", "library", "report"]),
    ("analysis", &["analysis", "library", "report"]),
    ("export", &["export", "analysis", "library", "report"]),
    ("checker", &["checker"]),
    ("sources", &["sources", "ingest", "library", "report"]),
    (
        "gui",
        &[
            "gui", "export", "analysis", "ingest", "library", "report", "checker", "sources",
        ],
    ),
];

/// The IMAP client, which only the mail sources may use.
const MAIL_CRATES: [&str; 1] = ["imap"];

/// The crates of the desktop app, which only `gui` may use.
const GUI_CRATES: [&str; 5] = ["egui", "eframe", "egui_plot", "egui_extras", "rfd"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names that follow `prefix` (`crate::`, `egui::`) in a line of code,
/// comments left out.
fn names_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(prefix)
        .filter(|(at, _)| {
            // A whole path segment: not `my_crate::` or `super::egui::`.
            !code[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        })
        .map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// Every line of `src/` that breaks a rule, as `path:line: what`.
fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let relative = path.strip_prefix(&src).expect("under src");
        let module = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("source file");
        for (number, line) in text.lines().enumerate() {
            let place = format!("src/{}:{}", relative.display(), number + 1);
            if let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == module) {
                for name in names_after(line, "crate::") {
                    if !allowed.contains(&name) {
                        found.push(format!("{place}: {module} names crate::{name}"));
                    }
                }
            }
            if module != "sources" {
                for krate in MAIL_CRATES {
                    if !names_after(line, &format!("{krate}::")).is_empty()
                        || line.trim_start().starts_with(&format!("use {krate}"))
                    {
                        found.push(format!("{place}: {module} uses the mail crate {krate}"));
                    }
                }
            }
            if module != "gui" {
                for krate in GUI_CRATES {
                    if !names_after(line, &format!("{krate}::")).is_empty()
                        || line.trim_start().starts_with(&format!("use {krate}"))
                    {
                        found.push(format!("{place}: {module} uses the GUI crate {krate}"));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_module_names_only_the_layers_below_it() {
    let found = violations();
    assert!(
        found.is_empty(),
        "layer rules broken:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_rule_finder_finds_what_it_looks_for() {
    assert_eq!(
        names_after("use crate::ingest::Limits;", "crate::"),
        ["ingest"]
    );
    assert_eq!(
        names_after(
            "let x = crate::report::Text::from(\"\"); // crate::gui",
            "crate::"
        ),
        ["report"]
    );
    assert_eq!(
        names_after("use tlsrpt_crate::x;", "crate::"),
        Vec::<&str>::new()
    );
    assert_eq!(
        names_after("eframe::run_native(", "eframe::"),
        ["run_native"]
    );
}
