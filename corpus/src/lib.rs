//! A generator of realistic TLS report corpora, with the true totals.
//!
//! Used by tests, benchmarks and the demo data in `sample-data/`. Reports take the
//! shapes of real producers (Google, Microsoft, Mail.ru, Postfix, Stalwart and a
//! sloppy small sender) and arrive in every container the reader accepts; the
//! `mixed` layout adds duplicates, conflicting copies, skipped inputs and junk.
//! [`generate`] returns the [`Summary`] that reading the corpus must produce.

mod expected;
mod json;
mod junk;
mod mail;
mod model;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::rngs::StdRng;

use expected::Expected;
use mail::{MailStyle, MboxWriter, STYLES, gzip, report_email, report_file_name, zip_of};
use model::{GenReport, Producer, draw_report};
use std::sync::Arc;
use tlsrpt_analyzer::analysis::Summary;
use tlsrpt_analyzer::library::{Loaded, Location, Order, Source};
use tlsrpt_analyzer::report::parse_reports;

/// How the reports are laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Every container kind, duplicates, conflicts, skipped inputs and junk.
    Mixed,
    /// One file per report, cycling through `.json`, `.json.gz`, `.zip` and `.eml`.
    Files,
    /// One mbox file (`reports.mbox`) with one e-mail per report.
    Mbox,
}

#[derive(Debug, Clone)]
pub struct CorpusOptions {
    pub reports: usize,
    pub seed: u64,
    pub layout: Layout,
    pub first_day: NaiveDate,
    pub days: usize,
    /// Receiving domains (more are added when the reports need them).
    pub domains: usize,
    /// A day on which an expired certificate on every domain's MX turns a tenth
    /// of each STS policy's sessions into failures (more than doubling the day's
    /// failures), as a postmaster should spot at a glance.
    pub incident_day: Option<NaiveDate>,
}

impl Default for CorpusOptions {
    fn default() -> CorpusOptions {
        CorpusOptions {
            reports: 1000,
            seed: 1,
            layout: Layout::Mixed,
            first_day: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
            days: 60,
            domains: 4,
            incident_day: None,
        }
    }
}

const NAMED_DOMAINS: [&str; 5] = [
    "example.com",
    "example.net",
    "xn--bcher-kva.example",
    "nosts.example",
    "shop.example.org",
];

/// Writes a corpus into `out` (created if needed) and returns its true summary.
/// Sources in the summary are relative to `out`.
pub fn generate(out: &Path, options: &CorpusOptions) -> io::Result<Summary> {
    fs::create_dir_all(out)?;
    let mut writer = Writer {
        out: out.to_path_buf(),
        rng: StdRng::seed_from_u64(options.seed),
        expected: Expected::default(),
        options: options.clone(),
        domains: domains(options),
    };
    match options.layout {
        Layout::Mixed => writer.mixed()?,
        Layout::Files => writer.files()?,
        Layout::Mbox => writer.single_mbox()?,
    }
    Ok(writer.expected.finish())
}

/// One e-mail per report, as a mail source (IMAP, Maildir) delivers them, in every
/// style producers write (`layout` is not used), with their true summary.
pub fn report_messages(options: &CorpusOptions) -> (Vec<Vec<u8>>, Summary) {
    let mut writer = Writer {
        out: PathBuf::new(),
        rng: StdRng::seed_from_u64(options.seed),
        expected: Expected::default(),
        options: options.clone(),
        domains: domains(options),
    };
    let mut messages = Vec::with_capacity(options.reports);
    for index in 0..options.reports {
        let report = writer.draw(index);
        let json = json::report_json(&report);
        let style = STYLES[index % STYLES.len()];
        messages.push(report_email(&report, &json, style).0);
        writer.expected.report(&report);
    }
    (messages, writer.expected.finish())
}

/// `options.reports` reports drawn as for a corpus, parsed back from their JSON and
/// loaded (in memory, no files): test and benchmark data.
pub fn loaded(options: &CorpusOptions) -> Loaded {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let domains = domains(options);
    let mut loaded = Loaded::new();
    let generation = loaded.begin_load();
    let path: Arc<Path> = Arc::from(Path::new("generated"));
    for index in 0..options.reports {
        let mut report = draw_report(
            &mut rng,
            index,
            options.first_day,
            options.days.max(1),
            &domains,
        );
        model::incident(&mut report, options.incident_day);
        let parsed = parse_reports(json::report_json(&report).as_bytes()).unwrap_or_default();
        for (item, report) in parsed.into_iter().enumerate() {
            let source = Source::file(path.clone()).with(Location::Report(index + 1));
            let order = Order {
                generation,
                file: 0,
                message: index as u64,
                item: item as u32,
            };
            loaded.insert(report, source, order);
        }
    }
    loaded.finish_load();
    loaded
}

fn domains(options: &CorpusOptions) -> Vec<String> {
    let per_domain = Producer::ALL.len() * options.days.max(1);
    let needed = (options.reports + 12)
        .div_ceil(per_domain)
        .max(options.domains)
        .max(1);
    (0..needed)
        .map(|i| match NAMED_DOMAINS.get(i) {
            Some(name) => name.to_string(),
            None => format!("customer{i}.example"),
        })
        .collect()
}

struct Writer {
    out: PathBuf,
    rng: StdRng,
    expected: Expected,
    options: CorpusOptions,
    domains: Vec<String>,
}

impl Writer {
    fn draw(&mut self, index: usize) -> GenReport {
        let mut report = draw_report(
            &mut self.rng,
            index,
            self.options.first_day,
            self.options.days.max(1),
            &self.domains,
        );
        model::incident(&mut report, self.options.incident_day);
        report
    }

    fn write(&self, relative: &str, data: &[u8]) -> io::Result<()> {
        let path = self.out.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, data)
    }

    fn files(&mut self) -> io::Result<()> {
        for index in 0..self.options.reports {
            let report = self.draw(index);
            let json = json::report_json(&report);
            let folder = format!("{:03}", index / 1000);
            match index % 4 {
                0 => self.write(
                    &format!("{folder}/{}", report_file_name(&report, "json")),
                    json.as_bytes(),
                )?,
                1 => self.write(
                    &format!("{folder}/{}", report_file_name(&report, "json.gz")),
                    &gzip(json.as_bytes()),
                )?,
                2 => {
                    let member = (report_file_name(&report, "json"), json.into_bytes());
                    self.write(
                        &format!("{folder}/{}", report_file_name(&report, "zip")),
                        &zip_of(&[member]),
                    )?
                }
                _ => {
                    let (message, _) = report_email(&report, &json, MailStyle::Native);
                    self.write(&format!("{folder}/{index:07}.eml"), &message)?
                }
            }
            self.expected.report(&report);
        }
        Ok(())
    }

    fn single_mbox(&mut self) -> io::Result<()> {
        let file = fs::File::create(self.out.join("reports.mbox"))?;
        let mut mbox = MboxWriter::new(BufWriter::with_capacity(1 << 20, file), false);
        for index in 0..self.options.reports {
            let report = self.draw(index);
            let json = json::report_json(&report);
            let (message, _) = report_email(&report, &json, MailStyle::Native);
            mbox.append(&message, report.start())?;
            self.expected.report(&report);
        }
        mbox.into_inner().flush()
    }

    /// Every container, duplicates, conflicts, junk and skipped inputs.
    fn mixed(&mut self) -> io::Result<()> {
        let mut mboxes = Mboxes::default();
        let mut zip_batch: Vec<(String, Vec<u8>)> = Vec::new();
        let mut zip_count = 0;
        for index in 0..self.options.reports {
            let report = self.draw(index);
            let json = json::report_json(&report);
            let source = self.place(index, &report, &json, &mut mboxes, &mut zip_batch)?;
            if zip_batch.len() >= 25 {
                self.write(
                    &format!("archives/batch-{zip_count:03}.zip"),
                    &zip_of(&zip_batch),
                )?;
                zip_batch.clear();
                zip_count += 1;
            }
            self.expected.report(&report);
            if index % 20 == 7 {
                // An identical copy saved by hand next to the mailbox.
                self.write(
                    &format!("copies/{}", report_file_name(&report, "json")),
                    json.as_bytes(),
                )?;
                self.expected.duplicate();
            }
            if index % 97 == 13 {
                self.conflicting_copy(&report, &source)?;
            }
        }
        if !zip_batch.is_empty() {
            self.write(
                &format!("archives/batch-{zip_count:03}.zip"),
                &zip_of(&zip_batch),
            )?;
        }
        mboxes.finish(self)?;
        junk::plant(self)
    }

    /// Writes one report into the container its index picks; returns its source.
    fn place(
        &mut self,
        index: usize,
        report: &GenReport,
        json: &str,
        mboxes: &mut Mboxes,
        zip_batch: &mut Vec<(String, Vec<u8>)>,
    ) -> io::Result<String> {
        let producer = format!("{:?}", report.producer).to_lowercase();
        Ok(match index % 8 {
            0 => {
                let path = format!("files/{producer}/{}", report_file_name(report, "json"));
                self.write(&path, json.as_bytes())?;
                path
            }
            1 => {
                let path = format!("files/{producer}/{}", report_file_name(report, "json.gz"));
                self.write(&path, &gzip(json.as_bytes()))?;
                path
            }
            2 => {
                let name = report_file_name(report, "json");
                let path = format!("files/{producer}/{}.gz", name.trim_end_matches(".json"));
                self.write(&path, &gzip(json.as_bytes()))?;
                path
            }
            3 => {
                let nested = zip_batch.len() % 2 == 1;
                let (name, data) = if nested {
                    (report_file_name(report, "json.gz"), gzip(json.as_bytes()))
                } else {
                    (report_file_name(report, "json"), json.as_bytes().to_vec())
                };
                zip_batch.push((name, data));
                String::new()
            }
            4 => {
                let style = STYLES[(index / 8) % STYLES.len()];
                let (message, _) = report_email(report, json, style);
                let path = format!("mail/{index:06}.eml");
                self.write(&path, &message)?;
                path
            }
            slot => mboxes.add(slot, report, json),
        })
    }

    fn conflicting_copy(&mut self, report: &GenReport, _kept: &str) -> io::Result<()> {
        let mut changed = report.clone();
        changed.contact_info = Some("tls-reports-v2@changed.example".into());
        let path = format!("zz-conflicts/{}", report_file_name(report, "json"));
        self.write(&path, json::report_json(&changed).as_bytes())?;
        self.expected.conflict(report, &path);
        Ok(())
    }
}

/// The mbox files of the mixed layout, filled as reports come.
#[derive(Default)]
struct Mboxes {
    lf: Vec<u8>,
    crlf: Vec<u8>,
    gz: Vec<u8>,
    counts: [u64; 3],
}

impl Mboxes {
    /// Appends to the mbox for `slot` (5, 6 or 7); returns the report's source.
    fn add(&mut self, slot: usize, report: &GenReport, json: &str) -> String {
        let (message, name) = report_email(report, json, MailStyle::Native);
        let which = slot - 5;
        let buffer = match which {
            0 => &mut self.lf,
            1 => &mut self.crlf,
            _ => &mut self.gz,
        };
        let mut mbox = MboxWriter::new(buffer, which == 1);
        let _ = mbox.append(&message, report.start());
        self.counts[which] += 1;
        let file = [
            "mbox/inbox.mbox",
            "mbox/export-crlf.mbox",
            "mbox/archive.mbox.gz",
        ][which];
        format!(
            "{file} › message {} › attachment {name}",
            self.counts[which]
        )
    }

    fn finish(self, writer: &Writer) -> io::Result<()> {
        writer.write("mbox/inbox.mbox", &self.lf)?;
        writer.write("mbox/export-crlf.mbox", &self.crlf)?;
        writer.write("mbox/archive.mbox.gz", &gzip(&self.gz))
    }
}
