//! Turning one input's bytes into reports, problems and skipped items, recursively
//! through gzip, zip, e-mail and mbox containers.

use std::ops::AddAssign;

use super::Limits;
use super::container::{gunzip, unzip};
use super::mbox::{MboxItem, MboxMessages};
use super::mime;
use super::sniff::{Kind, is_dmarc_xml, sniff};
use crate::library::{Document, Location, Source};
use crate::library::{IngestError, Problem, SkipReason, Skipped};
use crate::report::{Report, ReportError, check_date_range, parse_report_list};

/// What decoding one input produced. Reports keep the position they were found at.
#[derive(Debug, Default)]
pub struct Sink {
    /// Each report with its source and, when asked for, its document.
    pub reports: Vec<(Report, Source, Option<Document>)>,
    pub problems: Vec<Problem>,
    pub skipped: Vec<Skipped>,
    /// Mbox messages seen (for progress).
    pub messages: u64,
}

impl Sink {
    pub fn problem(&mut self, source: &Source, error: IngestError) {
        self.problems.push(Problem {
            source: source.clone(),
            error,
        });
    }

    pub fn skip(&mut self, source: &Source, reason: SkipReason) {
        self.skipped.push(Skipped {
            source: source.clone(),
            reason,
        });
    }
}

/// How much is expected of an input, which decides whether "not a report" is a
/// problem, a skipped input, or nothing at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A file named on the command line or found in a folder. `claims_report` when
    /// its name says it is a report or container (`.json`, `.gz`, `.eml`, ...).
    File { claims_report: bool },
    /// A MIME part typed as a TLS report (`application/tlsrpt+gzip`, ...).
    ReportPart,
    /// A MIME part that may hold a report (`application/gzip`, `octet-stream`, ...):
    /// when it holds something else, it is passed over.
    MaybePart,
}

/// What was found below one node: reports, and whether a DMARC report was seen.
#[derive(Debug, Default, Clone, Copy)]
pub struct Found {
    pub reports: usize,
    pub dmarc: bool,
}

impl AddAssign for Found {
    fn add_assign(&mut self, other: Found) {
        self.reports += other.reports;
        self.dmarc |= other.dmarc;
    }
}

/// Decodes inputs within [`Limits`].
pub struct Decoder<'a> {
    pub limits: &'a Limits,
    /// The time of loading, which reports' dates are judged against.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Keep each report's JSON document ([`Document`]).
    pub keep_documents: bool,
}

impl Decoder<'_> {
    /// Decodes `data`, found at `source`, `depth` containers deep.
    pub fn decode(
        &self,
        data: &[u8],
        source: &Source,
        depth: u32,
        expect: Expect,
        sink: &mut Sink,
    ) -> Found {
        if depth > self.limits.max_depth {
            sink.problem(
                source,
                IngestError::TooDeep {
                    limit: self.limits.max_depth,
                },
            );
            return Found::default();
        }
        match sniff(data) {
            Kind::Gzip => match gunzip(data, self.limits.max_decompressed) {
                Ok(inner) => self.decode(&inner, source, depth + 1, expect, sink),
                Err(e) => {
                    sink.problem(source, e);
                    Found::default()
                }
            },
            Kind::Zip => self.decode_zip(data, source, depth, expect, sink),
            Kind::Json => decode_json(data, source, expect, self, sink),
            Kind::Xml => {
                let dmarc = is_dmarc_xml(data);
                if let Expect::File { .. } = expect {
                    let reason = if dmarc {
                        SkipReason::DmarcAggregate
                    } else {
                        SkipReason::OtherXml
                    };
                    sink.skip(source, reason);
                }
                Found { reports: 0, dmarc }
            }
            Kind::Mbox => self.decode_mbox(data, source, depth, sink),
            Kind::Email => mime::decode_message(self, data, source, depth + 1, sink),
            Kind::Empty => not_an_input(
                expect,
                source,
                SkipReason::EmptyFile,
                IngestError::Empty,
                sink,
            ),
            Kind::Unknown => not_an_input(
                expect,
                source,
                SkipReason::NotAReportFile,
                IngestError::Unrecognized,
                sink,
            ),
        }
    }

    fn decode_zip(
        &self,
        data: &[u8],
        source: &Source,
        depth: u32,
        expect: Expect,
        sink: &mut Sink,
    ) -> Found {
        let mut found = Found::default();
        let result = unzip(data, self.limits, |name, content| {
            let member = source.with(Location::Member(name.to_string()));
            match content {
                Ok(content) => {
                    let expect = match expect {
                        Expect::File { .. } => Expect::File {
                            claims_report: claims_report(name),
                        },
                        other => other,
                    };
                    found += self.decode(&content, &member, depth + 1, expect, sink);
                }
                Err(e) => sink.problem(&member, e),
            }
        });
        if let Err(e) = result {
            sink.problem(source, e);
        }
        found
    }

    /// An mbox held in memory (inside a zip or a gzip small enough to inflate).
    fn decode_mbox(&self, data: &[u8], source: &Source, depth: u32, sink: &mut Sink) -> Found {
        let data = &data[super::sniff::mbox_start(data).unwrap_or(0)..];
        let mut found = Found::default();
        for item in MboxMessages::new(data, self.limits.max_message_size).numbered() {
            match item {
                MboxItem::Message { number, data } => {
                    sink.messages += 1;
                    let message_source = source.with(Location::Message(number));
                    found += self.decode_message(&data, &message_source, depth, sink)
                }
                MboxItem::TooLarge { number, error } => {
                    sink.messages += 1;
                    sink.problem(&source.with(Location::Message(number)), error)
                }
                MboxItem::Unreadable { error, .. } => sink.problem(source, error),
            }
        }
        found
    }

    /// One e-mail message, from an mbox or a file.
    pub fn decode_message(
        &self,
        data: &[u8],
        source: &Source,
        depth: u32,
        sink: &mut Sink,
    ) -> Found {
        if data.iter().all(|b| b.is_ascii_whitespace()) {
            sink.problem(source, IngestError::Empty);
            return Found::default();
        }
        mime::decode_message(self, data, source, depth + 1, sink)
    }
}

/// Content that is no input at all (empty, or of no kind): passed over in a part
/// that only may hold a report, skipped in a file whose name does not claim one,
/// else a problem.
fn not_an_input(
    expect: Expect,
    source: &Source,
    skipped: SkipReason,
    problem: IngestError,
    sink: &mut Sink,
) -> Found {
    match expect {
        Expect::MaybePart => {}
        Expect::File {
            claims_report: false,
        } => sink.skip(source, skipped),
        _ => sink.problem(source, problem),
    }
    Found::default()
}

/// Reads a JSON document: each report in it is kept, or is a problem of its own
/// (numbered `report N` in a list) when it is unusable or its dates implausible.
fn decode_json(
    data: &[u8],
    source: &Source,
    expect: Expect,
    decoder: &Decoder<'_>,
    sink: &mut Sink,
) -> Found {
    let now = decoder.now;
    let reports = match parse_report_list(data) {
        Ok(reports) => reports,
        Err(ReportError::NotTlsReport) if expect == Expect::MaybePart => return Found::default(),
        Err(e) => {
            sink.problem(source, e.into());
            return Found::default();
        }
    };
    let numbered = reports.len() > 1;
    let document = decoder.keep_documents.then(|| Document::of(data));
    let mut found = Found::default();
    for (index, report) in reports.into_iter().enumerate() {
        let source = if numbered {
            source.with(Location::Report(index + 1))
        } else {
            source.clone()
        };
        let checked = report.and_then(|report| {
            check_date_range(&report.date_range, now)?;
            Ok(report)
        });
        match checked {
            Ok(report) => {
                sink.reports.push((report, source, document.clone()));
                found.reports += 1;
            }
            Err(e) => sink.problem(&source, e.into()),
        }
    }
    found
}

/// Whether a file name says the file is a report, a container or a mailbox, so that
/// unrecognized content in it is a problem rather than a file passed over.
pub fn claims_report(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".json", ".gz", ".gzip", ".zip", ".eml", ".mbox", ".mbx", ".msg", ".tlsrpt",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
        || !lower.rsplit(['/', '\\']).next().unwrap_or("").contains('.')
}
