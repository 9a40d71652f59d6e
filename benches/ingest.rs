//! The ingest hot paths one step at a time: report JSON parse, gzip + JSON, mbox
//! message split and MIME part extraction.
//!
//!     cargo bench --bench ingest
//!
//! The inputs are generated at start-up with the corpus generator (a few MB in a
//! temporary folder): reports of all six producer shapes, as JSON, gzip and report
//! e-mails, and an mbox of report e-mails as delivered.

use std::fs;
use std::hint::black_box;
use std::io::Write;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tlsrpt_analyzer::ingest::Limits;
use tlsrpt_analyzer::ingest::bench::{gunzip, report_parts, split_mbox};
use tlsrpt_analyzer::report::parse_reports;
use tlsrpt_corpus::{CorpusOptions, Layout, generate};

struct Inputs {
    /// One report's JSON per report, as its producer writes it.
    json: Vec<Vec<u8>>,
    /// The same JSON, gzipped.
    gzip: Vec<Vec<u8>>,
    /// An mbox of report e-mails.
    mbox: Vec<u8>,
    /// The e-mails of that mbox, one by one.
    messages: Vec<Vec<u8>>,
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("corpus folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().expect("temporary folder");
    let files = dir.path().join("files");
    let options = CorpusOptions {
        reports: 240,
        layout: Layout::Files,
        ..CorpusOptions::default()
    };
    generate(&files, &options).expect("files corpus");
    let mut paths = Vec::new();
    files_under(&files, &mut paths);
    paths.sort();
    // .json files hold the even producers' reports, .json.gz files the odd ones'.
    let mut json = Vec::new();
    for path in &paths {
        let name = path.to_string_lossy();
        let data = fs::read(path).expect("corpus file");
        if name.ends_with(".json") {
            json.push(data);
        } else if name.ends_with(".json.gz") {
            json.push(
                gunzip(&data, Limits::default().max_decompressed).expect("gzip of the corpus"),
            );
        }
    }
    let gzip = json
        .iter()
        .map(|report| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(report).expect("gzip");
            encoder.finish().expect("gzip")
        })
        .collect();

    let mbox_dir = dir.path().join("mbox");
    let options = CorpusOptions {
        reports: 1200,
        layout: Layout::Mbox,
        ..CorpusOptions::default()
    };
    generate(&mbox_dir, &options).expect("mbox corpus");
    let mbox = fs::read(mbox_dir.join("reports.mbox")).expect("mbox");
    // The generator quotes `From ` in bodies, so separators are the only such lines.
    let messages = mbox
        .split(|&b| b == b'\n')
        .fold(Vec::<Vec<u8>>::new(), |mut messages, line| {
            if line.starts_with(b"From ") {
                messages.push(Vec::new());
            } else if let Some(message) = messages.last_mut() {
                message.extend_from_slice(line);
                message.push(b'\n');
            }
            messages
        });
    Inputs {
        json,
        gzip,
        mbox,
        messages,
    }
}

fn total(items: &[Vec<u8>]) -> u64 {
    items.iter().map(|i| i.len() as u64).sum()
}

fn bench(c: &mut Criterion) {
    let inputs = inputs();
    eprintln!(
        "inputs: {} reports ({} KB of JSON, {} KB gzipped), an mbox of {} messages ({} KB)",
        inputs.json.len(),
        total(&inputs.json) / 1000,
        total(&inputs.gzip) / 1000,
        inputs.messages.len(),
        inputs.mbox.len() / 1000
    );

    let mut group = c.benchmark_group("report JSON parse");
    group.throughput(Throughput::Bytes(total(&inputs.json)));
    group.bench_function(format!("{} reports", inputs.json.len()), |b| {
        b.iter(|| {
            for report in &inputs.json {
                black_box(parse_reports(black_box(report)).expect("report"));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("gzip + JSON");
    group.throughput(Throughput::Bytes(total(&inputs.gzip)));
    let limit = Limits::default().max_decompressed;
    group.bench_function(format!("{} reports", inputs.gzip.len()), |b| {
        b.iter(|| {
            for gz in &inputs.gzip {
                let json = gunzip(black_box(gz), limit).expect("gzip");
                black_box(parse_reports(&json).expect("report"));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("mbox message split");
    group.throughput(Throughput::Bytes(inputs.mbox.len() as u64));
    group.bench_function(format!("{} messages", inputs.messages.len()), |b| {
        let limit = Limits::default().max_message_size;
        b.iter(|| black_box(split_mbox(black_box(&inputs.mbox), limit)))
    });
    group.finish();

    let mut group = c.benchmark_group("MIME part extraction");
    group.throughput(Throughput::Bytes(total(&inputs.messages)));
    group.bench_function(format!("{} e-mails", inputs.messages.len()), |b| {
        b.iter(|| {
            for message in &inputs.messages {
                let parts = report_parts(black_box(message));
                assert_eq!(parts.len(), 1);
                black_box(parts);
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
