//! Where the real samples are, for the tests that read them.

use std::path::{Path, PathBuf};

/// `../shared/samples/real` beside the checkout. When it is absent, a test that
/// needs it fails under CI (`CI` set, as every CI service sets it), so that a run
/// without it cannot pass having tested no real producer; elsewhere it returns
/// `None` and the caller skips, with the reason printed.
pub fn real_samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/real");
    if dir.is_dir() {
        return Some(dir);
    }
    let reason = format!(
        "the real samples are not at {} (the `shared` folder belongs beside the checkout)",
        dir.display()
    );
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("{reason}; CI is set, so this test may not skip");
    }
    eprintln!("skipping: {reason}");
    None
}
