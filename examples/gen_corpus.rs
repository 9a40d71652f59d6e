//! Generates a TLS report corpus and its true totals.
//!
//! cargo run --release --example gen_corpus -- --reports 100000 --out DIR
//!
//! Writes the inputs into DIR and the expected summary (the JSON of
//! `tlsrpt-analyzer summary --format json`, sources relative to DIR) to
//! `--expected FILE`, by default `DIR.expected.json` beside DIR.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};

use tlsrpt_corpus::{CorpusOptions, Layout, generate};

#[derive(Parser)]
struct Args {
    /// Number of unique reports.
    #[arg(long, default_value_t = 1000)]
    reports: usize,
    /// Folder to write the inputs into.
    #[arg(long)]
    out: PathBuf,
    /// Where to write the expected summary (default: DIR.expected.json).
    #[arg(long)]
    expected: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = LayoutArg::Mixed)]
    layout: LayoutArg,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// First report day (UTC).
    #[arg(long, default_value = "2026-06-01")]
    first_day: NaiveDate,
    /// Number of days the reports span.
    #[arg(long, default_value_t = 60)]
    days: usize,
    /// Receiving domains (more are added when the reports need them).
    #[arg(long, default_value_t = 4)]
    domains: usize,
    /// A day (UTC) on which every domain's MX shows an expired certificate to a
    /// tenth of its sessions: the day's failures more than double.
    #[arg(long)]
    incident_day: Option<NaiveDate>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LayoutArg {
    Mixed,
    Files,
    Mbox,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = CorpusOptions {
        reports: args.reports,
        seed: args.seed,
        layout: match args.layout {
            LayoutArg::Mixed => Layout::Mixed,
            LayoutArg::Files => Layout::Files,
            LayoutArg::Mbox => Layout::Mbox,
        },
        first_day: args.first_day,
        days: args.days,
        domains: args.domains,
        incident_day: args.incident_day,
    };
    let expected = generate(&args.out, &options)
        .with_context(|| format!("writing corpus to {}", args.out.display()))?;
    let expected_path = args.expected.unwrap_or_else(|| {
        let mut name = args.out.as_os_str().to_owned();
        name.push(".expected.json");
        PathBuf::from(name)
    });
    let json = serde_json::to_string_pretty(&expected)?;
    std::fs::write(&expected_path, json + "\n")
        .with_context(|| format!("writing {}", expected_path.display()))?;
    eprintln!(
        "wrote {} reports ({} duplicates, {} problems, {} skipped) to {}; expected summary in {}",
        expected.reports,
        expected.duplicates,
        expected.problems.len(),
        expected.skipped.len(),
        args.out.display(),
        expected_path.display()
    );
    Ok(())
}
