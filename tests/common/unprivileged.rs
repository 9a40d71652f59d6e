//! The command line run as the unprivileged user `nobody`, for tests of unreadable
//! inputs: root reads a file or folder of mode 000, so a test running as root
//! cannot see the problem in its own process. Shared by the ingest test binaries.

use std::path::Path;

/// What `summary --format json` of a folder said, run as `nobody`.
pub struct SummaryAsNobody {
    pub reports: u64,
    /// Source and error text of each problem, in input order.
    pub problems: Vec<(String, String)>,
}

/// Summarizes `dir` with the command line run as `nobody` (through `setpriv`), or
/// prints why `test` is skipped and returns `None` when there is no `setpriv`.
///
/// `dir` and its parent must be open to others: a copy of the binary goes into the
/// parent, since the build folder may be one `nobody` cannot enter.
pub fn summary_as_nobody(test: &str, dir: &Path) -> Option<SummaryAsNobody> {
    let setpriv = Path::new("/usr/bin/setpriv");
    if !setpriv.exists() {
        eprintln!(
            "skipping {test}: running as root, which reads inputs of mode 000, and \
             without setpriv to run as nobody"
        );
        return None;
    }
    let binary = dir.parent().unwrap().join("tlsrpt-analyzer");
    std::fs::copy(env!("CARGO_BIN_EXE_tlsrpt-analyzer"), &binary).unwrap();
    let output = std::process::Command::new(setpriv)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args(["summary", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let problems = summary["problems"].as_array().unwrap().iter();
    Some(SummaryAsNobody {
        reports: summary["reports"].as_u64().unwrap(),
        problems: problems
            .map(|p| (text(&p["source"]), text(&p["error"])))
            .collect(),
    })
}
